"""A size's price: the product's price, which all its sizes share, unless the size has its own.

The one definition, in Python for a variant in memory (``variant_price``) and in SQL for querysets
(``variant_price_expression``); the cart, checkout, the product JSON, the lists' from-price and the
matching candidates all use these.
"""

from decimal import Decimal

from django.db.models import DecimalField, F
from django.db.models.functions import Coalesce

from catalogue.models import ProductVariant


def variant_price(variant: ProductVariant) -> Decimal:
    """Return what one unit of ``variant`` costs (its own price, else its product's)."""
    return variant.price if variant.price is not None else variant.product.price


def variant_price_expression(prefix: str = "") -> Coalesce:
    """The same price as a SQL expression on a variant queryset (``prefix`` for a related variant)."""
    return Coalesce(
        F(f"{prefix}price"),
        F(f"{prefix}product__price"),
        output_field=DecimalField(max_digits=10, decimal_places=2),
    )
