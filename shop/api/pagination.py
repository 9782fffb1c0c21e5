from rest_framework import pagination
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 100), as the API contract fixes."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def page_body(
        self,
        request,
        *,
        count: int,
        page: int,
        size: int,
        items: list[str],
        more: bool | None = None,
        count_exact: bool | None = None,
    ) -> bytes:
        """The page's JSON as ``get_paginated_response`` writes it, with ``items`` already rendered.

        For reads whose results are stored as JSON (the catalogue's read model); ``request`` is
        Django's or DRF's. The links are DRF's: ``previous`` drops ``page`` for the first page.
        ``more`` says whether a row follows this page (else the count decides ``next``);
        ``count_exact``, when given, is written after the count (``CountedPageNumberPagination``).
        """
        url = request.build_absolute_uri()
        if more is None:
            more = page < max(1, -(-count // size))
        head_fields = {"count": count}
        if count_exact is not None:
            head_fields["count_exact"] = count_exact
        links = {
            "next": replace_query_param(url, self.page_query_param, page + 1) if more else None,
            "previous": None if page == 1 else (
                remove_query_param(url, self.page_query_param) if page == 2
                else replace_query_param(url, self.page_query_param, page - 1)
            ),
        }  # fmt: skip
        head = JSONRenderer().render({**head_fields, **links, "results": []})
        return head[:-2] + ",".join(items).encode() + b"]}"


class CountedPageNumberPagination(PageNumberPagination):
    """The product list's pages: ``count`` is exact up to a limit, and ``count_exact`` says whether it is.

    Beyond ``CATALOGUE_COUNT_LIMIT`` matches ``count`` is a lower bound (at least the limit, and at
    least what the pages shown so far prove); ``next`` is right either way (``catalogue.listing``).
    """

    def get_paginated_response(self, data):
        """DRF's page of a queryset, which counts exactly."""
        response = super().get_paginated_response(data)
        response.data = {"count": response.data.pop("count"), "count_exact": True, **response.data}
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        properties = paginated["properties"]
        properties["count"] = {
            **properties["count"],
            "description": "The number of matches, or a lower bound of it when count_exact is false.",
        }
        paginated["properties"] = {
            "count": properties.pop("count"),
            "count_exact": {
                "type": "boolean",
                "example": True,
                "description": "Whether count is exact (true up to the server's count limit).",
            },
            **properties,
        }
        paginated["required"] = [*paginated.get("required", []), "count_exact"]
        return paginated
