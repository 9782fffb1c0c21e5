"""A product list counts its matches exactly up to CATALOGUE_COUNT_LIMIT; beyond it, at least that many.

``count_exact`` says which; ``next`` and ``previous`` are right either way, ``?page=last`` counts
exactly, and a page past the end is a 404.
"""

import pytest

from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


@pytest.fixture
def five(settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 0
    category = CategoryFactory(slug="insoles", name="Insoles")
    for n in range(5):
        product = ProductFactory(category=category, name=f"Heel pad {n}", slug=f"heel-pad-{n}")
        VariantFactory(product=product, sku=f"PAD-{n}")


def page(client, **query):
    response = client.get(LIST, query)
    assert response.status_code == 200, response.content
    body = response.json()
    return (
        body["count"],
        body["count_exact"],
        body["next"],
        body["previous"],
        [p["slug"] for p in body["results"]],
    )


@pytest.mark.parametrize("limit", [5, 1000])
def test_under_the_limit_the_count_is_exact(api_client, five, settings, limit):
    settings.CATALOGUE_COUNT_LIMIT = limit
    count, exact, next_, previous, shown = page(api_client, page_size=2)
    assert (count, exact, previous) == (5, True, None)
    assert next_ == "http://testserver/api/v1/products/?page=2&page_size=2"
    assert shown == ["heel-pad-0", "heel-pad-1"]


@pytest.mark.parametrize("query", [{}, {"search": "heel"}, {"search": "heel", "ordering": "-name"}])
def test_over_the_limit_the_count_is_a_lower_bound_that_the_pages_raise(api_client, five, settings, query):
    settings.CATALOGUE_COUNT_LIMIT = 2
    first = page(api_client, page_size=2, **query)
    assert first[:2] == (3, False)  # the two shown and one more: above the limit (2)
    assert first[2] is not None and "page=2" in first[2] and first[3] is None
    second = page(api_client, page=2, page_size=2, **query)
    assert second[:2] == (5, False)  # four shown so far and one more exists
    assert "page=3" in second[2] and "page=" not in second[3]
    third = page(api_client, page=3, page_size=2, **query)
    assert third[:2] == (5, False) and third[2] is None and "page=2" in third[3]
    assert len(first[4] + second[4] + third[4]) == 5 == len(set(first[4] + second[4] + third[4]))


def test_at_the_limit_exactly_the_count_is_exact_and_one_over_it_is_not(api_client, five, settings):
    settings.CATALOGUE_COUNT_LIMIT = 5
    assert page(api_client, page_size=5)[:3] == (5, True, None)
    settings.CATALOGUE_COUNT_LIMIT = 4
    count, exact, next_, _previous, shown = page(api_client, page_size=5)
    assert (count, exact, next_, len(shown)) == (5, False, None, 5)
    count, exact, next_, _previous, shown = page(api_client, page_size=4)
    assert (count, exact, len(shown)) == (5, False, 4) and "page=2" in next_
    settings.CATALOGUE_COUNT_LIMIT = 3
    count, exact, next_, _previous, shown = page(api_client, page_size=1)
    assert (count, exact, len(shown)) == (3, False, 1)  # the limit: at least that many


def test_the_last_page_counts_exactly(api_client, five, settings):
    settings.CATALOGUE_COUNT_LIMIT = 2
    count, exact, next_, previous, shown = page(api_client, page="last", page_size=2)
    assert (count, exact, next_, shown) == (5, True, None, ["heel-pad-4"])
    assert "page=2" in previous


def test_a_page_past_the_end_is_a_404_beyond_the_limit_too(api_client, five, settings):
    settings.CATALOGUE_COUNT_LIMIT = 2
    response = api_client.get(LIST, {"page": 4, "page_size": 2})
    assert response.status_code == 404
