"""The served OpenAPI schema agrees with the API's real responses (the facts Schemathesis once found broken).

Each test reads ``/api/v1/schema/`` as a client does, makes the real request, and validates the body
against the schema the operation declares for that status.
"""

import copy

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from jsonschema import Draft202012Validator
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.conftest import client_for
from tests.factories import UserFactory
from tests.orders.factories import paid_order, place_order
from tests.returns.helpers import delivered, request_for
from tests.security.world import return_photo_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    return api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _json_schema(node, components):
    """Inline ``$ref``s and turn OpenAPI 3.0's ``nullable`` into JSON Schema."""
    if isinstance(node, list):
        return [_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[-1]], components)
    node = {key: _json_schema(value, components) for key, value in node.items() if key != "discriminator"}
    if node.pop("nullable", False):
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
        if "type" in node:
            node["type"] = [node["type"], "null"]
        elif "enum" not in node:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def response_schema(schema: dict, method: str, path: str, status: int) -> dict:
    response = schema["paths"][path][method.lower()]["responses"][str(status)]
    body = response["content"]["application/json"]["schema"]
    return _json_schema(copy.deepcopy(body), schema["components"]["schemas"])


def assert_conforms(schema: dict, method: str, path: str, response) -> None:
    declared = response_schema(schema, method, path, response.status_code)
    errors = sorted(Draft202012Validator(declared).iter_errors(response.json()), key=str)
    assert not errors, f"{method} {path} {response.status_code} {response.json()}: {errors[0].message}"


def error_codes(response) -> set[tuple]:
    return {(error["attr"], error["code"]) for error in response.json()["errors"]}


@pytest.mark.parametrize("path", ["/api/v1/orders/", "/api/v1/returns/"])
def test_paginated_lists_declare_the_envelope(schema, path):
    declared = response_schema(schema, "GET", path, 200)
    assert {"count", "next", "previous", "results"} <= set(declared["properties"])
    assert declared["properties"]["results"]["type"] == "array"
    parameters = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
    assert {"page", "page_size"} <= parameters


def test_the_order_list_body_matches_its_schema(schema, customer):
    place_order(user=customer)
    response = client_for(customer).get("/api/v1/orders/")
    assert response.status_code == 200 and response.json()["count"] == 1
    assert_conforms(schema, "GET", "/api/v1/orders/", response)


def test_the_return_list_body_matches_its_schema(schema, customer):
    response = client_for(customer).get("/api/v1/returns/")
    assert response.status_code == 200 and response.json()["results"] == []
    assert_conforms(schema, "GET", "/api/v1/returns/", response)


def test_an_order_body_matches_its_schema_with_no_ship_estimate(schema, customer):
    order = paid_order(user=customer)
    response = client_for(customer).get(f"/api/v1/orders/{order.number}/")
    assert response.json()["estimated_ship_date"] is None
    assert_conforms(schema, "GET", "/api/v1/orders/{number}/", response)


@pytest.mark.parametrize(
    ("method", "url", "path", "code"),
    [
        ("GET", "/api/v1/orders/NOPE/", "/api/v1/orders/{number}/", "order_not_found"),
        ("POST", "/api/v1/orders/NOPE/cancel/", "/api/v1/orders/{number}/cancel/", "order_not_found"),
        (
            "GET",
            "/api/v1/carts/00000000-0000-0000-0000-000000000000/",
            "/api/v1/carts/{token}/",
            "cart_not_found",
        ),
        ("GET", "/api/v1/returns/999999/", "/api/v1/returns/{id}/", "return_request_not_found"),
        (
            "GET",
            "/api/v1/orders/NOPE/returns/eligibility/",
            "/api/v1/orders/{number}/returns/eligibility/",
            "order_not_found",
        ),
        (
            "GET",
            "/api/v1/fittings/00000000-0000-0000-0000-000000000000/",
            "/api/v1/fittings/{id}/",
            "fitting_not_found",
        ),
    ],
)
def test_a_404_with_a_domain_code_matches_the_declared_404(schema, customer, method, url, path, code):
    response = client_for(customer).generic(method, url, "{}", content_type="application/json")
    assert response.status_code == 404 and error_codes(response) == {(None, code)}
    assert_conforms(schema, method, path, response)


def test_every_404_is_the_shared_not_found_schema(schema):
    """One global 404 (DRF_STANDARDIZED_ERRORS["ERROR_SCHEMAS"]), also where no path parameter exists."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"]["404"]["content"]["application/json"]["schema"]
            assert declared == {"$ref": "#/components/schemas/NotFoundErrorResponse"}, (method, path)
    error = schema["components"]["schemas"]["NotFoundError"]["properties"]["code"]
    assert error["type"] == "string" and "enum" not in error


def test_a_bad_login_is_declared(schema, api_client, customer):
    response = api_client.post("/api/v1/auth/login/", {"email": customer.email, "password": "wrong"})
    assert response.status_code == 400 and error_codes(response) == {(None, "invalid_credentials")}
    assert_conforms(schema, "POST", "/api/v1/auth/login/", response)


def test_a_weak_password_and_a_taken_email_are_declared(schema, api_client, customer):
    weak = api_client.post("/api/v1/auth/register/", {"email": "new@example.com", "password": "123"})
    assert weak.status_code == 400 and error_codes(weak) == {("password", "invalid_password")}
    assert_conforms(schema, "POST", "/api/v1/auth/register/", weak)
    taken = api_client.post(
        "/api/v1/auth/register/", {"email": customer.email, "password": "a-Long-pass-9876"}
    )
    assert taken.status_code == 400 and error_codes(taken) == {("email", "email_taken")}
    assert_conforms(schema, "POST", "/api/v1/auth/register/", taken)


def test_a_bad_webhook_signature_is_declared(schema, api_client, settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
    response = api_client.post(
        "/api/v1/payments/stripe/webhook/",
        "{}",
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=x",
    )
    assert response.status_code == 400 and error_codes(response) == {(None, "invalid_signature")}
    assert_conforms(schema, "POST", "/api/v1/payments/stripe/webhook/", response)


def test_a_return_request_without_lines_in_a_multipart_body_is_declared(schema, customer):
    order = paid_order(user=customer)
    response = client_for(customer).post(
        f"/api/v1/orders/{order.number}/returns/",
        {"kind": "return", "reason": "not_comfortable"},
        format="multipart",
    )
    assert response.status_code == 400 and ("lines", "required") in error_codes(response)
    assert_conforms(schema, "POST", "/api/v1/orders/{number}/returns/", response)


def test_an_item_error_names_the_real_index(schema, customer):
    """drf-standardized-errors writes ``lines.INDEX.quantity``; the schema must accept ``lines.0.quantity``."""
    order = paid_order(user=customer)
    response = client_for(customer).post(
        f"/api/v1/orders/{order.number}/returns/",
        {"kind": "return", "reason": "not_comfortable", "lines": [{"line_id": 0, "quantity": 0}]},
        format="json",
    )
    assert response.status_code == 400
    assert error_codes(response) == {
        ("lines.0.line_id", "min_value"),
        ("lines.0.quantity", "invalid_quantity"),
    }
    assert_conforms(schema, "POST", "/api/v1/orders/{number}/returns/", response)


def test_checkout_declares_its_refusals(schema, customer):
    operation = schema["paths"]["/api/v1/checkout/"]["post"]["responses"]
    assert {"402", "409", "502"} <= set(operation)
    response = client_for(customer).post(
        "/api/v1/checkout/",
        {"cart": "00000000-0000-0000-0000-000000000000", "email": "a@example.com", "shipping_method": "standard",
         "shipping_address": None},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and error_codes(response) == {("shipping_address", "null")}
    assert_conforms(schema, "POST", "/api/v1/checkout/", response)


def test_a_locked_and_a_throttled_login_are_declared(schema, api_client, customer, monkeypatch):
    for _ in range(4):
        api_client.post("/api/v1/auth/login/", {"email": customer.email, "password": "wrong"})
    locked = api_client.post("/api/v1/auth/login/", {"email": customer.email, "password": "wrong"})
    assert locked.status_code == 429 and error_codes(locked) == {(None, "account_locked")}
    assert locked["Retry-After"]
    assert_conforms(schema, "POST", "/api/v1/auth/login/", locked)

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "1/min"})
    throttled = APIClient(REMOTE_ADDR="203.0.113.99")
    throttled.post("/api/v1/auth/login/", {"email": "a@example.com", "password": "x"})
    response = throttled.post("/api/v1/auth/login/", {"email": "a@example.com", "password": "x"})
    assert response.status_code == 429 and error_codes(response) == {(None, "throttled")}
    assert_conforms(schema, "POST", "/api/v1/auth/login/", response)


def test_a_bad_reset_link_and_a_weak_new_password_are_declared(schema, api_client, customer):
    path = "/api/v1/auth/password-reset/confirm/"
    bad = api_client.post(path, {"uid": "MQ", "token": "nope", "new_password": "a-Long-pass-9876"})
    assert bad.status_code == 400 and error_codes(bad) == {("token", "invalid_token")}
    assert_conforms(schema, "POST", path, bad)
    link = {
        "uid": urlsafe_base64_encode(force_bytes(customer.pk)),
        "token": default_token_generator.make_token(customer),
    }
    weak = api_client.post(path, {**link, "new_password": "123"})
    assert weak.status_code == 400 and error_codes(weak) == {("new_password", "invalid_password")}
    assert_conforms(schema, "POST", path, weak)
    assert api_client.post("/api/v1/auth/password-reset/", {"email": customer.email}).status_code == 202


def test_a_bad_verification_token_and_a_verified_email_are_declared(schema, api_client, customer):
    bad = api_client.post("/api/v1/auth/verify-email/confirm/", {"token": "nope"})
    assert bad.status_code == 400 and error_codes(bad) == {("token", "invalid_token")}
    assert_conforms(schema, "POST", "/api/v1/auth/verify-email/confirm/", bad)
    customer.email_verified = True
    customer.save(update_fields=["email_verified"])
    verified = client_for(customer).post("/api/v1/me/verify-email/")
    assert verified.status_code == 409 and error_codes(verified) == {(None, "email_already_verified")}
    assert_conforms(schema, "POST", "/api/v1/me/verify-email/", verified)


def test_me_declares_email_verified(schema, customer):
    response = client_for(customer).get("/api/v1/me/")
    assert response.json()["email_verified"] is False
    assert_conforms(schema, "GET", "/api/v1/me/", response)


def test_the_customer_file_endpoints_declare_their_files_and_refusals(schema, customer):
    """The files are declared by content type (never JSON), and a bad ``size`` is a declared 400."""
    files = {
        "/api/v1/fit/footprints/{id}/image/": {"image/jpeg", "image/png"},
        "/api/v1/fit/footprints/{id}/overlay/": {"image/png"},
        "/api/v1/returns/{id}/photos/{photo_id}/": {"image/jpeg", "image/png"},
        "/api/v1/fittings/{id}/prescription/": {"application/pdf", "image/jpeg", "image/png"},
    }
    for path, types in files.items():
        assert set(schema["paths"][path]["get"]["responses"]["200"]["content"]) == types, path
        assert "302" in schema["paths"][path]["get"]["responses"], path  # to a signed URL, on object storage
    request = request_for(delivered(staff=UserFactory(is_staff=True), user=customer))
    photo = return_photo_for(request.pk)
    response = client_for(customer).get(f"/api/v1/returns/{request.pk}/photos/{photo.pk}/?size=huge")
    assert response.status_code == 400 and error_codes(response) == {("size", "invalid_choice")}
    assert_conforms(schema, "GET", "/api/v1/returns/{id}/photos/{photo_id}/", response)
    response = client_for(customer).get(f"/api/v1/returns/{request.pk}/photos/{photo.pk + 1}/")
    assert response.status_code == 404 and error_codes(response) == {(None, "return_photo_not_found")}
    assert_conforms(schema, "GET", "/api/v1/returns/{id}/photos/{photo_id}/", response)


def test_the_privacy_endpoints_declare_their_refusals(schema):
    """Consents, the data export and the erasure are in the schema with the codes they answer."""
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/me/consents/"])
    assert {"409", "400", "401"} <= set(paths["/api/v1/me/consents/"]["post"]["responses"])
    assert {"204", "404", "401"} <= set(paths["/api/v1/me/consents/{purpose}/"]["delete"]["responses"])
    assert "application/zip" in paths["/api/v1/me/export/"]["get"]["responses"]["200"]["content"]
    erase = paths["/api/v1/me/"]["delete"]["responses"]
    assert {"200", "400", "401", "409", "429"} <= set(erase)
    password = schema["components"]["schemas"]["MeErasePasswordErrorComponent"]["properties"]["code"]["enum"]
    assert {"invalid_password", "required"} <= set(password)
    for path in ("/api/v1/fit/assessments/", "/api/v1/fit/footprints/", "/api/v1/fittings/"):
        assert "409" in paths[path]["post"]["responses"], path  # consent_required


def test_a_consent_refusal_and_an_erasure_refusal_match_their_schema(schema, customer):
    client = client_for(customer)
    refused = client.post("/api/v1/fit/assessments/", {}, format="json")
    assert refused.status_code == 409 and error_codes(refused) == {(None, "consent_required")}
    assert_conforms(schema, "POST", "/api/v1/fit/assessments/", refused)
    paid_order(user=customer)
    blocked = client.delete("/api/v1/me/", {"password": "correct-horse-battery-staple"}, format="json")
    assert blocked.status_code == 409 and error_codes(blocked) == {(None, "erasure_blocked")}
    assert_conforms(schema, "DELETE", "/api/v1/me/", blocked)
