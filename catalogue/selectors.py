"""Reads from the catalogue: querysets with the joins and annotations the API needs, in constant queries.

The per-product figures (from-price, stock flag, first thumbnail) are correlated subqueries rather than
``GROUP BY`` aggregates: the page query then reads only the rows of the page, and the paginator's
``count()`` drops them and becomes ``SELECT COUNT(*) FROM product WHERE is_active``. The product's
condition slugs come the same way, as one list-valued subquery (``ConditionSlugs``), not a prefetch:
the list page is two queries (count and page) and builds no ``Condition`` objects.
"""

import json

from django.db.models import (
    BooleanField,
    Count,
    Field,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from catalogue.models import Category, Condition, Product, ProductImage, ProductVariant


def _active_variants() -> QuerySet[ProductVariant]:
    return ProductVariant.objects.filter(is_active=True)


def _first_image() -> QuerySet[ProductImage]:
    return ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id")


def first_image_annotations() -> dict[str, Subquery]:
    """Annotations giving each product its first picture's file names (``first_image``, ``first_thumbnail``)."""
    return {
        "first_image": Subquery(_first_image().values("image")[:1]),
        "first_thumbnail": Subquery(_first_image().values("thumbnail")[:1]),
    }


class SlugListField(Field):
    """The output of ``ConditionSlugs``: a list of strings from either database."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else list(value)


class ConditionSlugs(Subquery):
    """The slugs of a product's conditions, in the conditions' order, as one list-valued column.

    PostgreSQL gives an array (``ARRAY(subquery)``), SQLite a JSON array (``json_group_array``).
    """

    output_field = SlugListField()

    def __init__(self):
        slugs = Condition.objects.filter(products=OuterRef("pk")).order_by("name", "id").values("slug")
        super().__init__(slugs)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return f"ARRAY{sql}", params

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        # SQLite aggregates the rows of an ordered subquery in that order.
        return f"(SELECT json_group_array(slug) FROM {sql})", params


def _products() -> QuerySet[Product]:
    """Return active products annotated with ``price``, ``in_stock``, ``condition_slugs`` and first image files."""
    variants = _active_variants().filter(product=OuterRef("pk"))
    return (
        Product.objects.filter(is_active=True)
        .select_related("category")
        .annotate(
            price=Subquery(variants.order_by("price").values("price")[:1]),
            # A scalar subquery, not EXISTS: PostgreSQL runs it for the rows of the page only, where
            # it turns EXISTS into one hashed scan of every variant.
            in_stock=Coalesce(
                Subquery(variants.filter(stock__gt=0).values_list(Value(True), flat=True)[:1]),
                Value(False),
                output_field=BooleanField(),
            ),
            condition_slugs=ConditionSlugs(),
            **first_image_annotations(),
        )
        .order_by("name", "id")
    )


def product_list(*, with_images: bool = True) -> QuerySet[Product]:
    """Return active products with their from-price, stock flag, conditions and images, ready to page.

    Every product carries ``first_image`` and ``first_thumbnail`` (file names, empty when it has no
    picture), which is all a list shows; ``with_images=False`` skips fetching the image rows.
    """
    products = _products()
    if with_images:
        products = products.prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
        )
    return products


def product_detail_queryset() -> QuerySet[Product]:
    """Return active products with everything the detail page shows, variants included."""
    return product_list().prefetch_related(
        Prefetch("variants", queryset=_active_variants().order_by("position", "eu_min", "sku")),
    )


def category_list() -> QuerySet[Category]:
    """Return categories with the number of active products in each."""
    return Category.objects.annotate(
        product_count=Count("products", filter=Q(products__is_active=True))
    ).order_by("position", "name")


def condition_list() -> QuerySet[Condition]:
    return Condition.objects.all()


def latest_foot_profile(*, user) -> dict | None:
    """Return the customer's latest foot profile (filled in by foot-type matching), or None."""
    from catalogue.matching.selectors import foot_profile_latest  # here: keeps this module's imports stable

    return foot_profile_latest(user=user)
