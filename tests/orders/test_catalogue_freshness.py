"""Stock moves made by orders reach the cached catalogue at once, not after the cache times out."""

import pytest

from orders.services.orders import order_cancel
from tests.factories import VariantFactory
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db


def shown_stock(client, variant) -> tuple[bool, int]:
    body = client.get(f"/api/v1/products/{variant.product.slug}/").json()
    shown = next(v for v in body["variants"] if v["sku"] == variant.sku)
    return shown["in_stock"], shown["stock"]


def test_selling_the_last_unit_and_cancelling_show_in_the_cached_catalogue(
    api_client, settings, django_capture_on_commit_callbacks
):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    variant = VariantFactory(stock=1)
    assert shown_stock(api_client, variant) == (True, 1)  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(items=[(variant, 1)])
    assert shown_stock(api_client, variant) == (False, 0)

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, reason="Changed my mind.")
    assert shown_stock(api_client, variant) == (True, 1)


def test_a_sale_customers_cannot_see_keeps_the_cache(
    api_client, settings, django_capture_on_commit_callbacks
):
    """40 → 39 units shows the same 'in stock, 10+' hint: the cached page stays (and stays correct)."""
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    variant = VariantFactory(stock=40)
    first = api_client.get(f"/api/v1/products/{variant.product.slug}/")
    with django_capture_on_commit_callbacks(execute=True):
        place_order(items=[(variant, 1)])
    again = api_client.get(f"/api/v1/products/{variant.product.slug}/")
    assert again["ETag"] == first["ETag"]
    assert shown_stock(api_client, variant) == (True, 10)
