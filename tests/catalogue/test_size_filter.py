"""The size filter on every database: a size fits a band covering it, at the ends of the range and between tenths."""

from decimal import Decimal

import pytest

from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


def page(response) -> tuple[int, list[str]]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["count"], [product["slug"] for product in body["results"]]


def test_the_size_filter_holds_at_the_ends_of_the_range_and_between_tenths(api_client):
    bands = {
        "smallest": ("15.0", "15.5"),
        "largest": ("54.5", "55.0"),
        "to-42-3": ("40.0", "42.3"),
        "from-42-4": ("42.4", "44.0"),
        "across": ("40.0", "44.0"),
    }
    for slug, (low, high) in bands.items():
        made = ProductFactory(slug=slug, name=slug)
        VariantFactory(product=made, sku=f"SKU-{slug}", eu_min=Decimal(low), eu_max=Decimal(high), stock=3)
    for query, expected in [
        ({"size_eu": "15"}, ["smallest"]),
        ({"size_eu": "55", "in_stock": "true"}, ["largest"]),
        ({"size_eu": "42.35"}, ["across"]),
        ({"size_eu": "42.3", "in_stock": "true"}, ["across", "to-42-3"]),
    ]:
        assert page(api_client.get(LIST, query)) == (len(expected), expected), query
