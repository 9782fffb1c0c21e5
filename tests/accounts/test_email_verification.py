"""Email verification: a signed, expiring link on registration and on request; /me/ shows the result."""

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail, signing
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from accounts.tokens import email_verification_token

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2026-05-04T10:00:00+00:00")


def token_in(message) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    assert url.startswith("http://127.0.0.1:8000/verify-email?")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and url in html
    return parse_qs(urlparse(url).query)["token"][0]


def verify(token: str):
    return APIClient().post("/api/v1/auth/verify-email/confirm/", {"token": token}, format="json")


def test_registration_sends_a_link_that_verifies_the_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registered = APIClient().post(
            "/api/v1/auth/register/", {"email": "New@Example.com", "password": "a-long-unusual-passphrase"}
        )
    assert registered.status_code == 201 and registered.json()["user"]["email_verified"] is False
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {registered.json()['token']}")
    assert client.get("/api/v1/me/").json()["email_verified"] is False
    [message] = mail.outbox
    assert (
        message.to == ["new@example.com"]
        and message.subject == "Confirm your email address for Orthotics Shop"
    )

    with time_machine.travel(T0, tick=False):
        assert verify(token_in(message)).status_code == 204

    assert client.get("/api/v1/me/").json()["email_verified"] is True
    user = get_user_model().objects.get(email="new@example.com")
    assert user.email_verified and user.email_verified_at == T0


def test_a_verified_link_again_changes_nothing(customer):
    token = email_verification_token(user=customer)
    with time_machine.travel(T0, tick=False):
        assert verify(token).status_code == 204
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        assert verify(token).status_code == 204
    customer.refresh_from_db()
    assert customer.email_verified_at == T0


def test_a_customer_asks_for_a_new_link(customer, customer_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert customer_client.post("/api/v1/me/verify-email/").status_code == 202
    [message] = mail.outbox
    assert message.to == [customer.email]
    assert verify(token_in(message)).status_code == 204
    assert customer_client.get("/api/v1/me/").json()["email_verified"] is True

    again = customer_client.post("/api/v1/me/verify-email/")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "email_already_verified"
    assert len(mail.outbox) == 1


def test_asking_for_a_link_needs_a_login(api_client):
    assert api_client.post("/api/v1/me/verify-email/").status_code == 401


def test_asking_for_links_is_throttled_per_account(customer, customer_client, other_client, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"verify_email": "2/hour"})
    statuses = [customer_client.post("/api/v1/me/verify-email/").status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    assert other_client.post("/api/v1/me/verify-email/").status_code == 202


def test_a_link_is_valid_for_the_verification_timeout_the_last_second_included(customer, settings):
    assert settings.SHOP_EMAIL_VERIFICATION_TIMEOUT == 3 * 24 * 3600
    with time_machine.travel(T0, tick=False):
        token = email_verification_token(user=customer)
    with time_machine.travel(
        T0 + timedelta(seconds=settings.SHOP_EMAIL_VERIFICATION_TIMEOUT, microseconds=1), tick=False
    ):
        expired = verify(token)
        assert expired.status_code == 400
        assert [(e["attr"], e["code"]) for e in expired.json()["errors"]] == [("token", "invalid_token")]
    with time_machine.travel(T0 + timedelta(seconds=settings.SHOP_EMAIL_VERIFICATION_TIMEOUT), tick=False):
        assert verify(token).status_code == 204


def test_a_link_for_an_earlier_address_does_not_verify_a_later_one(customer):
    token = email_verification_token(user=customer)
    customer.email = "changed@example.com"
    customer.save(update_fields=["email"])
    response = verify(token)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "invalid_token"
    customer.refresh_from_db()
    assert customer.email_verified is False


@pytest.mark.parametrize("token", ["garbage", "a" * 512, "eyJ1c2VyIjoxfQ:1uAbCd:forged-signature"])
def test_a_bad_token_is_invalid_token(customer, token):
    response = verify(token)
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("token", "invalid_token")]


def test_a_token_from_another_signer_is_refused(customer):
    """A value signed with the same key but another salt does not verify."""
    forged = signing.dumps({"user": customer.pk, "email": customer.email}, salt="some.other.salt")
    assert verify(forged).status_code == 400


def test_me_shows_email_verified(customer_client):
    assert customer_client.get("/api/v1/me/").json()["email_verified"] is False
