from django.urls import include, path

from catalogue import apis

urlpatterns = [
    path("categories/", apis.CategoryListApi.as_view(), name="category-list"),
    path("conditions/", apis.ConditionListApi.as_view(), name="condition-list"),
    path("products/", apis.ProductListApi.as_view(), name="product-list"),
    path("products/<slug:slug>/", apis.ProductDetailApi.as_view(), name="product-detail"),
    path("", include("catalogue.matching.urls")),
]
