"""A price per product that all its sizes share; a size keeps a price of its own only where it differs.

Each product takes the price most of its sizes have (the lowest of those on a tie, 0.00 without sizes);
the sizes at that price then follow the product's price, the others keep theirs. Reversing gives every
size its effective price back. The size constraints get messages that read as sentences.
"""

from collections import Counter
from decimal import Decimal

import django.core.validators
from django.db import migrations, models


def prices_to_products(apps, schema_editor):
    Product = apps.get_model("catalogue", "Product")
    ProductVariant = apps.get_model("catalogue", "ProductVariant")
    for product in Product.objects.all().iterator():
        prices = Counter(ProductVariant.objects.filter(product=product).values_list("price", flat=True))
        if not prices:
            continue
        most = max(prices.values())
        shared = min(price for price, count in prices.items() if count == most)
        Product.objects.filter(pk=product.pk).update(price=shared)
        ProductVariant.objects.filter(product=product, price=shared).update(price=None)


def prices_to_variants(apps, schema_editor):
    ProductVariant = apps.get_model("catalogue", "ProductVariant")
    for variant in ProductVariant.objects.filter(price__isnull=True).select_related("product").iterator():
        ProductVariant.objects.filter(pk=variant.pk).update(price=variant.product.price)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0009_product_sealed_hygiene")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="price",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                help_text="The price of every size; a size may have its own price instead.",
                max_digits=10,
                validators=[django.core.validators.MinValueValidator(Decimal("0.00"))],
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="productvariant",
            name="price",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Leave empty for the product's price (catalogue.pricing.variant_price).",
                max_digits=10,
                null=True,
                validators=[django.core.validators.MinValueValidator(Decimal("0.00"))],
                verbose_name="own price",
            ),
        ),
        migrations.RunPython(prices_to_products, prices_to_variants),
        migrations.AlterConstraint(
            model_name="productvariant",
            name="variant_price_not_negative",
            constraint=models.CheckConstraint(
                condition=models.Q(("price__gte", 0)),
                name="variant_price_not_negative",
                violation_error_message="A size's price cannot be negative.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="productvariant",
            name="variant_eu_band_ordered",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("eu_min__isnull", True), ("eu_max__isnull", True), ("eu_min__lte", models.F("eu_max")),
                    _connector="OR",
                ),
                name="variant_eu_band_ordered",
                violation_error_message="The smallest EU size must not be above the largest.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="productvariant",
            name="variant_length_band_ordered",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("foot_length_min_mm__isnull", True),
                    ("foot_length_max_mm__isnull", True),
                    ("foot_length_min_mm__lte", models.F("foot_length_max_mm")),
                    _connector="OR",
                ),
                name="variant_length_band_ordered",
                violation_error_message="The shortest foot length must not be above the longest.",
            ),
        ),
    ]
