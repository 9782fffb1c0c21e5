"""Failed logins lock the account (from any address) and the address (on any accounts), through django-axes.

The limit and the cool-off are settings (``SHOP_LOGIN_FAILURES`` = 5, ``SHOP_LOGIN_COOLOFF_MINUTES`` =
15). A locked-out login answers 429 ``account_locked`` with ``Retry-After``, the right password included,
until the cool-off has passed since the last counted failure; the API and the admin count together.
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 5
COOL_OFF = timedelta(minutes=15)
T0 = datetime.fromisoformat("2026-05-04T10:00:00+00:00")


def _address(n: int) -> str:
    return f"198.51.100.{n % 250 + 1}"


def login(email: str, password: str, *, address: str = "203.0.113.5"):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/login/", {"email": email, "password": password}, format="json"
    )


def outcome(response) -> tuple[int, str | None]:
    errors = response.json().get("errors") if response.status_code >= 400 else None
    return response.status_code, errors[0]["code"] if errors else None


def fail(email: str, times: int, *, first_address: int = 0) -> list[tuple[int, str | None]]:
    """Fail ``times`` logins for ``email``, each from another address (so only the account's count)."""
    return [
        outcome(login(email, "wrong-password", address=_address(first_address + n))) for n in range(times)
    ]


def test_the_fifth_failure_locks_the_account_from_every_address(customer):
    assert fail(customer.email, LIMIT) == [(400, "invalid_credentials")] * (LIMIT - 1) + [
        (429, "account_locked")
    ]

    right = login(customer.email, DEFAULT_PASSWORD, address="192.0.2.200")
    assert right.status_code == 429
    assert right.json()["type"] == "client_error"
    assert right.json()["errors"][0]["code"] == "account_locked" and right.json()["errors"][0]["attr"] is None
    assert 0 < int(right["Retry-After"]) <= COOL_OFF.total_seconds()
    assert "token" not in right.json()


def test_an_address_without_an_account_locks_the_same_way(customer):
    """The lockout tells nobody whether an address has an account."""
    assert fail("nobody@example.com", LIMIT) == fail(customer.email, LIMIT, first_address=100)


def test_the_lock_holds_through_the_cool_off_and_ends_after_it(customer):
    with time_machine.travel(T0, tick=False):
        fail(customer.email, LIMIT)
        assert int(login(customer.email, DEFAULT_PASSWORD)["Retry-After"]) == COOL_OFF.total_seconds()
    with time_machine.travel(T0 + COOL_OFF - timedelta(seconds=1), tick=False):
        refused = login(customer.email, DEFAULT_PASSWORD)
        assert outcome(refused) == (429, "account_locked") and refused["Retry-After"] == "1"
    # django-axes still counts a failure exactly the cool-off old: the last instant is locked too.
    with time_machine.travel(T0 + COOL_OFF, tick=False):
        refused = login(customer.email, DEFAULT_PASSWORD)
        assert outcome(refused) == (429, "account_locked") and refused["Retry-After"] == "1"
    with time_machine.travel(T0 + COOL_OFF + timedelta(seconds=1), tick=False):
        accepted = login(customer.email, DEFAULT_PASSWORD)
        assert accepted.status_code == 200 and accepted.json()["user"]["email"] == customer.email


def test_attempts_while_locked_do_not_extend_the_lock(customer):
    with time_machine.travel(T0, tick=False):
        fail(customer.email, LIMIT)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert outcome(login(customer.email, "wrong-password")) == (429, "account_locked")
        refused = login(customer.email, DEFAULT_PASSWORD)
        assert refused.status_code == 429 and int(refused["Retry-After"]) == 5 * 60
    with time_machine.travel(T0 + COOL_OFF + timedelta(seconds=1), tick=False):
        assert login(customer.email, DEFAULT_PASSWORD).status_code == 200


def test_the_lock_ends_when_the_oldest_failures_age_out(customer):
    """Failures spread over time: the account frees up once fewer than the limit are recent."""
    for minute in range(LIMIT):
        with time_machine.travel(T0 + timedelta(minutes=minute), tick=False):
            fail(customer.email, 1, first_address=minute)
    # The oldest failure (T0) ages out first: the lock ends 15 minutes after it.
    with time_machine.travel(T0 + timedelta(minutes=LIMIT), tick=False):
        refused = login(customer.email, DEFAULT_PASSWORD)
        assert (
            refused.status_code == 429
            and int(refused["Retry-After"]) == (COOL_OFF - timedelta(minutes=5)).total_seconds()
        )
    with time_machine.travel(T0 + COOL_OFF + timedelta(seconds=1), tick=False):
        assert login(customer.email, DEFAULT_PASSWORD).status_code == 200


def test_a_successful_login_clears_the_accounts_failures(customer):
    assert fail(customer.email, LIMIT - 1) == [(400, "invalid_credentials")] * (LIMIT - 1)
    assert login(customer.email, DEFAULT_PASSWORD, address="192.0.2.1").status_code == 200
    assert fail(customer.email, LIMIT - 1, first_address=50) == [(400, "invalid_credentials")] * (LIMIT - 1)
    assert fail(customer.email, 1, first_address=60) == [(429, "account_locked")]


def test_a_success_on_one_account_does_not_clear_the_addresss_failures_on_others(customer):
    """Logging in to one's own account between guesses does not buy more guesses from that address."""
    own = UserFactory()
    address = "203.0.113.77"
    for n in range(LIMIT - 1):
        assert outcome(login(f"victim{n}@example.com", "guess", address=address)) == (
            400,
            "invalid_credentials",
        )
        assert login(own.email, DEFAULT_PASSWORD, address=address).status_code == 200
    assert outcome(login(customer.email, "guess", address=address)) == (429, "account_locked")


def test_failures_on_many_accounts_lock_the_address(customer):
    address = "203.0.113.9"
    statuses = [outcome(login(f"guess{n}@example.com", "wrong", address=address)) for n in range(LIMIT)]
    assert statuses == [(400, "invalid_credentials")] * (LIMIT - 1) + [(429, "account_locked")]
    assert outcome(login(customer.email, DEFAULT_PASSWORD, address=address)) == (429, "account_locked")
    assert login(customer.email, DEFAULT_PASSWORD, address="203.0.113.10").status_code == 200


def test_the_email_counts_whatever_its_case_and_spaces(customer):
    variants = [
        customer.email.upper(),
        f" {customer.email}",
        customer.email.title(),
        customer.email,
        f"{customer.email} ",
    ]
    statuses = [outcome(login(email, "wrong", address=_address(n))) for n, email in enumerate(variants)]
    assert statuses[-1] == (429, "account_locked")


def test_behind_a_trusted_proxy_the_address_it_saw_is_locked(settings):
    """The lockout's address follows NUM_PROXIES, as the throttles do: made-up entries before it do not count."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = APIClient(REMOTE_ADDR="10.0.0.2")

    def attempt(n: int, seen_by_proxy: str):
        forwarded = f"10.9.{n}.1, {seen_by_proxy}"
        body = {"email": f"guess{n}@example.com", "password": "wrong"}
        return outcome(proxy.post("/api/v1/auth/login/", body, format="json", HTTP_X_FORWARDED_FOR=forwarded))

    statuses = [attempt(n, "198.51.100.7") for n in range(LIMIT)]
    assert statuses == [(400, "invalid_credentials")] * (LIMIT - 1) + [(429, "account_locked")]
    assert attempt(LIMIT, "198.51.100.8") == (400, "invalid_credentials")  # another client behind the proxy


def admin_login(email: str, password: str, *, address: str = "203.0.113.20"):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    return client, response


def test_the_admin_login_counts_and_refuses_the_same_way(staff_user):
    for n in range(LIMIT - 1):
        _, response = admin_login(staff_user.email, "wrong", address=_address(n))
        assert response.status_code == 200  # the login form again, with its error
    _, locked = admin_login(staff_user.email, "wrong", address=_address(LIMIT))
    assert locked.status_code == 429 and 0 < int(locked["Retry-After"]) <= COOL_OFF.total_seconds()

    _, right = admin_login(staff_user.email, DEFAULT_PASSWORD, address="192.0.2.99")
    assert right.status_code == 429 and "locked" in right.content.decode()
    assert outcome(login(staff_user.email, DEFAULT_PASSWORD, address="192.0.2.98")) == (429, "account_locked")


def test_api_failures_lock_the_admin_login_too(staff_user):
    fail(staff_user.email, LIMIT)
    _, response = admin_login(staff_user.email, DEFAULT_PASSWORD, address="192.0.2.97")
    assert response.status_code == 429


def test_the_admin_login_still_works_and_clears_the_failures(staff_user):
    fail(staff_user.email, LIMIT - 1)
    client, response = admin_login(staff_user.email, DEFAULT_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert fail(staff_user.email, LIMIT - 1, first_address=80) == [(400, "invalid_credentials")] * (LIMIT - 1)
