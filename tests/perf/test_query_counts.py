"""The catalogue reads run a small, constant number of SQL queries, whatever the page size."""

import pytest

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


@pytest.mark.parametrize("page_size", [1, 20, 60, 100])
def test_product_list_is_one_query_at_any_page_size(
    api_client, shelf, cache_off, page_size, django_assert_num_queries
):
    """Anonymous: the read model's rows of the page, their count and live stock flags in one query."""
    with django_assert_num_queries(1):
        response = api_client.get(LIST, {"page_size": page_size})
    assert len(response.json()["results"]) == min(page_size, 60)
    assert response.json()["results"][0]["thumbnail_url"].endswith("-0-t.jpg")
    assert response.json()["results"][0]["conditions"] == ["flat-feet", "plantar-fasciitis"]


@pytest.mark.parametrize("page_size", [1, 20, 60, 100])
def test_product_list_through_the_view_is_two_queries_at_any_page_size(
    customer_client, shelf, cache_off, page_size, django_assert_num_queries
):
    """Signed in: the view answers from the same read model, after the token lookup."""
    with django_assert_num_queries(2):
        response = customer_client.get(LIST, {"page_size": page_size})
    assert len(response.json()["results"]) == min(page_size, 60)
    assert response.json()["results"][0]["conditions"] == ["flat-feet", "plantar-fasciitis"]


@pytest.mark.parametrize("page_size", [1, 60])
def test_filtered_product_list_adds_only_the_filter_lookups(
    api_client, shelf, cache_off, page_size, django_assert_max_num_queries
):
    """A condition filter is a column of the read model; its slug is checked in the same query."""
    with django_assert_max_num_queries(1):
        response = api_client.get(
            LIST, {"page_size": page_size, "condition": "flat-feet", "ordering": "-price"}
        )
    assert len(response.json()["results"]) == page_size


def test_product_detail_is_one_query(api_client, shelf, cache_off, django_assert_num_queries):
    """Anonymous: the read model's row with the live stock hints of its sizes."""
    with django_assert_num_queries(1):
        response = api_client.get(f"/api/v1/products/{shelf[0].slug}/")
    body = response.json()
    assert len(body["variants"]) == 3 and len(body["images"]) == 2


def test_product_detail_through_the_view_is_two_queries(
    customer_client, shelf, cache_off, django_assert_num_queries
):
    """Signed in: the read model's row, after the token."""
    with django_assert_num_queries(2):
        response = customer_client.get(f"/api/v1/products/{shelf[0].slug}/")
    body = response.json()
    assert len(body["variants"]) == 3 and len(body["images"]) == 2


@pytest.mark.parametrize("path", ["/api/v1/categories/", "/api/v1/conditions/"])
def test_category_and_condition_lists_are_two_queries(
    api_client, shelf, cache_off, path, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        response = api_client.get(path)
    assert response.status_code == 200


def test_a_cached_read_runs_no_query(api_client, shelf, django_assert_num_queries):
    """Once rendered, the same anonymous read is served from the cache without touching the database."""
    first = api_client.get(LIST, {"page_size": 100})
    with django_assert_num_queries(0):
        second = api_client.get(LIST, {"page_size": 100})
    assert second["X-Catalogue-Cache"] == "hit"
    assert second.content == first.content
