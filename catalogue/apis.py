"""Catalogue API: categories, conditions, products. Thin views; reads come from ``selectors``.

The product output serializers declare their fields (for validation of the contract and the OpenAPI
schema) and build their dicts in ``to_representation`` by hand: the generic field-by-field path costs
several times more per row, and a test pins the two to the same output.
"""

from decimal import Decimal

from django.conf import settings
from rest_framework import generics, serializers

from catalogue import selectors
from catalogue.cache import STOCK_HINT_MAX, CachedCatalogueRead
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


def _absolute_name(request, storage, name: str | None) -> str | None:
    """Return the absolute URL of a stored file given its name, as ``_absolute`` does for a file field."""
    if not name:
        return None
    url = storage.url(name)
    return request.build_absolute_uri(url) if request is not None else url


def _decimal(value: Decimal | None, places: str) -> str | None:
    return None if value is None else format(value.quantize(Decimal(places)), "f")


_IMAGE_STORAGE = ProductImage._meta.get_field("image").storage


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

    def to_representation(self, obj):
        request = self.context.get("request")
        return {
            "url": _absolute(request, obj.image),
            "thumbnail_url": _absolute(request, obj.thumbnail or obj.image),
            "alt": obj.alt,
            "width": obj.width,
            "height": obj.height,
        }


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
        return min(obj.stock, STOCK_HINT_MAX)

    def to_representation(self, obj):
        return {
            "sku": obj.sku,
            "size_label": obj.size_label,
            "eu_min": _decimal(obj.eu_min, "0.1"),
            "eu_max": _decimal(obj.eu_max, "0.1"),
            "foot_length_min_mm": obj.foot_length_min_mm,
            "foot_length_max_mm": obj.foot_length_max_mm,
            "width": obj.width,
            "price": _decimal(obj.price, "0.01"),
            "in_stock": obj.in_stock,
            "stock": min(obj.stock, STOCK_HINT_MAX),
        }


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
        request = self.context.get("request")
        if not hasattr(obj, "first_image"):  # a product that did not come from the selectors
            images = list(obj.images.all())
            return _absolute(request, images[0].thumbnail or images[0].image) if images else None
        return _absolute_name(request, _IMAGE_STORAGE, obj.first_thumbnail or obj.first_image)

    def to_representation(self, obj):
        return {
            "slug": obj.slug,
            "name": obj.name,
            "kind": obj.kind,
            "category": obj.category.slug,
            "short_description": obj.short_description,
            "price": _decimal(obj.price, "0.01"),
            "currency": settings.SHOP_CURRENCY,
            "in_stock": obj.in_stock,
            "thumbnail_url": self.get_thumbnail_url(obj),
            "arch_support": obj.arch_support,
            "rigidity": obj.rigidity,
            "posting": obj.posting,
            "heel_cup": obj.heel_cup,
            "heel_lift_mm": obj.heel_lift_mm,
            "met_pad": obj.met_pad,
            "cushioning": obj.cushioning,
            "length": obj.length,
            "volume": obj.volume,
            "shoe_types": list(obj.shoe_types),
            "activities": list(obj.activities),
            "conditions": self.get_conditions(obj),
        }

    @staticmethod
    def get_conditions(obj) -> list[str]:
        if hasattr(obj, "condition_slugs"):  # from the selectors: one column, no prefetch
            return obj.condition_slugs
        return [condition.slug for condition in obj.conditions.all()]


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

    def to_representation(self, obj):
        policy = obj.return_policy()
        return {
            **super().to_representation(obj),
            "category": {"slug": obj.category.slug, "name": obj.category.name},
            "description": obj.description,
            # Fresh child serializers: reaching them through ``self.fields`` builds every field again.
            "variants": [
                VariantOutput(context=self.context).to_representation(v) for v in obj.variants.all()
            ],
            "images": [ImageOutput(context=self.context).to_representation(i) for i in obj.images.all()],
            "return_policy": {
                "returnable": policy.returnable,
                "return_days": policy.return_days,
                "replacement_days": policy.replacement_days,
            },
            "production_days": obj.production_days,
        }


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
        return selectors.product_list(with_images=False)

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
