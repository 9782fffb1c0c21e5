"""What the shop sells and what customers see of its stock: the one definition of both.

- A variant is **sellable** when it is active and so is its product: only such a variant can go in
  a cart, be ordered, be sent as a replacement or be shown on a product page.
- A variant is **in stock** when it is sellable and has at least one unit; a product is in stock
  when one of its variants is.
- Customers never see a stock level, only the **stock hint**: the units, capped at
  ``STOCK_HINT_MAX``. The hint is above 0 exactly when the variant has a unit.

Each rule comes in the forms its callers need, side by side so they cannot drift: a ``Q`` on
variants (``sellable_q``, ``in_stock_q``; ``prefix`` reaches variants from another model, e.g.
``"variant__"`` from a cart item) and the querysets built on them; a predicate for a variant in
memory (``is_sellable``, ``is_in_stock``); SQL expressions (``product_in_stock``,
``variant_in_stock``, ``stock_hint_expression``) and, for the hint, the function ``stock_hint``.
Where the read model needs the rules in SQL it compiles these expressions (``catalogue.listing``).
``product_active=True`` is for queries that keep to active products already (product pages, the
product list, the read model): the product's flag is then not joined in again. Leave it out
everywhere else (carts, checkout, returns, the admin).
"""

from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least

from catalogue.models import ProductVariant

STOCK_HINT_MAX = 10


def sellable_q(prefix: str = "", *, product_active: bool = False) -> Q:
    """Return the condition that a variant (reached through ``prefix``) is sellable.

    ``product_active``: the query keeps to variants of active products already (a product page's
    sizes, the read model's rows), so the product's own flag is not checked again: that would cost
    a join per row.
    """
    variant = Q(**{f"{prefix}is_active": True})
    return variant if product_active else variant & Q(**{f"{prefix}product__is_active": True})


def in_stock_q(prefix: str = "", *, product_active: bool = False) -> Q:
    """Return the condition that a variant (reached through ``prefix``) is in stock (``product_active``: as above)."""
    return sellable_q(prefix, product_active=product_active) & Q(**{f"{prefix}stock__gt": 0})


def sellable_variants(*, product_active: bool = False) -> QuerySet[ProductVariant]:
    """Return the variants customers can buy (``product_active``: as for ``sellable_q``)."""
    return ProductVariant.objects.filter(sellable_q(product_active=product_active))


def in_stock_variants(*, product_active: bool = False) -> QuerySet[ProductVariant]:
    """Return the variants customers can buy now (``product_active``: as for ``sellable_q``)."""
    return ProductVariant.objects.filter(in_stock_q(product_active=product_active))


def out_of_stock_variants() -> QuerySet[ProductVariant]:
    """Sellable variants (an active size of an active product) with no unit left: staff restock these."""
    return ProductVariant.objects.filter(sellable_q(), stock=0)


def is_sellable(variant: ProductVariant) -> bool:
    """Tell whether a variant in memory is sellable (reads ``variant.product``: select or prefetch it)."""
    return variant.is_active and variant.product.is_active


def is_in_stock(variant: ProductVariant) -> bool:
    """Tell whether a variant in memory is in stock (reads ``variant.product``: select or prefetch it)."""
    return variant.stock > 0 and is_sellable(variant)


def product_in_stock(outer_product: str = "pk") -> Coalesce:
    """Return an expression that is true when a product has a variant in stock.

    The product is the outer query's ``outer_product`` (its own row for a product queryset), and the
    outer query keeps to active products (the selectors' product querysets, the read model's rows):
    the product's own flag is the caller's filter. A scalar subquery, not ``EXISTS``: PostgreSQL runs
    it for the rows of a page only, where it turns ``EXISTS`` into one hashed scan of every variant.
    """
    variants = in_stock_variants(product_active=True).filter(product=OuterRef(outer_product)).order_by()
    return Coalesce(
        Subquery(variants.values_list(Value(True), flat=True)[:1]), Value(False), output_field=BooleanField()
    )


def variant_in_stock(*, product_active: bool = False) -> ExpressionWrapper:
    """Return an expression on variants that is true for a variant in stock (``product_active``: as above)."""
    return ExpressionWrapper(in_stock_q(product_active=product_active), output_field=BooleanField())


def stock_hint(stock: int) -> int:
    """Return what customers are shown of a stock level."""
    return min(stock, STOCK_HINT_MAX)


def stock_hint_expression() -> Least:
    """Return an expression on variants giving each one's stock hint, as ``stock_hint`` does."""
    return Least(F("stock"), Value(STOCK_HINT_MAX))
