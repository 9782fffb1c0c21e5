"""The catalogue as a customer browses it: filters, search, ordering, pagination, detail."""

from decimal import Decimal

import pytest
import time_machine

from catalogue.choices import ProductKind
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [product["slug"] for product in response.json()["results"]]


@pytest.fixture
def shelf():
    """A small, varied shelf: each product differs from the others in the attribute a test filters on."""
    insoles = CategoryFactory(slug="insoles", name="Insoles")
    care = CategoryFactory(slug="care", name="Foot care")
    with time_machine.travel("2026-01-01 10:00Z"):
        firm = ProductFactory(
            slug="firm-arch",
            name="Firm Arch",
            category=insoles,
            arch_support="high",
            shoe_types=["athletic", "work_boot"],
            activities=["running", "hiking"],
            conditions=["flat-feet"],
            short_description="Rigid support for flat feet.",
        )
    with time_machine.travel("2026-02-01 10:00Z"):
        soft = ProductFactory(
            slug="soft-cushion",
            name="Soft Cushion",
            category=insoles,
            arch_support="low",
            shoe_types=["casual"],
            activities=["walking"],
            conditions=["high-arches"],
        )
    with time_machine.travel("2026-03-01 10:00Z"):
        heel = ProductFactory(
            slug="heel-cup",
            name="Heel Cup",
            category=insoles,
            arch_support="none",
            shoe_types=["dress", "casual"],
            activities=["everyday"],
            conditions=["plantar-fasciitis", "heel-spur"],
        )
    with time_machine.travel("2026-04-01 10:00Z"):
        ball = ProductFactory(
            slug="massage-ball",
            name="Massage Ball",
            category=care,
            kind=ProductKind.ACCESSORY,
            arch_support="none",
            shoe_types=[],
            activities=[],
            conditions=["plantar-fasciitis"],
        )
    VariantFactory(
        product=firm, sku="FIRM-3940", eu_min=Decimal("39"), eu_max=Decimal("40.5"), price=Decimal("49.90")
    )
    VariantFactory(
        product=firm, sku="FIRM-4142", eu_min=Decimal("41"), eu_max=Decimal("42.5"), price=Decimal("49.90")
    )
    VariantFactory(
        product=soft, sku="SOFT-4142", eu_min=Decimal("41"), eu_max=Decimal("42.5"), price=Decimal("29.90")
    )
    VariantFactory(
        product=heel,
        sku="HEEL-3940",
        eu_min=Decimal("39"),
        eu_max=Decimal("40.5"),
        price=Decimal("19.90"),
        stock=0,
    )
    VariantFactory(product=ball, sku="BALL-OS", eu_min=None, eu_max=None, price=Decimal("12.90"))
    hidden = ProductFactory(slug="retired", name="Retired Insole", category=insoles, is_active=False)
    VariantFactory(product=hidden, sku="RETIRED-1", price=Decimal("5.00"))
    return {"firm": firm, "soft": soft, "heel": heel, "ball": ball, "hidden": hidden}


def test_list_shows_active_products_with_price_stock_and_fit(api_client, shelf):
    """The list holds every active product, its from-price in the shop currency and its fit attributes."""
    response = api_client.get(LIST)
    body = response.json()
    assert body["count"] == 4
    assert sorted(slugs(response)) == ["firm-arch", "heel-cup", "massage-ball", "soft-cushion"]
    firm = next(p for p in body["results"] if p["slug"] == "firm-arch")
    assert firm["price"] == "49.90"
    assert firm["currency"] == "EUR"
    assert firm["in_stock"] is True
    assert firm["arch_support"] == "high"
    assert firm["shoe_types"] == ["athletic", "work_boot"]
    assert firm["conditions"] == ["flat-feet"]
    heel = next(p for p in body["results"] if p["slug"] == "heel-cup")
    assert heel["in_stock"] is False


def test_conditions_are_listed_in_the_order_of_their_names(api_client, db):
    """List and detail name a product's conditions by slug, ordered by the conditions' names; none is []."""
    from catalogue.models import Condition

    Condition.objects.filter(slug="heel-spur").update(name="Aaa heel spur")  # first by name, not by slug
    product = ProductFactory(slug="several", conditions=["plantar-fasciitis", "flat-feet", "heel-spur"])
    ProductFactory(slug="none")
    expected = ["heel-spur", "flat-feet", "plantar-fasciitis"]
    listed = {p["slug"]: p["conditions"] for p in api_client.get(LIST).json()["results"]}
    assert listed == {"several": expected, "none": []}
    assert api_client.get(f"{LIST}{product.slug}/").json()["conditions"] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=care", ["massage-ball"]),
        ("kind=accessory", ["massage-ball"]),
        ("kind=insole", ["firm-arch", "heel-cup", "soft-cushion"]),
        ("arch_support=high", ["firm-arch"]),
        ("condition=plantar-fasciitis", ["heel-cup", "massage-ball"]),
        ("condition=flat-feet&condition=high-arches", ["firm-arch", "soft-cushion"]),
        ("activity=hiking", ["firm-arch"]),
        ("shoe_type=casual", ["heel-cup", "soft-cushion"]),
        ("shoe_type=dress", ["heel-cup"]),
        ("size_eu=40", ["firm-arch", "heel-cup"]),
        ("size_eu=42.5", ["firm-arch", "soft-cushion"]),
        ("size_eu=43", []),
        ("in_stock=true", ["firm-arch", "massage-ball", "soft-cushion"]),
        ("in_stock=false", ["heel-cup"]),
        ("price_min=29.90", ["firm-arch", "soft-cushion"]),
        ("price_max=19.90", ["heel-cup", "massage-ball"]),
        ("price_min=13&price_max=30", ["heel-cup", "soft-cushion"]),
        ("kind=insole&in_stock=true&size_eu=41", ["firm-arch", "soft-cushion"]),
    ],
)
def test_each_filter_narrows_the_list(api_client, shelf, query, expected):
    """Each documented filter returns exactly the products that match it."""
    assert sorted(slugs(api_client.get(f"{LIST}?{query}&page_size=100"))) == expected


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("cushion", ["soft-cushion"]),
        ("FLAT FEET", ["firm-arch"]),  # the short description, case-insensitively
        ("firm-4142", ["firm-arch"]),  # a SKU
        ("plantar", ["heel-cup", "massage-ball"]),  # a condition's name
        ("retired", []),  # inactive products never show
        ("nothing-like-this", []),
    ],
)
def test_search_matches_name_description_sku_and_condition(api_client, shelf, term, expected):
    assert sorted(slugs(api_client.get(LIST, {"search": term}))) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["massage-ball", "heel-cup", "soft-cushion", "firm-arch"]),
        ("-price", ["firm-arch", "soft-cushion", "heel-cup", "massage-ball"]),
        ("name", ["firm-arch", "heel-cup", "massage-ball", "soft-cushion"]),
        ("-name", ["soft-cushion", "massage-ball", "heel-cup", "firm-arch"]),
        ("-created", ["massage-ball", "heel-cup", "soft-cushion", "firm-arch"]),
    ],
)
def test_ordering(api_client, shelf, ordering, expected):
    assert slugs(api_client.get(LIST, {"ordering": ordering})) == expected


def test_default_order_is_by_name(api_client, shelf):
    assert slugs(api_client.get(LIST)) == ["firm-arch", "heel-cup", "massage-ball", "soft-cushion"]


def test_pagination_pages_without_overlap(api_client, shelf):
    """Two pages of two cover the four products once each, with next/previous links."""
    first = api_client.get(LIST, {"page_size": 2, "ordering": "price"}).json()
    second = api_client.get(LIST, {"page_size": 2, "ordering": "price", "page": 2}).json()
    assert first["count"] == second["count"] == 4
    assert first["previous"] is None and "page=2" in first["next"]
    assert second["next"] is None and second["previous"] is not None
    seen = [p["slug"] for p in first["results"] + second["results"]]
    assert seen == ["massage-ball", "heel-cup", "soft-cushion", "firm-arch"]


def test_page_size_is_capped_at_100(api_client, db):
    category = CategoryFactory()
    for n in range(105):
        VariantFactory(product=ProductFactory(category=category, name=f"P{n:03d}", slug=f"p-{n:03d}"))
    body = api_client.get(LIST, {"page_size": 1000}).json()
    assert body["count"] == 105
    assert len(body["results"]) == 100


@pytest.mark.parametrize("page", ["99", "0", "abc"])
def test_a_page_out_of_range_is_a_json_404(api_client, shelf, page):
    response = api_client.get(LIST, {"page": page})
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ("kind=shoe", "kind"),
        ("arch_support=extreme", "arch_support"),
        ("category=no-such-category", "category"),
        ("condition=gout", "condition"),
        ("activity=swimming", "activity"),
        ("shoe_type=flip_flop", "shoe_type"),
        ("size_eu=abc", "size_eu"),
        ("size_eu=99", "size_eu"),
        ("in_stock=maybe", "in_stock"),
        ("price_min=cheap", "price_min"),
        ("price_max=-5", "price_max"),
        ("ordering=stock", "ordering"),
        ("search=" + "x" * 101, "search"),
    ],
)
def test_bad_query_values_are_400_naming_the_parameter(api_client, shelf, query, attr):
    """A bad filter value is a 400 validation error naming the parameter, never a 500 or silence."""
    response = api_client.get(f"{LIST}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert [error["attr"] for error in body["errors"]] == [attr]
    assert body["errors"][0]["detail"]


def test_detail_by_slug_has_variants_images_and_return_policy(api_client, shelf):
    response = api_client.get("/api/v1/products/firm-arch/")
    assert response.status_code == 200
    body = response.json()
    assert body["category"] == {"slug": "insoles", "name": "Insoles"}
    assert [v["sku"] for v in body["variants"]] == ["FIRM-3940", "FIRM-4142"]
    variant = body["variants"][0]
    assert variant["price"] == "49.90" and variant["in_stock"] is True
    assert variant["eu_min"] == "39.0" and variant["eu_max"] == "40.5"
    assert body["images"] == []
    assert body["return_policy"] == {"returnable": True, "return_days": 3, "replacement_days": 30}


def test_custom_orthotics_are_not_returnable_by_default_but_replaceable(api_client, db, settings):
    settings.SHOP_REPLACEMENT_DAYS = 30
    custom = ProductFactory(slug="custom", kind=ProductKind.CUSTOM_ORTHOTIC)
    VariantFactory(product=custom)
    override = ProductFactory(slug="long-returns", return_days=14, replacement_days=60)
    VariantFactory(product=override)
    custom_policy = api_client.get("/api/v1/products/custom/").json()["return_policy"]
    assert custom_policy == {"returnable": False, "return_days": 3, "replacement_days": 30}
    override_policy = api_client.get("/api/v1/products/long-returns/").json()["return_policy"]
    assert override_policy == {"returnable": True, "return_days": 14, "replacement_days": 60}


def test_inactive_products_and_variants_are_hidden(api_client, shelf):
    assert api_client.get("/api/v1/products/retired/").status_code == 404
    VariantFactory(product=shelf["firm"], sku="FIRM-OLD", is_active=False, price=Decimal("1.00"))
    body = api_client.get("/api/v1/products/firm-arch/").json()
    assert "FIRM-OLD" not in [v["sku"] for v in body["variants"]]
    assert body["price"] == "49.90"  # an inactive variant's price is not the from-price


def test_unknown_slug_is_a_json_404(api_client, shelf):
    response = api_client.get("/api/v1/products/no-such-insole/")
    assert response.status_code == 404
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
    }


def test_categories_count_active_products(api_client, shelf):
    body = api_client.get("/api/v1/categories/").json()
    counts = {c["slug"]: c["product_count"] for c in body["results"]}
    assert counts == {"care": 1, "insoles": 3}


def test_conditions_list_the_seeded_taxonomy(api_client, db):
    """No condition sells insoles for back pain (NICE NG59 advises against insoles for low back pain)."""
    body = api_client.get("/api/v1/conditions/", {"page_size": 100}).json()
    assert {c["slug"] for c in body["results"]} == {
        "plantar-fasciitis",
        "heel-spur",
        "flat-feet",
        "high-arches",
        "leg-length-discrepancy",
        "metatarsalgia",
    }
    assert all(c["name"] and c["short_description"] for c in body["results"])
