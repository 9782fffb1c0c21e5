"""Every shape of catalogue read runs a small, constant number of SQL queries, for every caller.

Reads are answered before the middleware stack from the read model: one query whatever the
filters, search, ordering, page or page size, and one more for a signed-in caller's token (two)
the first time DRF checks that token; once it accepted it, none for the next
``CATALOGUE_TOKEN_CACHE_SECONDS``. From the cache: none, or the token alone the first time. A page that comes back empty while a category or
condition slug must still be checked adds one, as does ``?page=last``; nothing goes above three.
A refused read runs its queries once: the view raises the refusal the middleware's read met.
"""

import pytest
from django.db import connection

from catalogue.models import ProductImage
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"

SHAPES = [
    {},
    {"page_size": 24},
    {"page": 7, "page_size": 3},
    {"condition": "flat-feet"},
    {"condition": ["flat-feet", "plantar-fasciitis"]},
    {"category": "insoles"},
    {"kind": "insole"},
    {"arch_support": "high"},
    {"activity": "running"},
    {"shoe_type": "athletic"},
    {"size_eu": 42},
    {"size_eu": "42.5", "in_stock": "true"},
    {"in_stock": "false"},
    {"price_min": 10, "price_max": 40},
    {"search": "heel"},
    {"search": "B0007-4142"},
    {"search": "heel", "ordering": "-price"},
    {"search": "heel support"},
    {"search": "heel support", "page": 2, "page_size": 5},
    {"ordering": "price"},
    {"ordering": "-created"},
    {"ordering": "-name", "page": 3, "page_size": 5},
    {
        "condition": "flat-feet",
        "size_eu": 42,
        "in_stock": "true",
        "ordering": "price",
        "page": 2,
        "page_size": 5,
    },
]


@pytest.fixture
def big_shelf(settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 0  # every read below reaches the database
    category = CategoryFactory(slug="insoles", name="Insoles")
    for n in range(24):
        product = ProductFactory(
            category=category,
            name=f"Heel support {n:02d}",
            slug=f"heel-support-{n:02d}",
            arch_support="high",
            activities=["running"],
            shoe_types=["athletic"],
            conditions=["flat-feet", "plantar-fasciitis"],
        )
        stock = 0 if n % 4 == 0 else 5  # every fourth product sold out
        VariantFactory(
            product=product, sku=f"B{n:04d}-4142", eu_min=41, eu_max=42.5, price=20 + n % 30, stock=stock
        )
        VariantFactory.create_batch(2, product=product, stock=stock)
        ProductImage.objects.create(
            product=product, image=f"products/{n}.jpg", thumbnail=f"products/{n}-t.jpg", width=800, height=600
        )


@pytest.mark.parametrize("query", SHAPES, ids=[str(shape) for shape in SHAPES])
def test_a_list_is_one_query_anonymous_and_two_signed_in_in_every_shape(
    api_client, customer_client, big_shelf, query, django_assert_num_queries
):
    with django_assert_num_queries(1):
        anonymous = api_client.get(LIST, query)
    assert anonymous.status_code == 200, anonymous.content
    assert anonymous.json()["results"]
    with django_assert_num_queries(2):
        signed_in = customer_client.get(LIST, query)
    assert signed_in.content == anonymous.content


@pytest.mark.parametrize("query", SHAPES, ids=[str(shape) for shape in SHAPES])
def test_a_capped_count_costs_no_query_more(
    api_client, customer_client, big_shelf, settings, query, django_assert_num_queries
):
    settings.CATALOGUE_COUNT_LIMIT = 3
    with django_assert_num_queries(1):
        anonymous = api_client.get(LIST, query)
    assert anonymous.status_code == 200, anonymous.content
    assert anonymous.json()["count_exact"] is (query.get("search") == "B0007-4142")  # one match
    with django_assert_num_queries(2):
        assert customer_client.get(LIST, query).content == anonymous.content


@pytest.mark.postgres
@pytest.mark.parametrize("postings_from", [0, 10**9], ids=["large catalogue", "small catalogue"])
def test_a_search_of_plain_words_is_one_query_at_any_catalogue_size(
    api_client, big_shelf, settings, postings_from, django_assert_num_queries
):
    settings.CATALOGUE_WORD_POSTINGS_FROM = postings_from  # from how many products the postings are read
    for query in ({"search": "heel support"}, {"search": "the heel support", "page": 2, "page_size": 5}):
        with django_assert_num_queries(1):
            response = api_client.get(LIST, query)
        assert response.status_code == 200, response.content
        assert response.json()["results"]


@pytest.mark.parametrize(
    "query",
    [
        {"condition": "flat-feet", "kind": "accessory"},
        {"category": "insoles", "search": "no such thing"},
        {"search": "zebra quilt"},
    ],
)
def test_an_empty_page_checks_its_slugs_in_the_same_query(
    api_client, customer_client, big_shelf, query, django_assert_num_queries
):
    # A search whose words match nothing asks for its misspelt matches too (PostgreSQL).
    queries = 2 if "search" in query and connection.vendor == "postgresql" else 1
    with django_assert_num_queries(queries):
        response = api_client.get(LIST, query)
    assert response.json() == {"count": 0, "count_exact": True, "next": None, "previous": None, "results": []}
    with django_assert_num_queries(queries + 1):
        assert customer_client.get(LIST, query).json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "attr"),
    [({"category": "gout"}, "category"), ({"condition": ["flat-feet", "gout"]}, "condition")],
)
def test_an_unknown_slug_is_refused_within_three_queries(
    customer_client, big_shelf, query, attr, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = customer_client.get(LIST, query)
    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == [attr]


def test_the_last_page_counts_first(api_client, customer_client, big_shelf, django_assert_num_queries):
    """``?page=last``: which page that is needs the count, then the page."""
    with django_assert_num_queries(2):
        body = api_client.get(LIST, {"page": "last", "page_size": 7}).json()
    assert body["count"] == 24 and len(body["results"]) == 3
    with django_assert_num_queries(3):
        customer_client.get(LIST, {"page": "last", "page_size": 7})


def test_the_last_page_counts_exactly_beyond_the_limit(
    api_client, customer_client, big_shelf, settings, django_assert_num_queries
):
    settings.CATALOGUE_COUNT_LIMIT = 5
    with django_assert_num_queries(2):
        body = api_client.get(LIST, {"page": "last", "page_size": 7}).json()
    assert (body["count"], body["count_exact"], body["next"], len(body["results"])) == (24, True, None, 3)
    with django_assert_num_queries(3):
        customer_client.get(LIST, {"page": "last", "page_size": 7})


def test_a_detail_is_one_query_anonymous_and_two_signed_in(
    api_client, customer_client, big_shelf, django_assert_num_queries
):
    with django_assert_num_queries(1):
        anonymous = api_client.get(f"{LIST}heel-support-07/")
    with django_assert_num_queries(2):
        signed_in = customer_client.get(f"{LIST}heel-support-07/")
    assert len(anonymous.json()["variants"]) == 3
    assert signed_in.content == anonymous.content


@pytest.mark.parametrize(
    "path", [LIST, f"{LIST}?condition=flat-feet&ordering=price", f"{LIST}heel-support-07/"]
)
def test_a_cached_read_is_no_query_anonymous_and_signed_in_after_the_first(
    api_client, customer_client, big_shelf, settings, path, django_assert_num_queries
):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    with django_assert_num_queries(1):
        first = api_client.get(path)
    with django_assert_num_queries(0):
        assert api_client.get(path)["X-Catalogue-Cache"] == "hit"
    with django_assert_num_queries(1):  # the token, the first time
        signed_in = customer_client.get(path)
    assert signed_in["X-Catalogue-Cache"] == "hit" and signed_in.content == first.content
    with django_assert_num_queries(0):
        assert customer_client.get(path)["X-Catalogue-Cache"] == "hit"
        assert customer_client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_a_remembered_token_reads_a_page_in_the_read_models_query_alone(
    customer_client, big_shelf, django_assert_num_queries
):
    with django_assert_num_queries(2):
        customer_client.get(f"{LIST}heel-support-07/")
    with django_assert_num_queries(1):
        assert customer_client.get(LIST, {"kind": "insole"}).status_code == 200


def test_a_signed_in_miss_keeps_the_page_for_everyone(
    api_client, customer_client, big_shelf, settings, django_assert_num_queries
):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    with django_assert_num_queries(2):
        assert customer_client.get(LIST, {"kind": "insole"})["X-Catalogue-Cache"] == "miss"
    with django_assert_num_queries(0):
        assert api_client.get(LIST, {"kind": "insole"})["X-Catalogue-Cache"] == "hit"


@pytest.mark.parametrize(
    ("path", "status", "queries"),
    [
        (f"{LIST}?category=gout", 400, 1),  # the slug checked with the (empty) page
        (f"{LIST}?price_min=abc", 400, 0),
        (f"{LIST}?page=99", 404, 1),
        (f"{LIST}no-such-product/", 404, 1),
    ],
)
def test_a_refused_read_runs_its_queries_once(
    api_client, customer_client, big_shelf, path, status, queries, django_assert_num_queries
):
    with django_assert_num_queries(queries):
        assert api_client.get(path).status_code == status
    with django_assert_num_queries(queries + 1):
        assert customer_client.get(path).status_code == status
