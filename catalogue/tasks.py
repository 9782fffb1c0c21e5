"""Background work on the catalogue's read model (django-tasks).

Renaming a category or a condition changes the stored JSON of every product in it: thousands of
rows in a large catalogue. The staff member's request only saves the category (or condition) and,
once it commits, queues ``listings_refresh_related``; the task rewrites the products' rows in
batches, each in its own short transaction (``catalogue.listing.listings_refresh``), so a reader
sees every product either as it was or as it is now, never half of each, and no lock is held for
long. After each batch the cached reads are invalidated (``catalogue_changed``), so pages built
from the old rows do not outlive it.
"""

from django.db import transaction
from django_tasks import task

from catalogue.cache import catalogue_changed
from catalogue.listing import listings_refresh
from catalogue.models import Product

BATCH = 500
RELATED = {"category": "category_id", "condition": "conditions"}


def _refresh_in_batches(ids: list[int]) -> int:
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            listings_refresh(ids[start : start + BATCH])
            catalogue_changed()
    return len(ids)


@task()
def listings_refresh_related(*, model: str, pk: int) -> int:
    """Rewrite the read-model rows of the products of a category or condition (``model``); return how many."""
    ids = Product.objects.filter(**{RELATED[model]: pk}).order_by("pk").values_list("pk", flat=True)
    return _refresh_in_batches(list(ids))


@task()
def listings_refresh_products(*, product_ids: list[int]) -> int:
    """Rewrite the read-model rows of these products (a deleted condition's); return how many."""
    return _refresh_in_batches(sorted(set(product_ids)))


def listings_refresh_related_on_commit(*, model: str, pk: int) -> None:
    """Queue ``listings_refresh_related`` for when the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: listings_refresh_related.enqueue(model=model, pk=pk))


def listings_refresh_products_on_commit(product_ids) -> None:
    ids = list(product_ids)
    if ids:
        transaction.on_commit(lambda: listings_refresh_products.enqueue(product_ids=ids))
