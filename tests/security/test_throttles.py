"""Rate limits: login, registration, checkout, uploads, returns, password reset, email verification, guest
lookups, the data export and account erasure answer 429 with Retry-After, and a made-up ``X-Forwarded-For`` gets nobody past them.

The rates are settings (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``); the tests set each one to two
requests a minute. A new throttled endpoint is one row. The client's address is ``REMOTE_ADDR`` unless
``NUM_PROXIES`` (``SHOP_NUM_PROXIES``) trusts that many proxies' ``X-Forwarded-For`` entries.
"""

import itertools
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from shop.api.throttling import client_address
from shop.settings import REST_FRAMEWORK
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.security.world import order_for

ROOT = Path(__file__).resolve().parents[2]
_forged = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))


def forged_for() -> str:
    """Return an ``X-Forwarded-For`` address a client made up, never the same twice."""
    return next(_forged)


@dataclass(frozen=True)
class Throttled:
    scope: str
    path: str
    body: dict
    format: str = "json"
    method: str = "post"
    login: bool = False  # a logged-in customer's requests: counted per account, not per address


ROWS = [
    Throttled("login", "/api/v1/auth/login/", {"email": "nobody@example.com", "password": "wrong-password"}),
    Throttled("register", "/api/v1/auth/register/", {"email": "not-an-email", "password": "x"}),
    Throttled("checkout", "/api/v1/checkout/", {"cart": "00000000-0000-4000-8000-000000000000"}),
    Throttled("uploads", "/api/v1/fit/footprints/", {"image": "not a file"}, format="multipart"),
    Throttled("returns", "/api/v1/orders/NOSUCHORDER/returns/", {"kind": "return"}),
    Throttled("uploads", "/api/v1/returns/999999/photos/", {"image": "not a file"}, format="multipart"),
    Throttled("password_reset", "/api/v1/auth/password-reset/", {"email": "nobody@example.com"}),
    Throttled("verify_email", "/api/v1/me/verify-email/", {}, login=True),
    Throttled("guest_lookup", "/api/v1/orders/NOSUCHORDER/", {"email": "guess@example.com"}, method="get"),
    Throttled("data_export", "/api/v1/me/export/", {}, method="get", login=True),
    Throttled("account_erase", "/api/v1/me/", {"password": "wrong-password"}, method="delete", login=True),
]
NOT_YET_BUILT: set[str] = set()  # scopes with a rate but no endpoint yet
LIMIT = 2


@pytest.fixture
def tight_rates(monkeypatch):
    """Two requests a minute for every scope.

    DRF binds the rates to the throttle classes when they are imported, so a settings override does not
    reach them; patch the class attribute (on the subclass too, in case a test has shadowed it there).
    """
    rates = dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], f"{LIMIT}/min")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


def _client(row: Throttled, address: str) -> APIClient:
    if not row.login:
        return APIClient(REMOTE_ADDR=address)
    client = client_for(UserFactory())
    client.defaults["REMOTE_ADDR"] = address
    return client


def _send(client: APIClient, row: Throttled, **headers):
    if row.method == "get":
        return client.get(row.path, row.body, **headers)
    if row.method == "delete":
        return client.delete(row.path, row.body, format="json", **headers)
    body = dict(row.body)
    if row.format == "multipart":
        body = {"image": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")}
    return client.post(row.path, body, format=row.format, **headers)


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "throttled"


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.scope} {row.path}")
def test_the_request_after_the_limit_gets_429_with_retry_after(tight_rates, row):
    client = _client(row, "203.0.113.7")
    for _ in range(LIMIT):
        response = _send(client, row)
        assert response.status_code != 429, response.content

    _assert_throttled(_send(client, row))

    other = _client(row, "203.0.113.8")  # another client is not held back
    assert _send(other, row).status_code != 429


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.scope} {row.path}")
def test_a_made_up_forwarded_for_gets_nobody_past_a_limit(tight_rates, row):
    """With no trusted proxy (``NUM_PROXIES`` 0) ``X-Forwarded-For`` is ignored: a new one each time is no new client."""
    client = _client(row, "203.0.113.7")
    for _ in range(LIMIT):
        assert _send(client, row, HTTP_X_FORWARDED_FOR=forged_for()).status_code != 429
    _assert_throttled(_send(client, row, HTTP_X_FORWARDED_FOR=forged_for()))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "row", [row for row in ROWS if not row.login], ids=lambda row: f"{row.scope} {row.path}"
)
def test_behind_one_trusted_proxy_the_address_it_saw_is_the_client(tight_rates, row, settings):
    """``NUM_PROXIES`` 1: the proxy appends the address it saw; whatever the client put before it is ignored."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = _client(row, "10.0.0.2")  # every request arrives from the proxy
    for _ in range(LIMIT):
        assert _send(proxy, row, HTTP_X_FORWARDED_FOR=f"{forged_for()}, 198.51.100.7").status_code != 429
    _assert_throttled(_send(proxy, row, HTTP_X_FORWARDED_FOR=f"{forged_for()}, 198.51.100.7"))
    assert _send(proxy, row, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code != 429


@pytest.mark.parametrize(
    ("num_proxies", "forwarded_for", "client"),
    [
        (0, None, "203.0.113.7"),
        (0, "198.51.100.1, 198.51.100.2", "203.0.113.7"),
        (1, None, "203.0.113.7"),
        (1, "198.51.100.1, 198.51.100.2", "198.51.100.2"),
        (2, "198.51.100.1, 198.51.100.2", "198.51.100.1"),
        (2, "spoofed, 198.51.100.1, 198.51.100.2", "198.51.100.1"),
        (3, "198.51.100.1, 198.51.100.2", "198.51.100.1"),  # fewer entries than proxies: the leftmost
    ],
)
def test_the_client_address_is_the_nth_from_the_right(settings, num_proxies, forwarded_for, client):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", **headers)
    assert client_address(request) == client


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, 0),
        ({"SHOP_NUM_PROXIES": "2"}, 2),
        ({"NUM_PROXIES": "1"}, 1),
        ({"SHOP_NUM_PROXIES": "2", "NUM_PROXIES": "1"}, 2),
    ],
)
def test_num_proxies_comes_from_the_environment_for_throttles_and_lockouts(environment, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("SHOP_NUM_PROXIES", "NUM_PROXIES")}
    read = "from shop import settings as s; print(s.NUM_PROXIES, s.REST_FRAMEWORK['NUM_PROXIES'], s.AXES_CLIENT_IP_CALLABLE)"
    result = subprocess.run(
        [sys.executable, "-c", read],
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(expected), str(expected), "shop.api.throttling.client_address"]


@pytest.fixture
def password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _thirty_failed_logins(*, forwarded_for: bool) -> list[int]:
    client = APIClient(REMOTE_ADDR="203.0.113.50")
    headers = {}
    statuses = []
    for n in range(30):
        if forwarded_for:
            headers = {"HTTP_X_FORWARDED_FOR": forged_for()}
        body = {"email": f"guess{n}@example.com", "password": "wrong-password"}
        statuses.append(client.post("/api/v1/auth/login/", body, format="json", **headers).status_code)
    return statuses


@pytest.mark.django_db
def test_thirty_failed_logins_with_made_up_forwarded_for_are_held_back_as_without(password_hashing):
    """Per address: the same number of refusals (400) before the first 429, with or without the header."""
    plain = _thirty_failed_logins(forwarded_for=False)
    AccessAttempt.objects.all().delete()
    cache.clear()
    forged = _thirty_failed_logins(forwarded_for=True)

    assert forged == plain
    first = plain.index(429)
    assert plain[:first] == [400] * first and set(plain[first:]) == {429}
    assert first == 4  # the fifth failure from one address locks it (SHOP_LOGIN_FAILURES)


@pytest.mark.django_db
def test_guest_lookups_are_counted_per_address_and_a_wrong_email_is_still_404(tight_rates):
    order = order_for(None, email="guest.throttle@example.com")
    guesser = APIClient(REMOTE_ADDR="203.0.113.30")
    for n in range(LIMIT):
        wrong = guesser.get(f"/api/v1/orders/{order.number}/", {"email": f"guess{n}@example.com"})
        assert wrong.status_code == 404 and wrong.json()["errors"][0]["code"] == "order_not_found"
    right = guesser.get(f"/api/v1/orders/{order.number}/", {"email": order.email})
    _assert_throttled(right)
    assert (
        APIClient(REMOTE_ADDR="203.0.113.31")
        .get(f"/api/v1/orders/{order.number}/", {"email": order.email})
        .status_code
        == 200
    )


@pytest.mark.django_db
def test_a_logged_in_guesser_is_counted_per_address_not_per_account(tight_rates):
    order = order_for(None, email="guest.throttle@example.com")
    statuses = []
    for n in range(LIMIT + 1):
        client = client_for(UserFactory())  # a fresh account for every guess
        client.defaults["REMOTE_ADDR"] = "203.0.113.32"
        statuses.append(
            client.get(f"/api/v1/orders/{order.number}/", {"email": f"g{n}@example.com"}).status_code
        )
    assert statuses == [404] * LIMIT + [429]


@pytest.mark.django_db
def test_customers_reading_their_own_orders_are_not_counted(tight_rates):
    owner = UserFactory()
    order = order_for(owner)
    client = client_for(owner)
    statuses = [client.get(f"/api/v1/orders/{order.number}/").status_code for _ in range(LIMIT + 3)]
    assert statuses == [200] * (LIMIT + 3)


def test_every_throttle_scope_has_a_row():
    scopes = set(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    assert scopes - NOT_YET_BUILT == {row.scope for row in ROWS}
