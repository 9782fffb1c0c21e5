"""Reads from the catalogue: querysets with the joins and annotations the API needs, in constant queries."""

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet

from catalogue.models import Category, Condition, Product, ProductImage, ProductVariant


def _active_variants() -> QuerySet[ProductVariant]:
    return ProductVariant.objects.filter(is_active=True)


def product_list() -> QuerySet[Product]:
    """Return active products with their from-price, stock flag, conditions and images, ready to page."""
    in_stock = _active_variants().filter(product=OuterRef("pk"), stock__gt=0)
    return (
        Product.objects.filter(is_active=True)
        .select_related("category")
        .annotate(
            price=Min("variants__price", filter=Q(variants__is_active=True)),
            in_stock=Exists(in_stock),
        )
        .prefetch_related(
            Prefetch("conditions", queryset=Condition.objects.only("id", "slug")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
        .order_by("name", "id")
    )


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
