"""What is sellable and in stock, and the stock hint, at their boundaries: the last unit, none, inactive.

The expected values are written out here. Each customer-facing read is made twice: anonymously (the
read model answers, in one query) and signed in (the view answers).
"""

from decimal import Decimal

import pytest
from django.db import transaction

from catalogue.matching.selectors import matching_catalogue
from catalogue.models import ProductVariant
from catalogue.stock import (
    STOCK_HINT_MAX,
    in_stock_variants,
    is_in_stock,
    is_sellable,
    sellable_variants,
    stock_hint,
)
from orders.services.stock import stock_reserve
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


@pytest.fixture(autouse=True)
def _cache_off(settings):
    """Every read below is answered afresh: stock moved with ``update()`` invalidates nothing."""
    settings.CATALOGUE_CACHE_TIMEOUT = 0


@pytest.fixture(params=["anonymous", "signed_in"])
def reader(request, django_assert_num_queries):
    """GET as a customer would: anonymous reads of a list or a page come from the read model, in one query."""
    if request.param == "signed_in":
        client = request.getfixturevalue("customer_client")
        return lambda path, **params: client.get(path, params)
    client = request.getfixturevalue("api_client")

    def get(path, *, one_query: bool = True, **params):
        if params or not one_query:  # filters, and what the read model does not hold, go to the view
            return client.get(path, params)
        with django_assert_num_queries(1):
            return client.get(path)

    return get


def listed(reader, **params) -> dict[str, bool]:
    response = reader(LIST, **params)
    assert response.status_code == 200
    return {item["slug"]: item["in_stock"] for item in response.json()["results"]}


def sizes(body) -> list[tuple[str, bool, int]]:
    return [(size["sku"], size["in_stock"], size["stock"]) for size in body["variants"]]


def test_the_rule_and_the_hint_on_variants_in_memory_and_in_queries():
    shown = ProductFactory(slug="shown")
    hidden = ProductFactory(slug="hidden", is_active=False)
    cases = {
        # sku: (variant active, product, stock) -> (sellable, in stock, hint)
        "ONE": ((True, shown, 1), (True, True, 1)),
        "NONE": ((True, shown, 0), (True, False, 0)),
        "TEN": ((True, shown, 10), (True, True, 10)),
        "ELEVEN": ((True, shown, 11), (True, True, 10)),
        "RETIRED-SIZE": ((False, shown, 5), (False, False, 5)),
        "RETIRED-PRODUCT": ((True, hidden, 5), (False, False, 5)),
    }
    for sku, ((active, product, stock), _) in cases.items():
        VariantFactory(sku=sku, product=product, stock=stock, is_active=active)
    sellable = set(sellable_variants().values_list("sku", flat=True))
    in_stock = set(in_stock_variants().values_list("sku", flat=True))
    for variant in ProductVariant.objects.select_related("product"):
        expected = cases[variant.sku][1]
        assert (is_sellable(variant), is_in_stock(variant), stock_hint(variant.stock)) == expected, (
            variant.sku
        )
        assert (variant.sku in sellable, variant.sku in in_stock) == expected[:2], variant.sku
    assert STOCK_HINT_MAX == 10
    assert [stock_hint(units) for units in (0, 1, 9, 10, 11, 500)] == [0, 1, 9, 10, 10, 10]


def test_the_last_unit_is_in_stock_with_a_hint_of_one(reader):
    VariantFactory(product=ProductFactory(slug="last-unit"), sku="LAST-1", stock=1)
    assert listed(reader) == {"last-unit": True}
    detail = reader(f"{LIST}last-unit/").json()
    assert detail["in_stock"] is True
    assert sizes(detail) == [("LAST-1", True, 1)]
    assert listed(reader, in_stock="true") == {"last-unit": True}
    assert listed(reader, in_stock="false") == {}


def test_the_last_unit_sold_leaves_the_product_out_of_stock_with_a_hint_of_zero(reader):
    variant = VariantFactory(product=ProductFactory(slug="last-unit"), sku="LAST-1", stock=1)
    with transaction.atomic():  # as checkout takes it
        stock_reserve(quantities={variant.pk: 1})
    assert listed(reader) == {"last-unit": False}
    detail = reader(f"{LIST}last-unit/").json()
    assert detail["in_stock"] is False
    assert sizes(detail) == [("LAST-1", False, 0)]
    assert listed(reader, in_stock="true") == {}
    assert listed(reader, in_stock="false") == {"last-unit": False}


def test_an_inactive_size_with_stock_is_neither_shown_nor_counted(reader):
    product = ProductFactory(slug="one-size-left")
    VariantFactory(product=product, sku="SOLD-OUT", stock=0, price=Decimal("30.00"))
    VariantFactory(
        product=product,
        sku="RETIRED",
        stock=5,
        is_active=False,
        price=Decimal("10.00"),
        eu_min=Decimal("45"),
        eu_max=Decimal("46"),
    )
    page = reader(LIST).json()
    assert [(item["slug"], item["in_stock"], item["price"]) for item in page["results"]] == [
        ("one-size-left", False, "30.00")
    ]
    detail = reader(f"{LIST}one-size-left/").json()
    assert (detail["in_stock"], detail["price"]) == (False, "30.00")
    assert sizes(detail) == [("SOLD-OUT", False, 0)]
    assert listed(reader, in_stock="true") == {}
    assert listed(reader, size_eu="45") == {}


def test_an_inactive_product_with_stock_is_not_offered(reader):
    VariantFactory(product=ProductFactory(slug="shown", name="Shown"), stock=2)
    VariantFactory(product=ProductFactory(slug="retired", name="Retired", is_active=False), stock=5)
    assert listed(reader) == {"shown": True}
    assert reader(f"{LIST}retired/", one_query=False).status_code == 404
    assert listed(reader, in_stock="true") == {"shown": True}
    assert listed(reader, in_stock="false") == {}
    assert [product.any_size.slug for product in matching_catalogue().products] == ["shown"]


def test_the_admin_in_stock_filter_follows_the_rule(client, staff_user):
    VariantFactory(product=ProductFactory(name="Last Unit"), stock=1)
    VariantFactory(product=ProductFactory(name="Sold Out"), stock=0)
    VariantFactory(product=ProductFactory(name="Retired Size"), stock=5, is_active=False)
    VariantFactory(product=ProductFactory(name="Retired Product", is_active=False), stock=5)
    client.force_login(staff_user)
    stocked = client.get("/admin/catalogue/product/", {"in_stock": "yes"}).content.decode()
    empty = client.get("/admin/catalogue/product/", {"in_stock": "no"}).content.decode()
    names = ["Last Unit", "Sold Out", "Retired Size", "Retired Product"]
    assert [name in stocked for name in names] == [True, False, False, False]
    assert [name in empty for name in names] == [False, True, True, True]
