"""Signed-in catalogue reads are answered before the middleware stack, exactly as the view answers them.

``CatalogueCacheMiddleware`` answers a GET with a token once the view's own authenticators accept
it. Each test compares with what the view path sends: the same request through a stack without that
middleware, where every read reaches the view.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from catalogue.apis import ProductDetailApi
from tests.conftest import client_for
from tests.factories import CategoryFactory, ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"
EARLY = "catalogue.cache.CatalogueCacheMiddleware"


@pytest.fixture
def shelf():
    category = CategoryFactory(slug="insoles", name="Insoles")
    products = [ProductFactory(category=category, slug=f"heel-cup-{n}") for n in range(3)]
    for product in products:
        VariantFactory(product=product)
    return products


def client_with(credentials: str | None = None) -> APIClient:
    """A new client (its handler loads the middleware as the settings are now)."""
    client = APIClient()
    if credentials:
        client.credentials(HTTP_AUTHORIZATION=credentials)
    return client


def answered_early(response) -> bool:
    """Whether the middleware answered: the request never met SessionMiddleware."""
    return not hasattr(response.wsgi_request, "session")


def both_paths(settings, read):
    """``read()`` as the shop runs, then with a cold cache through a stack without the catalogue
    middleware, where every read reaches the view: the two lists of responses."""
    early = read()
    cache.clear()
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != EARLY]
    return early, read()


def assert_same_answers(early, view):
    for ours, theirs in zip(early, view, strict=True):
        path = ours.wsgi_request.get_full_path()
        assert (ours.status_code, ours.content) == (theirs.status_code, theirs.content), path
        assert dict(ours.headers) == dict(theirs.headers), path


@pytest.fixture
def token(customer) -> str:
    return f"Token {Token.objects.create(user=customer).key}"


@pytest.mark.parametrize("signed_in", [True, False], ids=["token", "anonymous"])
@pytest.mark.parametrize("cache_timeout", [300, 0])
def test_an_early_answer_has_the_views_headers_and_body(token, shelf, settings, cache_timeout, signed_in):
    settings.CATALOGUE_CACHE_TIMEOUT = cache_timeout
    settings.CATALOGUE_HTTP_MAX_AGE = 45
    paths = [LIST, f"{LIST}?page_size=2&page=2", f"{LIST}{shelf[1].slug}/", "/api/v1/categories/"]

    def read():
        """Each path read twice (a miss, then a hit) and revalidated with the ETag it got (a 304)."""
        client, answers = client_with(token if signed_in else None), []
        for path in paths:
            first, second = client.get(path), client.get(path)
            answers += [first, second, client.get(path, HTTP_IF_NONE_MATCH=second["ETag"])]
        return answers

    early, view = both_paths(settings, read)

    assert_same_answers(early, view)
    assert not any(answered_early(response) for response in view)
    products = early[:9]  # the categories' first read has no read model: the view builds it
    assert all(answered_early(response) for response in products)
    assert [response.status_code for response in products] == [200, 200, 304] * 3
    private = "private, no-cache" if signed_in else "public, max-age=45"
    assert {response["Cache-Control"] for response in early} == {private}
    expected = ["miss", "hit"] if cache_timeout else ["off", "off"]
    assert [early[0]["X-Catalogue-Cache"], early[1]["X-Catalogue-Cache"]] == expected


def test_a_signed_in_read_shares_the_anonymous_cache_entry(api_client, customer_client, shelf):
    anonymous = api_client.get(f"{LIST}{shelf[0].slug}/")
    signed_in = customer_client.get(f"{LIST}{shelf[0].slug}/")
    assert signed_in["X-Catalogue-Cache"] == "hit" and answered_early(signed_in)
    assert signed_in.content == anonymous.content and signed_in["ETag"] == anonymous["ETag"]
    assert anonymous["Cache-Control"].startswith("public, max-age=")


@pytest.mark.parametrize(
    "credentials",
    [
        "Token 0123456789abcdef0123456789abcdef01234567",  # no such token
        "Token",  # no key
        "Token two parts",
        "a deactivated customer's token",
    ],
)
def test_a_refused_token_is_the_views_401_even_for_a_cached_read(
    customer, token, shelf, settings, credentials
):
    if credentials == "a deactivated customer's token":
        credentials = token
        customer.is_active = False
        customer.save()

    def read():
        client_with().get(LIST)  # cached for everyone
        client = client_with(credentials)
        return [client.get(LIST), client.get(f"{LIST}{shelf[0].slug}/")]

    early, view = both_paths(settings, read)
    assert [response.status_code for response in early] == [401, 401]
    assert early[0]["WWW-Authenticate"] == "Token"
    assert early[0].json()["errors"][0]["code"] == "authentication_failed"
    assert_same_answers(early, view)


def test_another_scheme_is_read_anonymously_as_the_view_reads_it(shelf, settings):
    """The view answers it; the middleware has already kept the page, so the view's first read is a hit."""

    def read():
        client = client_with("Basic Y3VzdG9tZXI6c2VjcmV0")
        return [client.get(LIST), client.get(LIST)]

    early, view = both_paths(settings, read)
    assert [response.status_code for response in early] == [200, 200]
    assert not any(answered_early(response) for response in early)
    assert early[1]["Cache-Control"].startswith("public, max-age=")
    assert [early[0]["X-Catalogue-Cache"], view[0]["X-Catalogue-Cache"]] == ["hit", "miss"]
    view[0]["X-Catalogue-Cache"] = "hit"
    assert_same_answers(early, view)


def test_a_refusal_of_the_read_is_the_views_for_signed_in_callers(token, shelf, settings):
    def read():
        client = client_with(token)
        return [
            client.get(LIST, {"price_min": "abc"}),
            client.get(LIST, {"category": "no-such-category"}),
            client.get(f"{LIST}no-such-product/"),
        ]

    early, view = both_paths(settings, read)
    assert [response.status_code for response in early] == [400, 400, 404]
    assert "ETag" not in early[0] and "X-Catalogue-Cache" not in early[0]
    assert_same_answers(early, view)


def test_a_format_override_is_drfs_to_pick_for_every_caller(token, shelf, settings):
    def read():
        answers = []
        for client in (client_with(), client_with(token)):
            answers += [client.get(LIST, {"format": name}) for name in ("api", "xml", "json")]
        return answers

    early, view = both_paths(settings, read)
    assert [response.status_code for response in early] == [200, 404, 200] * 2
    assert [response["Content-Type"] for response in early[::3]] == ["text/html; charset=utf-8"] * 2
    assert not any(answered_early(response) for response in early[::3])
    assert_same_answers(early[1:3] + early[4:6], view[1:3] + view[4:6])  # the HTML holds a CSRF token


def test_a_session_is_left_to_sessions_and_auth(customer, shelf):
    """The browsable API and the admin sign in with a session: the view answers those."""
    client = APIClient()
    client.force_login(customer)
    response = client.get(LIST)
    assert response.status_code == 200 and not answered_early(response)
    assert response["Cache-Control"] == "private, no-cache"
    assert response.wsgi_request.user == customer


def test_a_token_with_a_session_cookie_takes_the_stack(customer, customer_client, shelf):
    customer_client.force_login(customer)
    response = customer_client.get(LIST)
    assert response.status_code == 200 and not answered_early(response)
    assert response["Cache-Control"] == "private, no-cache"


def test_a_throttle_on_a_catalogue_view_is_honoured_for_every_caller(
    api_client, customer_client, shelf, monkeypatch
):
    """Early answers skip DRF's throttles, so a view that has one is answered by DRF."""

    class OneAMinute(AnonRateThrottle):
        rate = "1/min"

    monkeypatch.setattr(ProductDetailApi, "throttle_classes", [OneAMinute])
    detail = f"{LIST}{shelf[0].slug}/"
    assert [api_client.get(detail).status_code for _ in range(2)] == [200, 429]
    assert customer_client.get(detail).status_code == 200  # AnonRateThrottle lets signed-in callers by
    assert customer_client.get(LIST).status_code == 200


def test_a_permission_on_a_catalogue_view_is_honoured(api_client, customer_client, shelf, monkeypatch):
    monkeypatch.setattr(ProductDetailApi, "permission_classes", [IsAuthenticated])
    detail = f"{LIST}{shelf[0].slug}/"
    assert customer_client.get(detail).status_code == 200
    assert api_client.get(detail).status_code == 401
    assert api_client.get(LIST).status_code == 200


# --- a token DRF accepted is remembered for CATALOGUE_TOKEN_CACHE_SECONDS -------------------------


def test_a_remembered_token_reads_a_cached_page_with_no_query(
    token, shelf, settings, django_assert_num_queries
):
    settings.CATALOGUE_TOKEN_CACHE_SECONDS = 60
    client_with().get(LIST)  # cached for everyone
    client = client_with(token)
    with django_assert_num_queries(1):  # a token never seen: DRF checks it
        first = client.get(LIST)
    with django_assert_num_queries(0):
        second = client.get(LIST)
        revalidated = client.get(LIST, HTTP_IF_NONE_MATCH=second["ETag"])
    assert (first.status_code, second.status_code, revalidated.status_code) == (200, 200, 304)
    assert second.content == first.content and answered_early(second)
    assert second["Cache-Control"] == "private, no-cache"


def test_every_token_is_checked_by_drf_the_first_time(customer, token, shelf, django_assert_num_queries):
    client_with().get(LIST)
    client_with(token).get(LIST)
    other = f"Token {Token.objects.create(user=UserFactory()).key}"
    with django_assert_num_queries(1):
        assert client_with(other).get(LIST).status_code == 200
    unknown = "Token " + "0" * 40
    with django_assert_num_queries(2):  # refused: the view checks it again and words the 401
        assert client_with(unknown).get(LIST).status_code == 401


def test_with_the_setting_at_0_drf_checks_every_read(token, shelf, settings, django_assert_num_queries):
    settings.CATALOGUE_TOKEN_CACHE_SECONDS = 0
    client_with().get(LIST)
    client = client_with(token)
    for _ in range(3):
        with django_assert_num_queries(1):
            assert client.get(LIST).status_code == 200


def test_the_page_cache_off_still_remembers_the_token(token, shelf, settings, django_assert_num_queries):
    settings.CATALOGUE_CACHE_TIMEOUT = 0
    client = client_with(token)
    with django_assert_num_queries(2):
        client.get(LIST)
    with django_assert_num_queries(1):  # the read model's query alone
        assert client.get(LIST)["X-Catalogue-Cache"] == "off"


def test_a_remembered_token_is_forgotten_after_the_setting_seconds(customer, token, shelf, settings):
    """A token whose row goes without a signal (raw SQL) is refused once its verdict has expired."""
    settings.CATALOGUE_TOKEN_CACHE_SECONDS = 60
    client = client_with(token)
    start = datetime.now(tz=UTC)
    with time_machine.travel(start, tick=False):
        assert client.get(LIST).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Token._meta.db_table}")
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        assert client.get(LIST).status_code == 200
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert client.get(LIST).status_code == 401


def _deactivate(customer):
    customer.is_active = False
    customer.save()


def _deactivate_some_fields(customer):
    customer.is_active = False
    customer.save(update_fields=["is_active"])


@pytest.mark.parametrize(
    "revoke",
    [
        lambda customer: client_for(customer).post("/api/v1/auth/logout/"),
        lambda customer: client_for(customer).post("/api/v1/auth/logout-everywhere/"),
        _deactivate,
        _deactivate_some_fields,
        lambda customer: customer.delete(),
    ],
    ids=["logout", "logout-everywhere", "deactivated", "deactivated-update-fields", "deleted"],
)
def test_a_revoked_token_is_refused_at_once_even_for_a_cached_page(customer, shelf, settings, revoke):
    settings.CATALOGUE_TOKEN_CACHE_SECONDS = 60
    token = f"Token {Token.objects.get_or_create(user=customer)[0].key}"
    client = client_with(token)
    paths = [LIST, f"{LIST}{shelf[0].slug}/"]
    assert [client.get(path).status_code for path in paths * 2] == [200] * 4  # remembered, cached
    revoke(customer)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_with_the_cache_down_drf_checks_the_token(customer, token, shelf, monkeypatch):
    client = client_with(token)
    assert [client.get(LIST).status_code for _ in range(2)] == [200, 200]  # remembered

    def down(*args, **kwargs):
        raise ConnectionError("the cache is down")

    for method in ("get", "get_many", "set", "add", "delete_many"):
        monkeypatch.setattr(cache, method, down)
    assert client.get(LIST).status_code == 200
    Token.objects.filter(user=customer).delete()  # the verdict cannot be forgotten: the cache is down
    response = client.get(LIST)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
