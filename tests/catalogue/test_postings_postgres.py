"""The postings lists read on PostgreSQL: a search of one word or a few, and a one-tag filter, follow every catalogue change."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue import listing
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


@pytest.fixture(params=["full text", "postings"])
def cups(request, settings):
    """Products for a search of two words, read the way a small catalogue and a large one read it."""
    settings.CATALOGUE_WORD_POSTINGS_FROM = 10**9 if request.param == "full text" else 0
    insoles = CategoryFactory(slug="cups", name="Cups")
    return {
        slug: product(slug, category=insoles, **fields)
        for slug, fields in {
            "gel-cup": dict(name="Gel Heel Cup"),
            "deep-cup": dict(name="Heel Cup Deep"),
            "cradle": dict(name="Heel Cradle"),
            "liner": dict(name="Cup Liner", short_description="For the heel."),
            "sport": dict(name="Sport Support", short_description="A deep heel cup."),
            "holder": dict(name="Cup Holder", description="Keeps a heel pad."),
        }.items()
    }


# Both words in the name, by name; then both in the name or short description; then anywhere.
HEEL_CUP = ["gel-cup", "deep-cup", "liner", "sport", "holder"]


def test_several_words_page_through_their_tiers(api_client, cups):
    assert page(api_client.get(LIST, {"search": "heel cup"})) == (5, HEEL_CUP)
    assert page(api_client.get(LIST, {"search": "Heel CUPS", "page_size": 2, "page": 2})) == (
        5,
        ["liner", "sport"],
    )
    assert page(api_client.get(LIST, {"search": "heel cup", "page_size": 2, "page": 3})) == (5, ["holder"])
    assert api_client.get(LIST, {"search": "heel cup", "page_size": 2, "page": 4}).status_code == 404
    assert page(api_client.get(LIST, {"search": "zebra quilt"})) == (0, [])


def test_several_words_with_a_stop_word_a_repeat_or_a_filter_find_the_same(api_client, cups):
    assert page(api_client.get(LIST, {"search": "the heel cup"})) == (5, HEEL_CUP)
    assert page(api_client.get(LIST, {"search": "heel  heel cup"})) == (5, HEEL_CUP)
    assert page(api_client.get(LIST, {"search": "heel cup", "category": "cups"})) == (5, HEEL_CUP)
    assert page(api_client.get(LIST, {"search": "the a"})) == (0, [])


def test_or_between_words_still_means_either(api_client, cups):
    assert page(api_client.get(LIST, {"search": "heel or cup"})) == (
        6,
        ["holder", "liner", "gel-cup", "cradle", "deep-cup", "sport"],
    )


def test_several_words_follow_renames_and_removals(api_client, cups):
    deep = cups["deep-cup"]
    deep.name = "Arch Heel Cup"
    deep.save()
    cups["gel-cup"].delete()
    cups["sport"].is_active = False
    cups["sport"].save()
    cups["cradle"].description = "Fits any cup."
    cups["cradle"].save()
    assert page(api_client.get(LIST, {"search": "heel cup"})) == (
        4,
        ["deep-cup", "liner", "holder", "cradle"],
    )


def test_a_catalogue_grown_large_reads_the_words_postings(api_client, settings, monkeypatch):
    monkeypatch.setattr(listing._CatalogueSize, "rows", 0)  # what this process saw last
    settings.CATALOGUE_WORD_POSTINGS_FROM = 3
    settings.CATALOGUE_CACHE_TIMEOUT = 0  # every read below reaches the database
    for number in range(3):
        product(f"cup-{number}", name=f"Heel Cup {number}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalogue_productlisting")  # PostgreSQL's estimate of its rows

    def read() -> tuple[tuple[int, list[str]], bool]:
        with CaptureQueriesContext(connection) as queries:
            found = page(api_client.get(LIST, {"search": "heel cup"}))
        return found, "catalogue_productlistingword" in queries[0]["sql"]

    expected = (3, ["cup-0", "cup-1", "cup-2"])
    assert read() == (expected, False)  # the first search learns the size
    assert read() == (expected, True)
    settings.CATALOGUE_WORD_POSTINGS_FROM = 4
    assert read() == (expected, False)
