"""Renaming a category or a condition: the staff request saves it, a background task rewrites its products.

Until the task has run every product shows the old name, list and page alike; after it, the new
one; a product is never shown with half of each. A rename rolled back queues nothing.
"""

import pytest
from django.db import transaction

from catalogue import tasks
from catalogue.models import Category, Condition
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


@pytest.fixture
def shelf(settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 0
    category = CategoryFactory(slug="insoles", name="Insoles")
    for n in range(5):
        VariantFactory(
            product=ProductFactory(
                category=category, slug=f"insole-{n}", name=f"Insole {n}", conditions=["flat-feet"]
            )
        )


def shown(client) -> set[tuple[str, str]]:
    """The category name each product page shows, with the condition slugs its list entry shows."""
    seen = set()
    for item in client.get(LIST).json()["results"]:
        page = client.get(f"{LIST}{item['slug']}/").json()
        seen.add((page["category"]["name"], ",".join(item["conditions"])))
    return seen


def test_a_category_rename_is_applied_by_the_task_after_the_commit(
    api_client, shelf, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks, "BATCH", 2)  # three batches of rows, each its own transaction
    category = Category.objects.get(slug="insoles")
    category.name = "Insoles and more"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        category.save()
    assert shown(api_client) == {("Insoles", "flat-feet")}  # the rows as they were: the old name only
    for callback in queued:  # the commit: the task runs (the immediate backend runs it at once)
        callback()
    assert shown(api_client) == {("Insoles and more", "flat-feet")}


def test_a_condition_slug_change_and_its_deletion_reach_every_product(
    api_client, shelf, django_capture_on_commit_callbacks
):
    condition = Condition.objects.get(slug="flat-feet")
    condition.slug = "fallen-arches"
    with django_capture_on_commit_callbacks(execute=True):
        condition.save()
    assert shown(api_client) == {("Insoles", "fallen-arches")}
    assert api_client.get(LIST, {"condition": "fallen-arches"}).json()["count"] == 5
    with django_capture_on_commit_callbacks(execute=True):
        condition.delete()
    assert shown(api_client) == {("Insoles", "")}


def test_a_rename_rolled_back_queues_nothing(api_client, shelf, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        with pytest.raises(RuntimeError), transaction.atomic():
            category = Category.objects.get(slug="insoles")
            category.name = "Never"
            category.save()
            raise RuntimeError
    assert queued == []
    assert shown(api_client) == {("Insoles", "flat-feet")}


def test_the_task_counts_the_products_it_rewrote(shelf):
    category = Category.objects.get(slug="insoles")
    assert tasks.listings_refresh_related.call(model="category", pk=category.pk) == 5
