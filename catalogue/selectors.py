"""Reads from the catalogue: querysets with the joins and annotations the API needs, in constant queries.

The per-product figures (from-price, stock flag, first thumbnail) are correlated subqueries rather than
``GROUP BY`` aggregates: the page query then reads only the rows of the page, and the paginator's
``count()`` drops them and becomes ``SELECT COUNT(*) FROM product WHERE is_active``. The product's
condition slugs come the same way, as one list-valued subquery, not a prefetch: the list page is two
queries (count and page) and builds no ``Condition`` objects. What is sellable and in stock is
``catalogue.stock``'s to say.
"""

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from catalogue.expressions import ListSubquery, first_image_annotations
from catalogue.models import Category, Condition, Product, ProductImage, ProductVariant
from catalogue.pricing import variant_price_expression
from catalogue.stock import product_in_stock, sellable_variants


def listed_variants() -> QuerySet[ProductVariant]:
    """Return the variants a page of an active product lists (the sellable ones), in the page's order."""
    return sellable_variants(product_active=True).order_by("position", "eu_min", "sku")


def _condition_slugs() -> ListSubquery:
    """The slugs of a product's conditions, in the order of the conditions' names, as one column."""
    slugs = Condition.objects.filter(products=OuterRef("pk")).order_by("name", "id").values("slug")
    return ListSubquery(slugs, column="slug")


def product_list() -> QuerySet[Product]:
    """Return active products with ``from_price`` (the lowest price of its sizes), ``in_stock``, ``condition_slugs`` and first image files.

    ``first_image`` and ``first_thumbnail`` are file names, empty when the product has no picture:
    all a list shows of its pictures.
    """
    return (
        Product.objects.filter(is_active=True)
        .select_related("category")
        .annotate(
            from_price=Subquery(
                sellable_variants(product_active=True)
                .filter(product=OuterRef("pk"))
                .annotate(unit_price=variant_price_expression())
                .order_by("unit_price")
                .values("unit_price")[:1]
            ),
            in_stock=product_in_stock(),
            condition_slugs=_condition_slugs(),
            **first_image_annotations(),
        )
        .order_by("name", "id")
    )


def product_detail_queryset() -> QuerySet[Product]:
    """Return active products with everything the detail page shows, its pictures and listed variants included."""
    return product_list().prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        Prefetch("variants", queryset=listed_variants()),
    )


def category_list() -> QuerySet[Category]:
    """Return categories with the number of active products in each."""
    return Category.objects.annotate(
        product_count=Count("products", filter=Q(products__is_active=True))
    ).order_by("position", "name")


def condition_list() -> QuerySet[Condition]:
    """Return every condition, in the order of their names."""
    return Condition.objects.all()
