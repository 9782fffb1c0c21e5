"""Signed webhook events of every shape: stored at once, processed by a task, exactly once per event id.

Signatures are made with the real ``stripe`` library. A validly signed body that is not an event
(no id, the wrong types, too long, a NUL character) is stored failed with its reason and answered
200, or refused 400 when it is not JSON at all: never a 500, and never a change to an order.
"""

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
import time_machine
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orders.models import Order, WebhookEvent
from orders.payments import webhooks
from orders.payments.webhooks import webhook_event_process
from tests.factories import VariantFactory
from tests.orders.conftest import WEBHOOK_SECRET
from tests.orders.factories import place_order
from tests.orders.test_webhooks import URL, intent_event
from tests.queue_helpers import run_worker

pytestmark = pytest.mark.django_db


def post_body(client, body: str):
    header = stripe.WebhookSignature.generate_signature_header(
        body, WEBHOOK_SECRET, timestamp=int(time.time())
    )
    return client.post(URL, data=body, content_type="application/json", headers={"Stripe-Signature": header})


@pytest.fixture
def order(fake_stripe):
    return place_order(items=[(VariantFactory(price=Decimal("39.90"), stock=5), 1)])


def _unchanged(order: Order) -> bool:
    before = (order.status, order.captured_total, order.needs_attention)
    order.refresh_from_db()
    return (order.status, order.captured_total, order.needs_attention) == before and not order.events.exists()


def _with(order, **changes) -> str:
    event = intent_event(order)
    event.update(changes)
    return json.dumps(event)


MALFORMED = {
    "an array": (lambda order: json.dumps([intent_event(order)]), "not a JSON object"),
    "a string": (lambda order: json.dumps("payment_intent.succeeded"), "not a JSON object"),
    "a number": (lambda order: "42", "not a JSON object"),
    "no id": (lambda order: json.dumps({k: v for k, v in intent_event(order).items() if k != "id"}), "no id"),
    "an empty id": (lambda order: _with(order, id=""), "no id"),
    "a numeric id": (lambda order: _with(order, id=12345), "no id"),
    "an over-long id": (lambda order: _with(order, id="evt_" + "x" * 300), "longer than 255"),
    "an over-long type": (lambda order: _with(order, type="payment_intent." + "s" * 200), "longer than 100"),
    "a type that is an object": (lambda order: _with(order, type={"a": 1}), "no type"),
    "data.object a string": (lambda order: _with(order, data={"object": "pi_123"}), "data.object"),
    "data an array": (lambda order: _with(order, data=[{"object": {}}]), "data.object"),
    "no data": (
        lambda order: json.dumps({"id": "evt_nodata", "type": "payment_intent.succeeded"}),
        "data.object",
    ),
    "a NUL byte in the id": (lambda order: _with(order, id="evt_\x00abc"), "NUL"),
    "a NUL byte in the type": (lambda order: _with(order, type="payment_intent.succeeded\x00"), "NUL"),
    "a NUL byte in the metadata": (
        lambda order: json.dumps(
            {**intent_event(order), "data": {"object": {"id": "pi_x", "metadata": {"order_number": "A\x00"}}}}
        ),
        "NUL",
    ),
    "a lone surrogate": (
        lambda order: _with(order, type="payment_intent.succeeded\ud800"),
        "invalid Unicode",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_signed_malformed_event_is_stored_failed_with_its_reason_and_changes_nothing(
    api_client, order, case
):
    make, reason = MALFORMED[case]
    response = post_body(api_client, make(order))
    assert response.status_code == 200, response.content
    event = WebhookEvent.objects.get()
    assert event.status == "failed"
    assert reason in event.error
    assert event.order is None and event.outcome == ""
    assert _unchanged(order)


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        '{"id": "evt_1", "amount": NaN}',
        '{"id": "evt_1", "amount": 1e999}',
        "[" * 100 + "]" * 100,
    ],
    ids=["not JSON", "NaN", "infinity", "nested 100 deep"],
)
def test_a_signed_body_that_is_not_storable_json_is_400(api_client, order, body):
    response = post_body(api_client, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists()
    assert _unchanged(order)


def test_a_malformed_event_with_a_usable_id_is_a_duplicate_the_second_time(api_client, order):
    body = _with(order, id="evt_bad_shape", data={"object": "pi_123"})
    assert post_body(api_client, body).json() == {"received": True, "duplicate": False}
    assert post_body(api_client, body).json() == {"received": True, "duplicate": True}
    assert WebhookEvent.objects.get().event_id == "evt_bad_shape"


def test_an_event_whose_content_breaks_its_handler_is_failed_and_rolled_back(api_client, order, fake_stripe):
    """A charge.refunded whose second refund is a string: the first refund's change is undone too."""
    post_body(api_client, json.dumps(intent_event(order)))  # paid
    order.refresh_from_db()
    fake_stripe.queue(200, {"id": "re_1", "object": "refund", "amount": 500, "status": "pending"})
    from orders.services.payments import refund_create

    refund = refund_create(order=order, amount=Decimal("5.00"))
    event = {
        "id": "evt_bad_refunds",
        "type": "charge.refunded",
        "data": {"object": {"refunds": {"data": [{"id": "re_1", "status": "succeeded"}, "re_2"]}}},
    }
    assert post_body(api_client, json.dumps(event)).status_code == 200
    stored = WebhookEvent.objects.get(event_id="evt_bad_refunds")
    assert stored.status == "failed" and "AttributeError" in stored.error and stored.attempts == 1
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "pending" and order.refunded_total == 0


def test_processing_an_event_twice_applies_it_once(api_client, order):
    post_body(api_client, json.dumps(intent_event(order, event_id="evt_twice")))
    event = WebhookEvent.objects.get(event_id="evt_twice")
    assert webhook_event_process.call(event_pk=event.pk) == "processed"  # a retry, a second worker
    order.refresh_from_db()
    assert order.status == "paid" and order.captured_total == order.total
    assert order.status_changes.filter(to_status="paid").count() == 1
    event.refresh_from_db()
    assert event.attempts == 1 and event.outcome == "paid"


def test_with_the_database_queue_the_webhook_answers_first_and_a_worker_applies_the_event(
    api_client, order, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = post_body(api_client, json.dumps(intent_event(order, event_id="evt_later")))
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.status == "pending"
    order.refresh_from_db()
    assert order.status == "pending_payment"  # nothing applied in the request

    run_worker()
    event.refresh_from_db()
    order.refresh_from_db()
    assert (event.status, event.outcome, order.status) == ("processed", "paid", "paid")


def test_a_database_failure_while_processing_leaves_the_event_pending_and_the_queue_tries_again(
    api_client, order, settings, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SHOP_TASK_RETRY_BACKOFF = 30
    post_body(api_client, json.dumps(intent_event(order, event_id="evt_retry")))
    handler = webhooks.EVENT_HANDLERS["payment_intent.succeeded"]

    def database_gone(record, data):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setitem(webhooks.EVENT_HANDLERS, "payment_intent.succeeded", database_gone)
    run_worker(worker_id="first")
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == ("pending", 1) and "server closed" in event.error
    order.refresh_from_db()
    assert order.status == "pending_payment"

    monkeypatch.setitem(webhooks.EVENT_HANDLERS, "payment_intent.succeeded", handler)
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        run_worker(worker_id="second")  # the retry, after its backoff
    event.refresh_from_db()
    order.refresh_from_db()
    assert (event.status, event.attempts, event.error, order.status) == ("processed", 2, "", "paid")
    processing = DBTaskResult.objects.get(task_path="orders.payments.webhooks.webhook_event_process")
    assert processing.worker_ids == ["first", "second"]


def test_staff_process_a_failed_event_again_once_its_handler_is_fixed(
    client, staff_user, api_client, order, settings, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    handler = webhooks.EVENT_HANDLERS["payment_intent.succeeded"]

    def broken(record, data):
        raise KeyError("amount_capturable")

    monkeypatch.setitem(webhooks.EVENT_HANDLERS, "payment_intent.succeeded", broken)
    post_body(api_client, json.dumps(intent_event(order, event_id="evt_again")))
    run_worker()
    event = WebhookEvent.objects.get()
    assert event.status == "failed"

    monkeypatch.setitem(webhooks.EVENT_HANDLERS, "payment_intent.succeeded", handler)  # the fix deployed
    client.force_login(staff_user)
    page = client.get("/admin/orders/webhookevent/?status__exact=failed").content.decode()
    assert "evt_again" in page and "amount_capturable" in page
    response = client.post(
        "/admin/orders/webhookevent/", {"action": "process_again", "_selected_action": [str(event.pk)]}
    )
    assert response.status_code == 302
    run_worker()
    event.refresh_from_db()
    order.refresh_from_db()
    assert (event.status, order.status) == ("processed", "paid")
