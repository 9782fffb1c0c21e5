"""The postings lists read on PostgreSQL: a one-word search and a one-tag filter follow every catalogue change."""

from decimal import Decimal

import pytest

from catalogue.models import Product
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LIST = "/api/v1/products/"


def page(response) -> tuple[int, list[str]]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["count"], [product["slug"] for product in body["results"]]


def product(slug: str, **fields) -> Product:
    made = ProductFactory(slug=slug, **fields)
    VariantFactory(product=made, sku=f"SKU-{slug.upper()}", price=Decimal("20.00"))
    return made


@pytest.fixture
def shelf():
    insoles = CategoryFactory(slug="insoles", name="Insoles")
    return {
        "cradle": product("cradle", category=insoles, name="Heel Cradle", conditions=["plantar-fasciitis"]),
        "sport": product(
            "sport", category=insoles, name="Sport Support", short_description="A deep heel cup."
        ),
        "comfort": product(
            "comfort", category=insoles, name="Everyday Comfort", description="Cradles the heel."
        ),
        "splint": product("splint", name="Night Splint", conditions=["plantar-fasciitis"]),
    }


def test_a_one_word_search_pages_through_its_tiers(api_client, shelf):
    assert page(api_client.get(LIST, {"search": "heel"})) == (3, ["cradle", "sport", "comfort"])
    assert page(api_client.get(LIST, {"search": "Heels", "page_size": 1, "page": 2})) == (3, ["sport"])
    assert api_client.get(LIST, {"search": "heel", "page_size": 1, "page": 4}).status_code == 404


def test_a_one_word_search_follows_renames_and_removals(api_client, shelf):
    comfort = shelf["comfort"]
    comfort.name = "Heel Comfort"  # now in its name, and before "Heel Cradle"
    comfort.save()
    assert page(api_client.get(LIST, {"search": "heel"})) == (3, ["comfort", "cradle", "sport"])
    shelf["cradle"].delete()
    shelf["sport"].is_active = False
    shelf["sport"].save()
    assert page(api_client.get(LIST, {"search": "heel"})) == (1, ["comfort"])


def test_a_one_word_search_with_a_filter_keeps_the_tiers(api_client, shelf):
    assert page(api_client.get(LIST, {"search": "heel", "category": "insoles"})) == (
        3,
        ["cradle", "sport", "comfort"],
    )
    assert page(api_client.get(LIST, {"search": "heel", "condition": "plantar-fasciitis"})) == (1, ["cradle"])


def test_a_word_matching_nothing_offers_the_names_like_it_and_a_stop_word_finds_nothing(api_client, shelf):
    assert page(api_client.get(LIST, {"search": "splnt"})) == (1, ["splint"])
    assert page(api_client.get(LIST, {"search": "the"})) == (0, [])


def test_a_one_tag_list_follows_condition_and_category_changes(api_client, shelf):
    assert page(api_client.get(LIST, {"condition": "plantar-fasciitis"})) == (2, ["cradle", "splint"])
    shelf["cradle"].conditions.remove(shelf["cradle"].conditions.get())
    shelf["comfort"].conditions.set(shelf["splint"].conditions.all())
    assert page(api_client.get(LIST, {"condition": "plantar-fasciitis"})) == (2, ["comfort", "splint"])

    assert page(api_client.get(LIST, {"category": "insoles"})) == (3, ["comfort", "cradle", "sport"])
    splint = shelf["splint"]
    splint.category = shelf["cradle"].category
    splint.name = "A Night Splint"
    splint.save()
    assert page(api_client.get(LIST, {"category": "insoles", "page_size": 2})) == (4, ["splint", "comfort"])


def test_a_renamed_category_slug_moves_its_products(api_client, shelf, django_capture_on_commit_callbacks):
    insoles = shelf["cradle"].category
    insoles.slug = "arch-insoles"
    with django_capture_on_commit_callbacks(execute=True):  # the task rewriting its products' rows
        insoles.save()
    assert page(api_client.get(LIST, {"category": "arch-insoles"}))[0] == 3
    assert api_client.get(LIST, {"category": "insoles"}).status_code == 400  # no such category now


def test_a_list_of_several_tags_and_a_price_range_follows_prices_and_kinds(api_client):
    insoles = CategoryFactory(slug="arch", name="Arch")
    made = {}
    for slug, kind, price in [
        ("firm", "insole", "30.00"),
        ("soft", "insole", "50.00"),
        ("pad", "accessory", "35.00"),
    ]:
        made[slug] = ProductFactory(slug=slug, name=slug.title(), category=insoles, kind=kind)
        VariantFactory(product=made[slug], sku=f"SKU-{slug}", price=Decimal(price))
    query = {"category": "arch", "kind": "insole", "price_min": "25", "ordering": "price"}
    assert page(api_client.get(LIST, query)) == (2, ["firm", "soft"])
    variant = made["firm"].variants.get()
    variant.price = Decimal("60.00")
    variant.save()
    assert page(api_client.get(LIST, query)) == (2, ["soft", "firm"])
    assert page(api_client.get(LIST, {**query, "price_max": "55"})) == (1, ["soft"])
    made["pad"].kind = "insole"
    made["pad"].save()
    assert page(api_client.get(LIST, {"category": "arch", "kind": "insole"})) == (3, ["firm", "pad", "soft"])
