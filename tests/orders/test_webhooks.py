"""The Stripe webhook view: signatures built with the real library, events applied once, never backwards."""

import json
import time
from decimal import Decimal

import pytest
import stripe
from django.core import mail

from orders.models import Order, Refund, WebhookEvent
from orders.services.payments import refund_create
from tests.factories import VariantFactory
from tests.orders.conftest import WEBHOOK_SECRET
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/stripe/webhook/"


def intent_event(
    order: Order, event_type="payment_intent.succeeded", *, amount=None, currency=None, event_id=None
):
    payment = order.payments.get()
    minor = int(order.total * 100) if amount is None else amount
    return {
        "id": event_id or f"evt_{time.time_ns()}",
        "object": "event",
        "type": event_type,
        "data": {
            "object": {
                "id": payment.provider_reference,
                "object": "payment_intent",
                "amount": minor,
                "amount_received": minor if event_type == "payment_intent.succeeded" else 0,
                "currency": currency or order.currency.lower(),
                "metadata": {"order_number": order.number},
                "last_payment_error": {"message": "Your card was declined."},
            }
        },
    }


def post_event(client, event: dict, secret=WEBHOOK_SECRET, signature=None):
    payload = json.dumps(event)
    header = signature or stripe.WebhookSignature.generate_signature_header(
        payload, secret, timestamp=int(time.time())
    )
    return client.post(
        URL, data=payload, content_type="application/json", headers={"Stripe-Signature": header}
    )


@pytest.fixture
def order(fake_stripe):
    return place_order(items=[(VariantFactory(price=Decimal("39.90")), 2)])


def test_a_signed_succeeded_event_marks_the_order_paid(api_client, order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(api_client, intent_event(order))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "paid" and order.paid_at is not None
    assert order.captured_total == order.total
    payment = order.payments.get()
    assert payment.status == "succeeded" and payment.amount_received == Decimal("84.70")
    assert [m.subject for m in mail.outbox] == [f"Payment received for order {order.number}"]


@pytest.mark.parametrize(
    "signature",
    ["t=1,v1=deadbeef", "", "nonsense"],
)
def test_a_bad_signature_is_400_and_nothing_is_stored(api_client, order, signature):
    payload = json.dumps(intent_event(order))
    headers = {"Stripe-Signature": signature} if signature else {}
    response = api_client.post(URL, data=payload, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_a_signature_with_another_secret_is_400(api_client, order):
    assert post_event(api_client, intent_event(order), secret="whsec_other").status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_a_tampered_body_is_400(api_client, order):
    event = intent_event(order)
    header = stripe.WebhookSignature.generate_signature_header(json.dumps(event), WEBHOOK_SECRET)
    event["data"]["object"]["amount_received"] = 1
    assert post_event(api_client, event, signature=header).status_code == 400


def test_an_old_signature_is_refused(api_client, order):
    payload = json.dumps(intent_event(order))
    header = stripe.WebhookSignature.generate_signature_header(
        payload, WEBHOOK_SECRET, timestamp=int(time.time()) - 600
    )
    response = api_client.post(
        URL, data=payload, content_type="application/json", headers={"Stripe-Signature": header}
    )
    assert response.status_code == 400


def test_the_same_event_twice_makes_one_transition(api_client, order):
    event = intent_event(order, event_id="evt_once")
    assert post_event(api_client, event).status_code == 200
    second = post_event(api_client, event)
    assert second.status_code == 200 and second.json()["duplicate"] is True
    order.refresh_from_db()
    assert order.status_changes.filter(to_status="paid").count() == 1
    assert order.captured_total == order.total
    assert WebhookEvent.objects.filter(event_id="evt_once").count() == 1


def test_a_late_payment_failed_never_unpays(api_client, order):
    post_event(api_client, intent_event(order))
    response = post_event(api_client, intent_event(order, "payment_intent.payment_failed"))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "paid"
    assert order.payments.get().status == "succeeded"


def test_payment_failed_then_succeeded_ends_paid(api_client, order):
    post_event(api_client, intent_event(order, "payment_intent.payment_failed"))
    order.refresh_from_db()
    assert order.status == "payment_failed"
    # Stripe lets the customer retry the same PaymentIntent: its later success still counts.
    post_event(api_client, intent_event(order))
    order.refresh_from_db()
    assert order.status == "paid"


@pytest.mark.parametrize(("amount", "currency"), [(100, None), (None, "usd")])
def test_a_wrong_amount_or_currency_is_flagged_not_paid(api_client, order, amount, currency):
    response = post_event(api_client, intent_event(order, amount=amount, currency=currency))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert order.needs_attention and "mismatch" in order.attention_note
    assert order.payments.get().status == "pending"
    assert WebhookEvent.objects.get().outcome == "amount_mismatch"


def test_an_unknown_event_type_is_200_and_ignored(api_client, order):
    event = {
        "id": "evt_unknown",
        "object": "event",
        "type": "customer.created",
        "data": {"object": {"id": "cus_1"}},
    }
    response = post_event(api_client, event)
    assert response.status_code == 200
    assert WebhookEvent.objects.get().outcome == "ignored"


def test_an_event_for_an_unknown_payment_intent_is_200(api_client, order):
    event = intent_event(order)
    event["data"]["object"]["id"] = "pi_nobody"
    event["data"]["object"]["metadata"] = {}
    assert post_event(api_client, event).status_code == 200
    assert WebhookEvent.objects.get().outcome == "unmatched"


def test_money_arriving_after_cancellation_is_flagged(api_client, order):
    from orders.services.orders import order_cancel

    order_cancel(order=order, actor=None)
    post_event(api_client, intent_event(order))
    order.refresh_from_db()
    assert order.status == "cancelled" and order.needs_attention


def test_refund_events_update_the_refund(api_client, order, fake_stripe):
    post_event(api_client, intent_event(order))
    fake_stripe.queue(200, {"id": "re_slow", "object": "refund", "amount": 500, "status": "pending"})
    refund = refund_create(order=order, amount=Decimal("5.00"))
    assert refund.status == "pending"
    event = {
        "id": "evt_refund",
        "type": "refund.updated",
        "data": {"object": {"id": "re_slow", "object": "refund", "status": "succeeded"}},
    }
    assert post_event(api_client, event).status_code == 200
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "succeeded" and order.refunded_total == Decimal("5.00")
    failed = {**event, "id": "evt_refund_failed", "type": "refund.failed"}
    failed["data"] = {
        "object": {"id": "re_slow", "status": "failed", "failure_reason": "expired_or_canceled_card"}
    }
    post_event(api_client, failed)
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "failed" and order.refunded_total == 0 and order.needs_attention


def test_a_dispute_flags_the_order(api_client, order):
    post_event(api_client, intent_event(order))
    payment = order.payments.get()
    event = {
        "id": "evt_dispute",
        "type": "charge.dispute.created",
        "data": {
            "object": {"id": "dp_1", "payment_intent": payment.provider_reference, "reason": "fraudulent"}
        },
    }
    post_event(api_client, event)
    order.refresh_from_db()
    assert order.needs_attention and "dp_1" in order.attention_note


def test_refunds_never_exceed_what_was_captured(api_client, order):
    from orders.exceptions import RefundExceedsCaptured

    with pytest.raises(RefundExceedsCaptured):
        refund_create(order=order, amount=Decimal("1.00"))  # nothing captured yet
    post_event(api_client, intent_event(order))
    refund_create(order=order, amount=Decimal("80.00"))
    with pytest.raises(RefundExceedsCaptured) as refused:
        refund_create(order=order, amount=Decimal("4.71"))
    assert refused.value.code == "refund_exceeds_captured"
    refund_create(order=order, amount=Decimal("4.70"))
    order.refresh_from_db()
    assert order.refunded_total == order.captured_total
    assert Refund.objects.count() == 2
