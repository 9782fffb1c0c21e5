import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.factories import DEFAULT_PASSWORD, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Walker",
    "line1": "Hauptstraße 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "de",
}


def test_register_returns_a_token_and_the_user(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": "New@Example.com", "password": "a-long-unusual-passphrase", "first_name": "Ada"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "new@example.com" and body["user"]["first_name"] == "Ada"
    assert Token.objects.get(key=body["token"]).user.email == "new@example.com"
    assert "password" not in body["user"]


@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "new@example.com"])
def test_register_applies_djangos_password_validators(api_client, password):
    response = api_client.post(
        "/api/v1/auth/register/", {"email": "new@example.com", "password": password}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "invalid_password" and error["attr"] == "password"


def test_register_twice_with_the_same_email_is_400(api_client, customer):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": customer.email.upper(), "password": "a-long-unusual-passphrase"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "email_taken"


def test_login_returns_a_token(api_client, customer):
    response = api_client.post(
        "/api/v1/auth/login/", {"email": customer.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["user"]["email"] == customer.email
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/me/").status_code == 200


def test_bad_credentials_get_the_same_answer_whether_or_not_the_email_exists(api_client, customer):
    wrong_password = api_client.post(
        "/api/v1/auth/login/", {"email": customer.email, "password": "nope"}, format="json"
    )
    no_account = api_client.post(
        "/api/v1/auth/login/", {"email": "nobody@example.com", "password": "nope"}, format="json"
    )
    assert wrong_password.status_code == no_account.status_code == 400
    assert wrong_password.json() == no_account.json()
    assert wrong_password.json()["errors"][0]["code"] == "invalid_credentials"


def test_login_is_throttled(api_client, customer, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    statuses = [
        api_client.post(
            "/api/v1/auth/login/", {"email": customer.email, "password": "x"}, format="json"
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


def test_registration_is_throttled(api_client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"register": "2/hour"})
    statuses = [
        api_client.post(
            "/api/v1/auth/register/",
            {"email": f"u{i}@example.com", "password": "a-long-unusual-passphrase"},
            format="json",
        ).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]


def test_logout_deletes_the_token(customer_client, customer):
    assert customer_client.post("/api/v1/auth/logout/").status_code == 204
    assert not Token.objects.filter(user=customer).exists()
    assert customer_client.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("logout", ["/api/v1/auth/logout/", "/api/v1/auth/logout-everywhere/"])
def test_after_logout_the_token_reads_no_catalogue_page(customer_client, api_client, logout):
    """Catalogue reads remember a token they accepted, and a logout forgets it: even a cached page is refused."""
    product = ProductFactory()
    VariantFactory(product=product)
    detail = f"/api/v1/products/{product.slug}/"
    assert [customer_client.get(detail).status_code for _ in range(2)] == [200, 200]
    assert api_client.get(detail)["X-Catalogue-Cache"] == "hit"
    assert customer_client.post(logout).status_code == 204
    for path in (detail, "/api/v1/products/"):
        response = customer_client.get(path)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_logout_keeps_the_admin_sessions(customer_client, customer):
    session = Client()
    session.force_login(customer)
    assert customer_client.post("/api/v1/auth/logout/").status_code == 204
    assert customer_client.get("/api/v1/me/").status_code == 401
    assert session.get("/api/v1/me/").json()["email"] == customer.email


def test_logout_everywhere_deletes_every_token_and_session_of_the_account(
    customer_client, customer, staff_user
):
    mine = [Client(), Client()]
    for client in mine:
        client.force_login(customer)
    theirs = Client()
    theirs.force_login(staff_user)
    other_token = Token.objects.create(user=staff_user)

    assert customer_client.post("/api/v1/auth/logout-everywhere/").status_code == 204

    assert not Token.objects.filter(user=customer).exists()
    assert customer_client.get("/api/v1/me/").status_code == 401
    assert [client.get("/api/v1/me/").status_code for client in mine] == [401, 401]
    assert theirs.get("/admin/").status_code == 200 and Token.objects.filter(pk=other_token.pk).exists()
    assert Session.objects.count() == 1


def test_logout_everywhere_works_from_a_session_too(customer):
    client = Client()
    client.force_login(customer)
    Token.objects.create(user=customer)
    response = client.post("/api/v1/auth/logout-everywhere/")  # the test client skips CSRF checks
    assert response.status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    assert not Token.objects.filter(user=customer).exists()


def test_logout_everywhere_needs_a_login(api_client):
    assert api_client.post("/api/v1/auth/logout-everywhere/").status_code == 401


def test_me_needs_a_login(api_client):
    assert api_client.get("/api/v1/me/").status_code == 401


def test_me_shows_the_profile_address_and_foot_profile(customer_client, customer):
    body = customer_client.get("/api/v1/me/").json()
    assert body["email"] == customer.email
    assert body["default_shipping_address"] is None
    assert "foot_profile" in body


def test_me_keeps_a_default_shipping_address(customer_client):
    response = customer_client.patch(
        "/api/v1/me/", {"first_name": "Grace", "default_shipping_address": ADDRESS}, format="json"
    )
    assert response.status_code == 200
    body = customer_client.get("/api/v1/me/").json()
    assert body["first_name"] == "Grace"
    assert body["default_shipping_address"]["country"] == "DE"
    assert body["default_shipping_address"]["line1"] == "Hauptstraße 1"
    customer_client.patch("/api/v1/me/", {"default_shipping_address": None}, format="json")
    assert customer_client.get("/api/v1/me/").json()["default_shipping_address"] is None


def test_me_refuses_an_incomplete_address(customer_client):
    response = customer_client.patch(
        "/api/v1/me/", {"default_shipping_address": {"city": "Berlin"}}, format="json"
    )
    assert response.status_code == 400
    assert {error["attr"] for error in response.json()["errors"]} >= {"default_shipping_address.line1"}
