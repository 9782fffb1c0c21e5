"""Stock reservation: row locks in primary-key order and ``F()`` updates, so no oversell and no deadlock."""

from django.db import transaction
from django.db.models import F

from catalogue.cache import catalogue_stock_changed
from catalogue.models import ProductVariant
from orders.exceptions import InsufficientStock


def stock_reserve(*, quantities: dict[int, int]) -> dict[int, ProductVariant]:
    """Take ``quantities`` (variant id -> units) out of stock, all or nothing; return the locked variants.

    Must run inside the caller's transaction: the locks are held until it commits.
    """
    assert transaction.get_connection().in_atomic_block, "stock_reserve needs a transaction"
    variants = {
        variant.pk: variant
        for variant in ProductVariant.objects.select_for_update(of=("self",))
        .select_related("product")
        .filter(pk__in=quantities)
        .order_by("pk")
    }
    for variant_id in sorted(quantities):
        variant = variants[variant_id]
        if variant.stock < quantities[variant_id]:
            raise InsufficientStock(
                sku=variant.sku, requested=quantities[variant_id], available=variant.stock
            )
    for variant_id in sorted(quantities):
        updated = ProductVariant.objects.filter(pk=variant_id, stock__gte=quantities[variant_id]).update(
            stock=F("stock") - quantities[variant_id]
        )
        if updated != 1:  # cannot happen under the lock; refuse rather than oversell if it ever does
            variant = variants[variant_id]
            raise InsufficientStock(sku=variant.sku, requested=quantities[variant_id], available=0)
    catalogue_stock_changed(
        levels=[(variants[pk].stock, variants[pk].stock - quantity) for pk, quantity in quantities.items()]
    )
    return variants


def stock_release(*, quantities: dict[int, int]) -> None:
    """Put ``quantities`` (variant id -> units) back into stock, locking in primary-key order."""
    assert transaction.get_connection().in_atomic_block, "stock_release needs a transaction"
    present = list(
        ProductVariant.objects.select_for_update()
        .filter(pk__in=quantities)
        .order_by("pk")
        .values_list("pk", "stock")
    )
    for variant_id, _stock in present:
        ProductVariant.objects.filter(pk=variant_id).update(stock=F("stock") + quantities[variant_id])
    catalogue_stock_changed(levels=[(stock, stock + quantities[pk]) for pk, stock in present])
