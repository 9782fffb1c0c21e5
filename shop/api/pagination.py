from rest_framework import pagination
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 100), as the API contract fixes."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def page_body(self, request, *, count: int, page: int, size: int, items: list[str]) -> bytes:
        """The page's JSON as ``get_paginated_response`` writes it, with ``items`` already rendered.

        For reads whose results are stored as JSON (the catalogue's read model); ``request`` is
        Django's or DRF's. The links are DRF's: ``previous`` drops ``page`` for the first page.
        """
        url = request.build_absolute_uri()
        last = max(1, -(-count // size))
        links = {
            "next": replace_query_param(url, self.page_query_param, page + 1) if page < last else None,
            "previous": None if page == 1 else (
                remove_query_param(url, self.page_query_param) if page == 2
                else replace_query_param(url, self.page_query_param, page - 1)
            ),
        }  # fmt: skip
        head = JSONRenderer().render({"count": count, **links, "results": []})
        return head[:-2] + ",".join(items).encode() + b"]}"
