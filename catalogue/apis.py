"""Catalogue API: categories, conditions, products. Thin views; reads come from ``selectors``."""

from django.conf import settings
from rest_framework import generics, serializers

from catalogue import selectors
from catalogue.choices import Activity, ShoeType
from catalogue.filters import ProductFilter
from catalogue.models import Category, Condition, Product, ProductImage, ProductVariant


class MoneyField(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=10, decimal_places=2, coerce_to_string=True, **kwargs)


def _absolute(request, file_field) -> str | None:
    if not file_field:
        return None
    url = file_field.url
    return request.build_absolute_uri(url) if request is not None else url


class CategoryOutput(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "product_count"]


class CategoryRefOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class ConditionOutput(serializers.ModelSerializer):
    class Meta:
        model = Condition
        fields = ["slug", "name", "short_description"]


class ImageOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["url", "thumbnail_url", "alt", "width", "height"]

    def get_url(self, obj) -> str | None:
        return _absolute(self.context.get("request"), obj.image)

    def get_thumbnail_url(self, obj) -> str | None:
        return _absolute(self.context.get("request"), obj.thumbnail or obj.image)


class VariantOutput(serializers.ModelSerializer):
    price = MoneyField()
    eu_min = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    eu_max = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    in_stock = serializers.BooleanField()
    stock = serializers.SerializerMethodField(help_text="Units available, capped at 10 (a stock hint).")

    class Meta:
        model = ProductVariant
        fields = [
            "sku",
            "size_label",
            "eu_min",
            "eu_max",
            "foot_length_min_mm",
            "foot_length_max_mm",
            "width",
            "price",
            "in_stock",
            "stock",
        ]

    def get_stock(self, obj) -> int:
        return min(obj.stock, 10)


class ReturnPolicyOutput(serializers.Serializer):
    returnable = serializers.BooleanField()
    return_days = serializers.IntegerField()
    replacement_days = serializers.IntegerField()


class ProductListOutput(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    price = MoneyField(allow_null=True, help_text="The lowest price among the product's sizes.")
    currency = serializers.SerializerMethodField()
    in_stock = serializers.BooleanField()
    thumbnail_url = serializers.SerializerMethodField()
    conditions = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    shoe_types = serializers.ListField(child=serializers.ChoiceField(choices=ShoeType.choices))
    activities = serializers.ListField(child=serializers.ChoiceField(choices=Activity.choices))

    class Meta:
        model = Product
        fields = [
            "slug",
            "name",
            "kind",
            "category",
            "short_description",
            "price",
            "currency",
            "in_stock",
            "thumbnail_url",
            "arch_support",
            "rigidity",
            "posting",
            "heel_cup",
            "heel_lift_mm",
            "met_pad",
            "cushioning",
            "length",
            "volume",
            "shoe_types",
            "activities",
            "conditions",
        ]

    def get_currency(self, obj) -> str:
        return settings.SHOP_CURRENCY

    def get_thumbnail_url(self, obj) -> str | None:
        images = list(obj.images.all())
        if not images:
            return None
        return _absolute(self.context.get("request"), images[0].thumbnail or images[0].image)


class ProductDetailOutput(ProductListOutput):
    category = CategoryRefOutput(read_only=True)
    variants = VariantOutput(many=True)
    images = ImageOutput(many=True)
    return_policy = ReturnPolicyOutput()
    production_days = serializers.IntegerField()

    class Meta(ProductListOutput.Meta):
        fields = [
            *ProductListOutput.Meta.fields,
            "description",
            "variants",
            "images",
            "return_policy",
            "production_days",
        ]


class CategoryListApi(generics.ListAPIView):
    serializer_class = CategoryOutput
    filter_backends: list = []

    def get_queryset(self):
        return selectors.category_list()


class ConditionListApi(generics.ListAPIView):
    serializer_class = ConditionOutput
    filter_backends: list = []

    def get_queryset(self):
        return selectors.condition_list()


class ProductListApi(generics.ListAPIView):
    serializer_class = ProductListOutput
    filterset_class = ProductFilter

    def get_queryset(self):
        return selectors.product_list()


class ProductDetailApi(generics.RetrieveAPIView):
    serializer_class = ProductDetailOutput
    lookup_field = "slug"
    filter_backends: list = []

    def get_queryset(self):
        return selectors.product_detail_queryset()
