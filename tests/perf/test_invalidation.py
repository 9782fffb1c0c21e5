"""Any change to what the catalogue shows invalidates every cached read at once."""

import json
from decimal import Decimal

import pytest
from django.db.models import F

from catalogue.cache import catalogue_changed, catalogue_stock_changed
from catalogue.listing import listings_refresh, listings_stock_write
from catalogue.models import Category, Condition, ProductImage, ProductVariant
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


def detail(client, product):
    response = client.get(f"/api/v1/products/{product.slug}/")
    assert response.status_code == 200
    return response


def warm(client, product):
    """Fill the cache with the list and the detail page and check the next read is a hit."""
    client.get(LIST)
    detail(client, product)
    assert detail(client, product)["X-Catalogue-Cache"] == "hit"


def test_a_product_saved_in_the_admin_shows_at_once(admin_client, api_client, shelf):
    product = shelf[0]
    warm(api_client, product)
    data = {
        "name": "Renamed In Admin",
        "slug": product.slug,
        "category": product.category_id,
        "kind": product.kind,
        "is_active": "on",
        "price": "39.90",
        "tax_class": "standard",
        "arch_support": product.arch_support,
        "posting": product.posting,
        "heel_lift_mm": "0",
        "production_days": "0",
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "_save": "Save",
    }
    response = admin_client.post(f"/admin/catalogue/product/{product.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    fresh = detail(api_client, product)
    assert fresh["X-Catalogue-Cache"] == "miss"
    assert fresh.json()["name"] == "Renamed In Admin"
    assert "Renamed In Admin" in [
        p["name"] for p in api_client.get(LIST, {"page_size": 100}).json()["results"]
    ]


def test_stock_changed_from_the_admin_variant_list_shows_at_once(admin_client, api_client, shelf):
    product = shelf[0]
    variants = list(product.variants.order_by("pk"))
    warm(api_client, product)
    data = {"form-TOTAL_FORMS": str(len(variants)), "form-INITIAL_FORMS": str(len(variants)), "_save": "Save"}
    for i, variant in enumerate(variants):
        data |= {f"form-{i}-id": str(variant.pk), f"form-{i}-price": "39.90", f"form-{i}-stock": "0"}
    # Unticked is_active: every variant goes inactive, so the product shows no price.
    response = admin_client.post(f"/admin/catalogue/productvariant/?product__id__exact={product.pk}", data)
    assert response.status_code == 302
    body = detail(api_client, product).json()
    assert body["variants"] == [] and body["in_stock"] is False and body["price"] is None


def test_a_stock_update_with_f_calls_catalogue_changed(api_client, shelf):
    """QuerySet.update() sends no signal: the caller (checkout's stock reservation) calls catalogue_changed()."""
    product = shelf[0]
    warm(api_client, product)
    ProductVariant.objects.filter(product=product).update(stock=F("stock") - F("stock"))
    listings_stock_write([product.pk])  # the read model's stock columns, as the stock services write them
    assert detail(api_client, product).json()["in_stock"] is True  # still cached: nothing said so
    catalogue_changed()
    assert detail(api_client, product).json()["in_stock"] is False


def test_inside_a_transaction_the_version_is_bumped_again_on_commit(
    api_client, shelf, django_capture_on_commit_callbacks
):
    """A reader that cached the old rows between the first bump and the commit is invalidated too."""
    from django.core.cache import cache

    from catalogue.cache import VERSION_KEY

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        catalogue_changed()
        during = cache.get(VERSION_KEY)
    assert len(callbacks) == 1
    callbacks[0]()
    assert cache.get(VERSION_KEY) != during


def _deactivate_first_variant(product):
    # (Deleting one would reach into the orders tables; post_delete is covered by the image case.)
    variant = product.variants.first()
    variant.is_active = False
    variant.save()


@pytest.mark.parametrize(
    "change",
    [
        lambda p: VariantFactory(product=p, sku="NEW-SKU", price=Decimal("1.00")),
        lambda p: _deactivate_first_variant(p),
        lambda p: ProductImage.objects.create(product=p, image="products/new.jpg", width=1, height=1),
        lambda p: p.images.first().delete(),
        lambda p: Category.objects.filter(pk=p.category_id).first().save(),
        lambda p: p.conditions.remove(Condition.objects.get(slug="flat-feet")),
        lambda p: Condition.objects.get(slug="flat-feet").save(),
    ],
    ids=["variant added", "variant deactivated", "image added", "image deleted", "category saved",
         "condition removed from product", "condition saved"],
)  # fmt: skip
def test_every_catalogue_change_invalidates(api_client, shelf, change):
    product = shelf[0]
    warm(api_client, product)
    change(product)
    assert detail(api_client, product)["X-Catalogue-Cache"] == "miss"


def test_reads_fall_back_to_the_database_when_the_cache_is_down(api_client, shelf, monkeypatch):
    from catalogue import cache as catalogue_cache

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(catalogue_cache.cache, "get_many", broken)
    monkeypatch.setattr(catalogue_cache.cache, "set", broken)
    response = api_client.get(LIST)
    assert response.status_code == 200 and len(response.json()["results"]) == 20
    shelf[0].save()  # the bump logs and carries on


@pytest.mark.parametrize(
    ("before", "after", "invalidates"),
    [(40, 39, False), (11, 10, False), (10, 9, True), (1, 0, True), (0, 5, True), (12, 12, False)],
)
def test_stock_moves_invalidate_only_when_customers_would_see_them(
    api_client, shelf, before, after, invalidates
):
    """in_stock and the stock hint (capped at 10) are all a customer sees of a stock level."""
    product = shelf[0]
    warm(api_client, product)
    catalogue_stock_changed(levels=[(40, 40), (before, after)])
    assert (detail(api_client, product)["X-Catalogue-Cache"] == "miss") is invalidates


def test_a_process_serves_its_copy_of_a_page_only_under_the_version_it_was_built_under(api_client, shelf):
    """The copy a process keeps answers even once the shared entry is gone, until the catalogue changes."""
    from django.core.cache import cache

    from catalogue import cache as catalogue_cache

    product = shelf[0]
    warm(api_client, product)
    shared = [key for key in catalogue_cache._local_reads if cache.get(key) is not None]
    assert shared, "the reads were kept in this process too"
    cache.delete_many(shared)  # evicted from Redis, say: the process's copy still answers
    assert detail(api_client, product)["X-Catalogue-Cache"] == "hit"

    ProductVariant.objects.filter(product=product).update(price=Decimal("77.70"))
    listings_refresh([product.pk])  # what a caller of update() owes the read model and the cache
    catalogue_changed()
    fresh = detail(api_client, product)
    assert fresh["X-Catalogue-Cache"] == "miss"
    assert {variant["price"] for variant in fresh.json()["variants"]} == {"77.70"}


def test_a_process_keeps_a_bounded_number_of_pages(api_client, shelf, monkeypatch):
    """The least recently used copies go first; the pages themselves stay right."""
    from catalogue import cache as catalogue_cache

    monkeypatch.setattr(catalogue_cache, "LOCAL_READS_MAX", 3)
    for product in shelf[:5]:
        detail(api_client, product)
    assert len(catalogue_cache._local_reads) == 3
    for product in shelf[:5]:
        assert detail(api_client, product).json()["slug"] == product.slug


def test_a_process_keeps_pages_up_to_a_number_of_bytes(api_client, shelf, monkeypatch):
    """Pages of every size share one budget: the oldest go when the bodies kept would exceed it."""
    from catalogue import cache as catalogue_cache

    sizes = [len(detail(api_client, product).content) for product in shelf[:4]]
    monkeypatch.setattr(catalogue_cache, "_local_reads", type(catalogue_cache._local_reads)())
    monkeypatch.setattr(catalogue_cache, "_local_bytes", 0)
    monkeypatch.setattr(catalogue_cache, "LOCAL_READS_BYTES", sizes[2] + sizes[3])
    for product in shelf[:4]:  # from the shared cache, each kept in the process as it is read
        detail(api_client, product)
    kept = [entry.body for entry, _deadline in catalogue_cache._local_reads.values()]
    assert [json.loads(body)["slug"] for body in kept] == [shelf[2].slug, shelf[3].slug]
    assert detail(api_client, shelf[0]).json()["slug"] == shelf[0].slug  # still right
