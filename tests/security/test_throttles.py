"""Rate limits: login, registration, checkout, image uploads and return requests answer 429 with Retry-After.

The rates are settings (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``); the tests set each one to two
requests a minute. A new throttled endpoint is one row.
"""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from shop.settings import REST_FRAMEWORK


@dataclass(frozen=True)
class Throttled:
    scope: str
    path: str
    body: dict
    format: str = "json"


ROWS = [
    Throttled("login", "/api/v1/auth/login/", {"email": "nobody@example.com", "password": "wrong-password"}),
    Throttled("register", "/api/v1/auth/register/", {"email": "not-an-email", "password": "x"}),
    Throttled("checkout", "/api/v1/checkout/", {"cart": "00000000-0000-4000-8000-000000000000"}),
    Throttled("uploads", "/api/v1/fit/footprints/", {"image": "not a file"}, format="multipart"),
    Throttled("returns", "/api/v1/orders/NOSUCHORDER/returns/", {"kind": "return"}),
    Throttled("uploads", "/api/v1/returns/999999/photos/", {"image": "not a file"}, format="multipart"),
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


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.scope} {row.path}")
def test_the_request_after_the_limit_gets_429_with_retry_after(tight_rates, row):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    body = dict(row.body)
    for _ in range(LIMIT):
        if row.format == "multipart":
            body = {"image": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")}
        response = client.post(row.path, body, format=row.format)
        assert response.status_code != 429, response.content

    if row.format == "multipart":
        body = {"image": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")}
    response = client.post(row.path, body, format=row.format)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "throttled"

    other = APIClient(REMOTE_ADDR="203.0.113.8")  # another client is not held back
    assert other.post(row.path, body, format=row.format).status_code != 429


def test_every_throttle_scope_has_a_row():
    scopes = set(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    assert scopes - NOT_YET_BUILT == {row.scope for row in ROWS}
