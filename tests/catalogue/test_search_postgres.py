"""Search on PostgreSQL: full text weighted by where the words are, typos forgiven, best match first."""

from decimal import Decimal

import pytest

from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LIST = "/api/v1/products/"


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [product["slug"] for product in response.json()["results"]]


@pytest.fixture
def shelf():
    insoles = CategoryFactory(slug="insoles", name="Insoles")
    products = {
        "in-description": dict(name="Everyday Comfort", description="Cradles the heel all day."),
        "in-short": dict(name="Sport Support", short_description="A deep heel cup for runners."),
        "in-name": dict(name="Heel Cradle", description="Soft gel."),
        "cushion": dict(name="Soft Cushion Insole", description="Memory foam."),
        "fasciitis": dict(name="Night Splint", conditions=["plantar-fasciitis"]),
        "unrelated": dict(name="Toe Separator", description="Silicone spacers."),
    }
    for slug, fields in products.items():
        product = ProductFactory(category=insoles, slug=slug, **fields)
        VariantFactory(product=product, sku=f"SKU-{slug.upper()}", price=Decimal("20.00"))


def test_a_word_in_the_name_ranks_above_the_short_description_above_the_description(api_client, shelf):
    assert slugs(api_client.get(LIST, {"search": "heel"})) == ["in-name", "in-short", "in-description"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("cushon", ["cushion"]),  # a letter missing
        ("plantr fasciitis", ["fasciitis"]),  # a condition's name, misspelt
        ("separater", ["unrelated"]),
    ],
)
def test_a_misspelt_word_still_finds_the_product(api_client, shelf, term, expected):
    assert slugs(api_client.get(LIST, {"search": term})) == expected


def test_a_sku_and_a_stemmed_word_are_found(api_client, shelf):
    assert slugs(api_client.get(LIST, {"search": "SKU-CUSHION"})) == ["cushion"]
    assert slugs(api_client.get(LIST, {"search": "cradling"})) == ["in-name", "in-description"]


def test_the_count_is_of_every_match_and_an_ordering_overrides_relevance(api_client, shelf):
    body = api_client.get(LIST, {"search": "heel", "page_size": 2}).json()
    assert body["count"] == 3 and [item["slug"] for item in body["results"]] == ["in-name", "in-short"]
    assert slugs(api_client.get(LIST, {"search": "heel", "ordering": "-name"})) == [
        "in-short",
        "in-name",
        "in-description",
    ]


def test_within_a_tier_the_order_is_by_name(api_client, shelf):
    for slug, name in (("zinc-heel", "Zinc Heel Pad"), ("arch-heel", "Arch Heel Pad")):
        product = ProductFactory(category=CategoryFactory(slug=f"c-{slug}"), slug=slug, name=name)
        VariantFactory(product=product, sku=f"SKU-{slug.upper()}", price=Decimal("20.00"))
    assert slugs(api_client.get(LIST, {"search": "heel"})) == [
        "arch-heel",
        "in-name",
        "zinc-heel",
        "in-short",
        "in-description",
    ]


def test_misspelt_matches_count_only_when_the_words_find_nothing(api_client, shelf):
    """A product named like the text but not with it ("Cushon Pad" for "cushion") is a typo match."""
    product = ProductFactory(category=CategoryFactory(slug="pads"), slug="cushon-pad", name="Cushon Pad")
    VariantFactory(product=product, sku="SKU-CUSHON-PAD", price=Decimal("20.00"))
    body = api_client.get(LIST, {"search": "cushion"}).json()
    assert (body["count"], [item["slug"] for item in body["results"]]) == (1, ["cushion"])
    assert slugs(api_client.get(LIST, {"search": "cushin"})) == ["cushion", "cushon-pad"]  # in row order
