"""Stock reservation: row locks in primary-key order and ``F()`` updates, so no oversell and no deadlock.

``QuerySet.update()`` sends no signal, so each move tells the catalogue itself: the cache
(``catalogue_stock_changed``) and the read model's stock columns (``listings_stock_moved``, which
writes only for a variant taken to or from zero, in this transaction, after the variant locks).
"""

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When

from catalogue.cache import catalogue_stock_changed
from catalogue.listing import listings_stock_moved
from catalogue.models import ProductVariant
from orders.exceptions import InsufficientStock


def stock_reserve(
    *, quantities: dict[int, int], locked: dict[int, ProductVariant] | None = None
) -> dict[int, ProductVariant]:
    """Take ``quantities`` (variant id -> units) out of stock, all or nothing; return the locked variants.

    Must run inside the caller's transaction: the locks are held until it commits, and a refusal
    (``InsufficientStock``, naming the first short line by variant id) must roll it back.
    ``locked`` are the variants when the caller has already read them with ``select_for_update()``
    in primary-key order in this transaction (checkout reads them with the cart); otherwise they are
    locked and read here. One ``UPDATE`` takes every line, each only where the stock still covers
    it, so even without row locks (SQLite) it never takes stock that is not there.
    """
    assert transaction.get_connection().in_atomic_block, "stock reservations need a transaction"
    variants = locked
    if variants is None:
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
    wanted = Case(
        *(When(pk=pk, then=Value(quantity)) for pk, quantity in sorted(quantities.items())),
        output_field=IntegerField(),
    )
    taken = ProductVariant.objects.filter(pk__in=quantities, stock__gte=wanted).update(
        stock=F("stock") - wanted
    )
    if taken != len(quantities):  # only without row locks: another order took it since it was read
        _refuse_short_line(quantities=quantities, variants=variants)
    moves = [
        (variants[pk].product_id, variants[pk].stock, variants[pk].stock - units)
        for pk, units in quantities.items()
    ]
    listings_stock_moved(moves=moves)
    catalogue_stock_changed(levels=[(before, after) for _product, before, after in moves])
    return variants


def _refuse_short_line(*, quantities: dict[int, int], variants: dict[int, ProductVariant]) -> None:
    """Raise ``InsufficientStock`` naming the line that fell short (the caller's transaction rolls back).

    Read inside the transaction, a line the ``UPDATE`` took shows its stock less the units; one it
    skipped shows what another order left, less than wanted. Only for the message: the refusal
    itself was decided by the ``UPDATE``.
    """
    now = dict(ProductVariant.objects.filter(pk__in=quantities).values_list("pk", "stock"))
    skipped = [
        pk
        for pk in sorted(quantities)
        if now.get(pk, 0) < quantities[pk] and now.get(pk, 0) != variants[pk].stock - quantities[pk]
    ]
    short = skipped[0] if skipped else min(quantities)
    raise InsufficientStock(
        sku=variants[short].sku, requested=quantities[short], available=max(now.get(short, 0), 0)
    )


def stock_release(*, quantities: dict[int, int]) -> None:
    """Put ``quantities`` (variant id -> units) back into stock, locking in primary-key order."""
    assert transaction.get_connection().in_atomic_block, "stock_release needs a transaction"
    present = list(
        ProductVariant.objects.select_for_update()
        .filter(pk__in=quantities)
        .order_by("pk")
        .values_list("pk", "product_id", "stock")
    )
    for variant_id, _product, _stock in present:
        ProductVariant.objects.filter(pk=variant_id).update(stock=F("stock") + quantities[variant_id])
    moves = [(product, stock, stock + quantities[pk]) for pk, product, stock in present]
    listings_stock_moved(moves=moves)
    catalogue_stock_changed(levels=[(before, after) for _product, before, after in moves])
