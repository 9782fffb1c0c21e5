"""Oversized and deeply nested JSON bodies: a 400 in the API error shape on every JSON endpoint, never a 500.

Django refuses a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``RequestDataTooBig``) and Python's JSON
decoder gives up on deep nesting (``RecursionError``); ``shop.api.exception_handler`` turns both into a
400 ``parse_error``.
"""

import pytest
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.factories import UserFactory

# (method, path, who calls). Customers' and staff endpoints are called with a token, so the body is read.
JSON_ENDPOINTS = [
    ("post", "/api/v1/auth/login/", "anonymous"),
    ("post", "/api/v1/auth/register/", "anonymous"),
    ("patch", "/api/v1/me/", "customer"),
    ("post", "/api/v1/fit/assessments/", "anonymous"),
    ("post", "/api/v1/carts/{cart}/items/", "anonymous"),
    ("post", "/api/v1/checkout/", "customer"),
    ("post", "/api/v1/orders/NOSUCHORDER/cancel/", "customer"),
    ("post", "/api/v1/payments/dummy/NOSUCHORDER/", "customer"),
    # The webhook checks the signature on the raw bytes first and never parses an unsigned body.
    ("post", "/api/v1/payments/stripe/webhook/", "anonymous"),
    ("post", "/api/v1/staff/orders/NOSUCHORDER/ship/", "staff"),
    # returns: ("post", "/api/v1/orders/{number}/returns/", "customer") when it exists
]


def _nested(depth: int, *, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _oversized(settings) -> str:
    filler = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    return f'{{"email": "a@example.com", "password": "{filler}", "comment": "{filler}"}}'


BODIES = {
    "oversized (limit + 2 kB)": _oversized,
    "nested arrays, depth 100000": lambda settings: _nested(100_000, kind="array"),
    "nested objects, depth 50000": lambda settings: _nested(50_000, kind="object"),
    "nested arrays in a field, depth 5000": lambda settings: '{"email": ' + _nested(5000, kind="array") + "}",
}


@pytest.fixture
def guest_cart(db):
    from orders.services.cart import cart_create

    return cart_create(user=None)


@pytest.fixture
def callers(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return {
        "anonymous": APIClient(),
        "customer": client_for(UserFactory()),
        "staff": client_for(UserFactory(is_staff=True)),
    }


@pytest.mark.parametrize("body", BODIES, ids=str)
@pytest.mark.parametrize(("method", "path", "caller"), JSON_ENDPOINTS, ids=[p for _, p, _ in JSON_ENDPOINTS])
def test_a_hostile_json_body_is_a_clean_400(callers, guest_cart, settings, method, path, caller, body):
    client = callers[caller]
    path = path.format(cart=guest_cart.token)
    response = getattr(client, method)(path, BODIES[body](settings), content_type="application/json")

    assert response.status_code == 400, response.content[:300]
    data = response.json()
    codes = [error["code"] for error in data["errors"]]
    if path.endswith("/stripe/webhook/") and codes == ["invalid_signature"]:
        assert data["type"] == "validation_error"  # refused before parsing: fine
    else:
        assert (data["type"], codes) == ("client_error", ["parse_error"])
    assert len(response.content) < 2000  # the refusal does not echo the body back


@pytest.mark.parametrize("depth", [50, 500, 900])
def test_nesting_the_json_parser_accepts_still_gets_a_400_not_a_500(callers, depth):
    """Below the decoder's own limit the body parses, and the serializers refuse it as invalid input."""
    body = '{"pain_areas": ' + _nested(depth, kind="array") + "}"
    response = callers["anonymous"].post("/api/v1/fit/assessments/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["type"] in ("validation_error", "client_error")


def test_a_recursion_error_in_the_code_itself_stays_a_server_error(rf):
    """Only input nesting is the client's fault: a RecursionError from a bug is still a 500."""
    from rest_framework.views import APIView

    from shop.api.exception_handler import ShopExceptionHandler

    def recurse(n):
        return recurse(n + 1)

    try:
        recurse(0)
    except RecursionError as error:
        exc = error
    request = APIView().initialize_request(rf.post("/api/v1/x/", {"flat": "1"}))
    request._full_data = {"flat": "1"}
    converted = ShopExceptionHandler(exc, {"request": request}).convert_known_exceptions(exc)
    assert converted is exc


@pytest.mark.parametrize(
    "fields",
    [{"side": "x" * 3_000_000}, {f"field{i}": "1" for i in range(1100)}],
    ids=["a 3 MB form field", "1100 form fields"],
)
def test_an_oversized_multipart_form_is_a_clean_400(callers, fields):
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE and DATA_UPLOAD_MAX_NUMBER_FIELDS hold for uploads too."""
    response = callers["anonymous"].post("/api/v1/fit/footprints/", fields, format="multipart")

    assert response.status_code == 400, response.content[:300]
    assert (response.json()["type"], response.json()["errors"][0]["code"]) == ("client_error", "parse_error")
