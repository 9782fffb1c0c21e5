"""The catalogue's JSON: the one description of a category, condition, product, size and picture.

The views render these (``catalogue.apis``), and so does the read model when it stores a product's
list and detail output (``catalogue.listing``); the OpenAPI schema is generated from them. Products
come from ``catalogue.selectors``, annotated with what a product row does not hold: its from-price
(``from_price``), stock flag (``in_stock``), condition slugs and first picture's files. What is in stock,
and the stock hint shown for a size, are ``catalogue.stock``'s rules.
"""

from django.conf import settings
from rest_framework import serializers

from catalogue.choices import Activity, ShoeType
from catalogue.models import Category, Condition, Product, ProductImage, ProductVariant
from catalogue.pricing import variant_price
from catalogue.stock import STOCK_HINT_MAX, is_in_stock, stock_hint


class MoneyField(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=10, decimal_places=2, coerce_to_string=True, **kwargs)


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


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
        return _absolute(self.context.get("request"), obj.image.url) if obj.image else None

    def get_thumbnail_url(self, obj) -> str | None:
        rendition = obj.thumbnail or obj.image
        return _absolute(self.context.get("request"), rendition.url) if rendition else None


class InStockField(serializers.BooleanField):
    """A size's ``in_stock``: ``catalogue.stock.is_in_stock`` of the variant."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, value) -> bool:
        return is_in_stock(value)


class VariantPriceField(MoneyField):
    """A size's price: its own, else its product's (``catalogue.pricing.variant_price``)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return super().to_representation(variant_price(value))


class VariantOutput(serializers.ModelSerializer):
    price = VariantPriceField()
    eu_min = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    eu_max = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    in_stock = InStockField()
    stock = serializers.SerializerMethodField(
        help_text=f"Units available, capped at {STOCK_HINT_MAX} (a stock hint)."
    )

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
        return stock_hint(obj.stock)


class ReturnPolicyOutput(serializers.Serializer):
    returnable = serializers.BooleanField()
    return_days = serializers.IntegerField()
    replacement_days = serializers.IntegerField()


class ProductListOutput(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    price = MoneyField(
        source="from_price", allow_null=True, help_text="The lowest price among the product's sizes."
    )
    currency = serializers.SerializerMethodField()
    in_stock = serializers.BooleanField()
    thumbnail_url = serializers.SerializerMethodField()
    conditions = serializers.ListField(
        child=serializers.CharField(), source="condition_slugs", read_only=True
    )
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
        name = obj.first_thumbnail or obj.first_image
        return _absolute(self.context.get("request"), _IMAGE_STORAGE.url(name)) if name else None


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
