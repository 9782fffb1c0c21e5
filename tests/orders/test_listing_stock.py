"""Orders that sell a size's last unit, and those that give it back, show on the product list at once.

The list filters ``in_stock`` and, with it, ``size_eu`` on the read model's stock columns, which
checkout, cancellations and expiry keep right in their own transaction.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalogue.models import ProductListing
from orders.services.orders import order_cancel, order_expire
from tests.factories import ProductFactory, VariantFactory
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


@pytest.fixture(autouse=True)
def _cache_off(settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 0


def listed(client, **params) -> dict[str, bool]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response.json()
    return {item["slug"]: item["in_stock"] for item in response.json()["results"]}


def shown_in_stock(client, slug) -> bool:
    return client.get(f"{LIST}{slug}/").json()["in_stock"]


@pytest.fixture
def insole():
    """One product in two bands: EU 40–41 with its last unit, EU 42–43 with five."""
    product = ProductFactory(slug="trail-insole", name="Trail insole")
    small = VariantFactory(
        product=product, sku="TRAIL-S", eu_min=Decimal("40"), eu_max=Decimal("41"), stock=1
    )
    large = VariantFactory(
        product=product, sku="TRAIL-L", eu_min=Decimal("42"), eu_max=Decimal("43"), stock=5
    )
    return product, small, large


@pytest.fixture
def last_pair():
    """A product with one size and its last unit, beside one that stays in stock."""
    VariantFactory(product=ProductFactory(slug="stays", name="Stays in stock"), stock=10)
    variant = VariantFactory(product=ProductFactory(slug="last-pair", name="Last pair"), stock=1)
    return variant


def test_selling_the_last_unit_takes_the_product_out_of_the_in_stock_list(api_client, last_pair):
    assert listed(api_client, in_stock="true") == {"last-pair": True, "stays": True}
    assert listed(api_client, size_eu="42", in_stock="true") == {"last-pair": True, "stays": True}

    place_order(items=[(last_pair, 1)])

    assert listed(api_client) == {"last-pair": False, "stays": True}
    assert listed(api_client, in_stock="true") == {"stays": True}
    assert listed(api_client, in_stock="false") == {"last-pair": False}
    assert listed(api_client, size_eu="42", in_stock="true") == {"stays": True}
    assert listed(api_client, size_eu="42") == {"last-pair": False, "stays": True}
    assert shown_in_stock(api_client, "last-pair") is False


def test_a_cancellation_brings_the_product_back(api_client, last_pair):
    order = place_order(items=[(last_pair, 1)])
    order_cancel(order=order, reason="Changed my mind.")

    assert listed(api_client, in_stock="true") == {"last-pair": True, "stays": True}
    assert listed(api_client, size_eu="42", in_stock="true") == {"last-pair": True, "stays": True}
    assert listed(api_client, in_stock="false") == {}
    assert shown_in_stock(api_client, "last-pair") is True


def test_an_expired_order_brings_the_product_back(api_client, last_pair):
    order = place_order(items=[(last_pair, 1)])
    assert listed(api_client, in_stock="true") == {"stays": True}

    assert order_expire(order=order, now=timezone.now() + timedelta(days=30)) is True

    assert listed(api_client, in_stock="true") == {"last-pair": True, "stays": True}
    assert shown_in_stock(api_client, "last-pair") is True


def test_a_sold_out_size_no_longer_matches_in_stock_searches_for_it(api_client, insole):
    _product, small, _large = insole
    assert listed(api_client, size_eu="40.5", in_stock="true") == {"trail-insole": True}

    place_order(items=[(small, 1)])

    assert listed(api_client, size_eu="40.5", in_stock="true") == {}
    assert listed(api_client, size_eu="41", in_stock="true") == {}
    assert listed(api_client, size_eu="42", in_stock="true") == {"trail-insole": True}
    assert listed(api_client, size_eu="40.5") == {"trail-insole": True}  # still sold in that size
    assert listed(api_client, size_eu="40.5", in_stock="false") == {}  # the product has a size in stock
    assert shown_in_stock(api_client, "trail-insole") is True
    assert ProductListing.objects.values_list("in_stock", "stock_sizes").get() == (
        True,
        [*range(420, 431)],  # EU 42.0-43.0
    )


def test_selling_every_size_leaves_no_size_in_stock(api_client, insole):
    _product, small, large = insole
    place_order(items=[(small, 1), (large, 5)])
    assert ProductListing.objects.values_list("in_stock", "stock_sizes").get() == (False, [])
    assert listed(api_client, in_stock="false") == {"trail-insole": False}
    assert listed(api_client, size_eu="42", in_stock="false") == {"trail-insole": False}


def test_a_sale_that_leaves_units_keeps_the_sizes(api_client, insole):
    _product, _small, large = insole
    place_order(items=[(large, 4)])
    assert listed(api_client, size_eu="43", in_stock="true") == {"trail-insole": True}
    assert ProductListing.objects.values_list("in_stock", "stock_sizes").get() == (
        True,
        [*range(400, 411), *range(420, 431)],  # EU 40.0-41.0 and 42.0-43.0
    )


def test_an_inactive_size_with_units_does_not_count(api_client, insole):
    _product, small, large = insole
    large.is_active = False
    large.save()  # a staff change: the signal rewrites the row
    assert listed(api_client, size_eu="42", in_stock="true") == {}
    place_order(items=[(small, 1)])
    assert listed(api_client, in_stock="true") == {}
    assert ProductListing.objects.values_list("in_stock", "stock_sizes").get() == (False, [])
