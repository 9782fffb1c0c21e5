"""Catalogue API: categories, conditions, products.

Thin views: the reads come from ``selectors``, the JSON from ``serializers``.
"""

from rest_framework import generics

from catalogue import selectors
from catalogue.cache import CachedCatalogueRead
from catalogue.filters import ProductFilter
from catalogue.serializers import CategoryOutput, ConditionOutput, ProductDetailOutput, ProductListOutput


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
    serializer_class = ProductListOutput
    filterset_class = ProductFilter

    def get_queryset(self):
        return selectors.product_list()

    def filter_queryset(self, queryset):
        # Building the FilterSet (a form and copies of its fields) costs more than the page query;
        # with no filter in the query string it would return the queryset unchanged.
        if self.request.query_params.keys().isdisjoint(ProductFilter.base_filters):
            return queryset
        return super().filter_queryset(queryset)


class ProductDetailApi(CachedCatalogueRead, generics.RetrieveAPIView):
    serializer_class = ProductDetailOutput
    lookup_field = "slug"
    filter_backends: list = []

    def get_queryset(self):
        return selectors.product_detail_queryset()
