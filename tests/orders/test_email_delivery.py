"""Sending an email against a real SMTP server that refuses, hangs, or delivers: a failed send raises
(so the queue tries again) and records nothing; a send repeated for the same notification sends nothing."""

import os
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail

from orders.models import SentEmail
from orders.tasks import email_send
from tests.smtp_server import FlakySMTPServer

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
MESSAGE = {
    "to": "ann@example.com",
    "subject": "Order A-1 is on its way",
    "body": "text",
    "html": "<p>html</p>",
}


@pytest.fixture
def smtp(settings):
    server = FlakySMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 1
    yield server
    server.stop()


def test_a_refused_send_raises_and_records_nothing_then_sends_once_when_the_server_is_back(smtp):
    smtp.refuse()
    with pytest.raises(ConnectionRefusedError):
        email_send.call(key="order:1:shipped:7", **MESSAGE)
    assert not SentEmail.objects.exists()

    smtp.recover()
    assert email_send.call(key="order:1:shipped:7", **MESSAGE) is True
    assert email_send.call(key="order:1:shipped:7", **MESSAGE) is False  # run again: nothing sent
    assert smtp.subjects() == ["Order A-1 is on its way"]
    sent = SentEmail.objects.get()
    assert (sent.key, sent.to, sent.sent_at is not None) == ("order:1:shipped:7", "ann@example.com", True)


def test_a_hanging_server_fails_the_send_after_the_email_timeout(smtp):
    smtp.hang()
    started = time.monotonic()
    with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected)):
        email_send.call(key="order:1:shipped:7", **MESSAGE)
    assert time.monotonic() - started < 3  # EMAIL_TIMEOUT is 1 s
    assert not SentEmail.objects.exists()
    smtp.recover()
    email_send.call(key="order:1:shipped:7", **MESSAGE)
    assert len(smtp.messages) == 1


def test_each_notification_has_its_own_key_and_a_message_id_fixed_by_it(smtp):
    smtp.recover()
    email_send.call(key="order:1:shipped:7", **MESSAGE)
    email_send.call(key="order:1:delivered:8", **{**MESSAGE, "subject": "Order A-1 has been delivered"})
    assert smtp.subjects() == ["Order A-1 is on its way", "Order A-1 has been delivered"]
    first, second = (message["Message-ID"] for message in smtp.messages)
    assert first != second and first.endswith("@example.com>")


def test_the_order_emails_carry_the_status_change_they_are_about(django_capture_on_commit_callbacks):
    from orders.services.orders import order_cancel
    from tests.orders.factories import place_order

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(email="ben@example.com")
        order_cancel(order=order, actor=None)
    placed, cancelled = order.status_changes.order_by("id")
    assert sorted(SentEmail.objects.values_list("key", flat=True)) == sorted(
        [f"order:{order.pk}:placed:{placed.pk}", f"order:{order.pk}:cancelled:{cancelled.pk}"]
    )
    assert [m.subject for m in mail.outbox] == [
        f"We have your order {order.number}",
        f"Order {order.number} has been cancelled",
    ]


def _settings_in_a_process(module: str, **env_extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "TASKS_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE=module, **env_extra)
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({k: "
        "getattr(s, k) for k in ('EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', "
        "'EMAIL_HOST_PASSWORD', 'EMAIL_USE_TLS', 'EMAIL_TIMEOUT')} | {'TASKS': s.TASKS['default']['BACKEND']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mail_settings_come_from_email_url_with_a_timeout_of_a_few_seconds():
    assert _settings_in_a_process(
        "shop.settings", EMAIL_URL="smtp+tls://shop:s3cret@mail.example.com:587"
    ) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "shop",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_TIMEOUT": 5.0,
        "TASKS": "django_tasks.backends.immediate.ImmediateBackend",
    }


def test_production_sends_by_smtp_from_the_database_queue_with_separate_mail_variables():
    assert _settings_in_a_process(
        "shop.settings_production",
        SECRET_KEY="k8Jq2vN#pX7mR4tW9zL1cF6hB3yD0sA5gE8uI2oP7nM4xV1qZ-prod",
        ALLOWED_HOSTS="shop.example.com",
        STRIPE_SECRET_KEY="sk_live_example",
        STRIPE_WEBHOOK_SECRET="whsec_example",
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="shop",
        EMAIL_HOST_PASSWORD="pw",
        EMAIL_USE_TLS="true",
        EMAIL_TIMEOUT="3",
    ) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "shop",
        "EMAIL_HOST_PASSWORD": "pw",
        "EMAIL_USE_TLS": True,
        "EMAIL_TIMEOUT": 3.0,
        "TASKS": "django_tasks_db.DatabaseBackend",
    }


def test_erasing_an_account_takes_its_address_out_of_the_sent_emails_and_their_finished_tasks(
    settings, staff_user
):
    from django_tasks_db.models import DBTaskResult

    from accounts.services import user_erase
    from orders.services.orders import order_cancel
    from tests.factories import UserFactory
    from tests.orders.factories import place_order
    from tests.queue_helpers import run_worker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    customer, other = UserFactory(email="cara@example.com"), UserFactory(email="dan@example.com")
    order = place_order(user=customer)
    order_cancel(order=order, actor=None)
    place_order(user=other)
    run_worker()
    assert SentEmail.objects.filter(to="cara@example.com").count() == 2  # placed, cancelled

    user_erase(user=customer, erased_by=staff_user)
    assert not SentEmail.objects.filter(to="cara@example.com").exists()
    assert SentEmail.objects.filter(to__endswith="@invalid.example").count() == 2
    rendered = DBTaskResult.objects.filter(task_path="orders.tasks.email_send")
    assert [r.args_kwargs["kwargs"]["to"] for r in rendered] == ["dan@example.com"]
