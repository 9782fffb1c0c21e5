"""Password reset by email: the same answer for every address, a link that works once and expires."""

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import notifications
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-unusual-passphrase-42"
T0 = datetime.fromisoformat("2026-05-04T10:00:00+00:00")


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    def ask(email: str):
        with django_capture_on_commit_callbacks(execute=True):
            return APIClient().post("/api/v1/auth/password-reset/", {"email": email}, format="json")

    return ask


def confirm(uid: str, token: str, password: str = NEW_PASSWORD):
    return APIClient().post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": password},
        format="json",
    )


def link_in(message) -> dict[str, str]:
    url = re.search(r"https?://\S+", message.body).group(0)
    assert url.startswith("http://127.0.0.1:8000/reset-password?")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and url.replace("&", "&amp;") in html
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def login(email: str, password: str):
    return APIClient().post("/api/v1/auth/login/", {"email": email, "password": password}, format="json")


def test_the_same_202_whether_or_not_the_address_has_an_account_and_mail_only_to_an_account(ask, customer):
    known = ask(customer.email.upper())
    unknown = ask("nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content == b""
    assert [message.to for message in mail.outbox] == [[customer.email]]
    assert mail.outbox[0].subject == "Reset your Orthotics Shop password"
    assert "1 hour" in mail.outbox[0].body
    assert set(link_in(mail.outbox[0])) == {"uid", "token"}


def test_an_unknown_address_renders_the_email_too(ask, customer, monkeypatch):
    """Asking for an unknown address does the same work as for a known one; only the sending differs."""
    rendered = []
    render = notifications.render_to_string
    monkeypatch.setattr(
        notifications,
        "render_to_string",
        lambda name, context: rendered.append(name) or render(name, context),
    )
    ask(customer.email)
    known = list(rendered)
    rendered.clear()
    ask("nobody@example.com")
    assert rendered == known == ["emails/account_password_reset.txt", "emails/account_password_reset.html"]


def test_no_email_for_an_inactive_account(ask):
    inactive = UserFactory(is_active=False)
    assert ask(inactive.email).status_code == 202
    assert mail.outbox == []


def test_the_link_sets_the_password_verifies_the_email_and_signs_out_everywhere(ask, customer, staff_user):
    api = client_for(customer)
    admin_session = Client()
    admin_session.force_login(customer)
    others = Client()
    others.force_login(staff_user)
    ask(customer.email)

    assert confirm(**link_in(mail.outbox[0])).status_code == 204

    assert not Token.objects.filter(user=customer).exists()
    assert api.get("/api/v1/me/").status_code == 401
    assert admin_session.get("/admin/").status_code == 302  # back to the login page
    assert others.get("/admin/").status_code == 200  # somebody else's session stays
    assert login(customer.email, DEFAULT_PASSWORD).status_code == 400
    signed_in = login(customer.email, NEW_PASSWORD)
    assert signed_in.status_code == 200 and signed_in.json()["user"]["email_verified"] is True


def test_a_reset_lifts_the_accounts_login_lockout(ask, customer):
    for n in range(5):
        APIClient(REMOTE_ADDR=f"198.51.100.{n + 1}").post(
            "/api/v1/auth/login/", {"email": customer.email, "password": "wrong"}, format="json"
        )
    locked = login(customer.email, DEFAULT_PASSWORD)
    assert locked.status_code == 429 and locked.json()["errors"][0]["code"] == "account_locked"
    ask(customer.email)
    assert confirm(**link_in(mail.outbox[0])).status_code == 204
    assert login(customer.email, NEW_PASSWORD).status_code == 200


def test_a_link_works_once(ask, customer):
    ask(customer.email)
    link = link_in(mail.outbox[0])
    assert confirm(**link).status_code == 204
    again = confirm(**link, password="yet-another-passphrase-77")
    assert again.status_code == 400
    assert again.json()["errors"] == [
        {"code": "invalid_token", "detail": again.json()["errors"][0]["detail"], "attr": "token"}
    ]
    assert login(customer.email, NEW_PASSWORD).status_code == 200


def test_a_link_is_valid_for_password_reset_timeout_seconds_the_last_one_included(ask, customer, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    with time_machine.travel(T0, tick=False):
        ask(customer.email)
    link = link_in(mail.outbox[0])
    with time_machine.travel(T0 + timedelta(seconds=3601), tick=False):
        expired = confirm(**link)
        assert expired.status_code == 400 and expired.json()["errors"][0]["code"] == "invalid_token"
    with time_machine.travel(T0 + timedelta(seconds=3600), tick=False):
        assert confirm(**link).status_code == 204
    assert login(customer.email, NEW_PASSWORD).status_code == 200


def test_a_weak_new_password_is_refused_and_the_link_still_works(ask, customer):
    ask(customer.email)
    link = link_in(mail.outbox[0])
    weak = confirm(**link, password="12345678")
    assert weak.status_code == 400
    assert {(error["attr"], error["code"]) for error in weak.json()["errors"]} == {
        ("new_password", "invalid_password")
    }
    assert confirm(**link).status_code == 204


@pytest.mark.parametrize(
    "tamper",
    [
        lambda link, other: {
            **link,
            "token": link["token"][:-1] + ("a" if link["token"][-1] != "a" else "b"),
        },
        lambda link, other: {**link, "uid": other},
        lambda link, other: {**link, "uid": "not base64 at all!"},
        lambda link, other: {**link, "uid": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"},  # 30 nines
        lambda link, other: {**link, "uid": "LTE"},  # -1
    ],
    ids=["token", "another account", "garbage uid", "huge uid", "negative uid"],
)
def test_a_tampered_link_is_invalid_token(ask, customer, other_customer, tamper):
    ask(customer.email)
    ask(other_customer.email)
    other_uid = link_in(mail.outbox[1])["uid"]
    response = confirm(**tamper(link_in(mail.outbox[0]), other_uid))
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("token", "invalid_token")]
    assert login(customer.email, DEFAULT_PASSWORD).status_code == 200
    assert login(other_customer.email, DEFAULT_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "not-an-email"}, {"email": ["a@example.com"]}, []],
    ids=["empty", "not an email", "a list", "not an object"],
)
def test_bad_input_is_a_json_400(body):
    response = APIClient().post("/api/v1/auth/password-reset/", body, format="json")
    assert response.status_code == 400 and response.json()["type"] == "validation_error"
    response = APIClient().post("/api/v1/auth/password-reset/confirm/", body, format="json")
    assert response.status_code == 400 and response.json()["type"] == "validation_error"
