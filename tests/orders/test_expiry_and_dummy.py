import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from catalogue.models import ProductVariant
from orders.jobs import unpaid_orders_expire
from orders.models import Order, WebhookEvent
from orders.services.orders import orders_expire_unpaid
from tests.factories import VariantFactory
from tests.orders.factories import pay, place_order

pytestmark = pytest.mark.django_db


def test_unpaid_orders_expire_after_the_deadline_and_give_stock_back(settings):
    settings.SHOP_PAYMENT_DEADLINE_MINUTES = 30
    variant = VariantFactory(stock=5)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        order = place_order(items=[(variant, 2)])
        assert order.payment_deadline == timezone.now() + timedelta(minutes=30)
        clock.shift(timedelta(minutes=29, seconds=59))
        assert orders_expire_unpaid() == 0
        clock.shift(timedelta(seconds=1))
        assert orders_expire_unpaid() == 1
    order.refresh_from_db()
    assert order.status == "expired" and order.expired_at is not None
    assert ProductVariant.objects.get(pk=variant.pk).stock == 5
    assert order.payments.get().status == "cancelled"
    assert order.status_changes.last().note == "Not paid in time."


def test_paid_orders_never_expire():
    with time_machine.travel(timezone.now(), tick=False) as clock:
        order = pay(place_order())
        clock.shift(timedelta(hours=2))
        assert orders_expire_unpaid() == 0
    order.refresh_from_db()
    assert order.status == "paid"


def test_failed_payments_expire_too(settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        order = pay(place_order(), outcome="fail")
        assert order.status == "payment_failed"
        clock.shift(timedelta(minutes=31))
        call_command("expire_unpaid_orders", stdout=io.StringIO())
    order.refresh_from_db()
    assert order.status == "expired"


def test_the_expiry_task_runs_the_sweep():
    with time_machine.travel(timezone.now(), tick=False) as clock:
        order = place_order()
        clock.shift(timedelta(minutes=31))
        result = unpaid_orders_expire.enqueue()
    assert result.return_value == 1
    order.refresh_from_db()
    assert order.status == "expired"


def test_the_dummy_payment_page_pays_through_the_webhook_path(api_client):
    order = place_order(email="guest@example.com", items=[(VariantFactory(price=Decimal("10.00")), 1)])
    url = f"/api/v1/payments/dummy/{order.number}/"
    response = api_client.post(url, {"outcome": "succeed", "email": "guest@example.com"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "paid"
    assert WebhookEvent.objects.get().type == "payment_intent.succeeded"


def test_the_dummy_payment_page_can_fail(api_client):
    order = place_order(email="guest@example.com")
    response = api_client.post(
        f"/api/v1/payments/dummy/{order.number}/?email=guest@example.com", {"outcome": "fail"}, format="json"
    )
    assert response.json()["status"] == "payment_failed"


def test_the_dummy_payment_page_follows_the_order_access_rules(api_client, customer):
    order = place_order(user=customer)
    response = api_client.post(
        f"/api/v1/payments/dummy/{order.number}/", {"outcome": "succeed"}, format="json"
    )
    assert response.status_code == 404


def test_the_dummy_payment_page_is_gone_with_stripe(api_client, fake_stripe):
    order = place_order(email="guest@example.com")
    response = api_client.post(
        f"/api/v1/payments/dummy/{order.number}/",
        {"outcome": "succeed", "email": "guest@example.com"},
        format="json",
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_after_a_failure_a_new_checkout_attempt_starts_a_new_payment(api_client):
    """payment_failed → pending_payment on retry, with a new attempt and idempotency key."""
    from orders.services.payments import payment_start

    order = pay(place_order(), outcome="fail")
    session = payment_start(order=order)
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert [p.attempt for p in order.payments.all()] == [1, 2]
    assert session.reference == order.payments.get(attempt=2).provider_reference
    assert pay(order).status == "paid"


def test_dummy_pay_command_posts_a_signed_event_to_the_webhook_view():
    order = place_order()
    out = io.StringIO()
    call_command("dummy_pay", order.number, stdout=out)
    assert "paid" in out.getvalue()
    order.refresh_from_db()
    assert order.status == "paid"
    assert WebhookEvent.objects.get(order=order).outcome == "paid"


def test_dummy_pay_command_with_a_real_webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_configured"
    order = place_order()
    call_command("dummy_pay", order.number, "--fail", stdout=io.StringIO())
    order.refresh_from_db()
    assert order.status == "payment_failed"
    assert Order.objects.count() == 1
