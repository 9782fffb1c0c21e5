"""Catalogue API: categories, conditions, products.

Thin views: the reads come from ``selectors``, the JSON from ``serializers``.
"""

from rest_framework import generics

from catalogue import listing, selectors
from catalogue.cache import CachedCatalogueRead, stored_json_response
from catalogue.filters import ProductFilter
from catalogue.serializers import CategoryOutput, ConditionOutput, ProductDetailOutput, ProductListOutput
from shop.api.pagination import CountedPageNumberPagination


class CategoryListApi(CachedCatalogueRead, generics.ListAPIView):
    serializer_class = CategoryOutput
    filter_backends: list = []

    def get_queryset(self):
        return selectors.category_list()


class ConditionListApi(CachedCatalogueRead, generics.ListAPIView):
    serializer_class = ConditionOutput
    filter_backends: list = []

    def get_queryset(self):
        return selectors.condition_list()


class ProductListApi(CachedCatalogueRead, generics.ListAPIView):
    """A page of products, from the read model (``catalogue.listing``) for every caller.

    The serializer and the filter set describe the output and the parameters (the schema); the
    read validates with the filter set's form and answers from the stored JSON.
    """

    serializer_class = ProductListOutput
    filterset_class = ProductFilter
    pagination_class = CountedPageNumberPagination
    read_model_answer = staticmethod(listing.product_page_body)

    def get_queryset(self):
        return selectors.product_list()

    def list(self, request, *args, **kwargs):
        return stored_json_response(request, listing.product_page_body(request))


class ProductDetailApi(CachedCatalogueRead, generics.RetrieveAPIView):
    serializer_class = ProductDetailOutput
    lookup_field = "slug"
    filter_backends: list = []

    @staticmethod
    def read_model_answer(request, *, slug: str) -> bytes:
        return listing.product_detail_body(request, slug)

    def get_queryset(self):
        return selectors.product_detail_queryset()

    def retrieve(self, request, *args, **kwargs):
        return stored_json_response(request, listing.product_detail_body(request, kwargs["slug"]))
