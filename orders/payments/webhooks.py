"""Stripe-shaped payment events: stored at once by id, then applied once by a task, order locked, never backwards.

Both the signed Stripe webhook and the dummy gateway's payment page feed events through
``payment_event_receive``, so development exercises the production path. Receiving only checks the
event's shape and stores it (one row per event id: a repeat is a duplicate); ``webhook_event_process``
applies it later, in a worker, in one transaction with the order it changes, and marks it processed.
An event of the wrong shape, or one whose processing fails on its content, is stored ``failed`` with
the reason and changes nothing; a failure of the database itself leaves it pending for the queue's retry.
"""

import logging
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from orders.fittings.services import fitting_order_paid
from orders.models import Order, Payment, Refund, WebhookEvent
from orders.payments.interface import from_minor_units, to_minor_units
from orders.services.transitions import (
    order_flag,
    order_lock,
    order_transition,
    payment_transition,
    refund_transition,
)
from orders.statuses import OrderStatus, PaymentStatus, RefundStatus, Role, is_allowed
from shop.queue import enqueue_on_commit, is_durable

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 500


def _unstorable_text(text: str) -> bool:
    """NUL characters and lone surrogates: PostgreSQL cannot store them."""
    return "\x00" in text or not text.isascii() and _encodes_badly(text)


def _encodes_badly(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _has_unstorable_text(value: Any) -> bool:
    if isinstance(value, str):
        return _unstorable_text(value)
    if isinstance(value, dict):
        return any(_has_unstorable_text(key) or _has_unstorable_text(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_unstorable_text(item) for item in value)
    return False


def _storable(value: Any) -> Any:
    """Return ``value`` with NUL characters and lone surrogates (unstorable) replaced by U+FFFD."""
    if isinstance(value, str):
        if not _unstorable_text(value):
            return value
        return "".join("\ufffd" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in value)
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def _event_id(event: Any) -> str | None:
    """The event's id when it is one that can be stored and compared, else None."""
    event_id = event.get("id") if isinstance(event, dict) else None
    if not isinstance(event_id, str) or not event_id or _unstorable_text(event_id):
        return None
    return event_id if len(event_id) <= WebhookEvent.EVENT_ID_MAX_LENGTH else None


def webhook_event_problem(event: Any) -> str:
    """Why ``event`` cannot be processed, or "" when it has the shape of an event."""
    if not isinstance(event, dict):
        return "The event is not a JSON object."
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        return "The event has no id (a non-empty string)."
    if len(event_id) > WebhookEvent.EVENT_ID_MAX_LENGTH:
        return f"The event id is longer than {WebhookEvent.EVENT_ID_MAX_LENGTH} characters."
    event_type = event.get("type")
    if not isinstance(event_type, str) or not event_type:
        return "The event has no type (a non-empty string)."
    if len(event_type) > WebhookEvent.TYPE_MAX_LENGTH:
        return f"The event type is longer than {WebhookEvent.TYPE_MAX_LENGTH} characters."
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return "The event's data.object is not a JSON object."
    if _has_unstorable_text(event):
        return "The event contains a NUL character or invalid Unicode."
    return ""


def payment_event_receive(
    *, event: Any, provider: str = "stripe", process_now: bool = False
) -> WebhookEvent | None:
    """Store the event (once per id) and queue its processing; return None for a duplicate.

    An event of the wrong shape is stored failed, with the reason, and not processed. ``process_now``
    applies it in this call instead of a worker (the dummy gateway's payment page shows the result).
    """
    problem = webhook_event_problem(event)
    event_type = event.get("type") if isinstance(event, dict) else None
    durable = is_durable(webhook_event_process.get_backend()) and not process_now
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    provider=provider,
                    event_id=_event_id(event),
                    type=_storable(event_type)[: WebhookEvent.TYPE_MAX_LENGTH]
                    if isinstance(event_type, str)
                    else "",
                    payload=_storable(event),
                    status=WebhookEvent.Status.FAILED if problem else WebhookEvent.Status.PENDING,
                    error=problem,
                )
        except IntegrityError:
            logger.info("Duplicate event %s ignored", _event_id(event))
            return None
        if problem:
            logger.warning("Webhook event %s stored as failed: %s", record.pk, problem)
            return record
        if durable:
            webhook_event_process.enqueue(event_pk=record.pk)
    if process_now:
        webhook_event_process.call(event_pk=record.pk)
    elif not durable:
        webhook_event_process.enqueue(event_pk=record.pk)
    return record


@task()
def webhook_event_process(*, event_pk: int) -> str:
    """Apply one stored event, once; return its status.

    The event row is locked and checked still pending in the transaction that changes the order, so
    two runs (a retry, a second worker) apply it once. A failure caused by its content rolls back what
    it changed and marks it failed with the reason; a database failure leaves it pending and raises,
    for the queue to try again.
    """
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.select_for_update().get(pk=event_pk)
            if record.status != WebhookEvent.Status.PENDING:
                return record.status
            handler = EVENT_HANDLERS.get(record.type)
            record.outcome = handler(record, record.payload["data"]["object"]) if handler else "ignored"
            record.status = WebhookEvent.Status.PROCESSED
            record.processed_at = timezone.now()
            record.attempts += 1
            record.error = ""
            record.save(update_fields=["outcome", "order", "status", "processed_at", "attempts", "error"])
        return record.status
    except OperationalError as error:
        WebhookEvent.objects.filter(pk=event_pk).update(
            attempts=F("attempts") + 1, error=f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
        )
        raise
    except Exception as error:  # noqa: BLE001 - the event's content broke a handler: record why, change nothing
        logger.exception("Webhook event %s could not be processed", event_pk)
        WebhookEvent.objects.filter(pk=event_pk, status=WebhookEvent.Status.PENDING).update(
            status=WebhookEvent.Status.FAILED,
            attempts=F("attempts") + 1,
            error=f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH],
        )
        return WebhookEvent.Status.FAILED


def webhook_events_retry(*, events) -> int:
    """Queue the failed events among ``events`` for processing again (staff, after a fix); return how many."""
    retried = 0
    for record in events.filter(status=WebhookEvent.Status.FAILED):
        if webhook_event_problem(record.payload):
            continue  # its shape is wrong: processing it again cannot succeed
        with transaction.atomic():
            if WebhookEvent.objects.filter(pk=record.pk, status=WebhookEvent.Status.FAILED).update(
                status=WebhookEvent.Status.PENDING, error=""
            ):
                enqueue_on_commit(webhook_event_process, event_pk=record.pk)
                retried += 1
    return retried


def _locked_payment(record: WebhookEvent, intent: dict) -> tuple[Order, Payment] | None:
    """Find the payment by PaymentIntent id (or the order number in its metadata) and lock its order."""
    reference = intent.get("id")
    payment = Payment.objects.filter(provider_reference=reference).first() if reference else None
    if payment is None:
        number = (intent.get("metadata") or {}).get("order_number")
        payment = (
            Payment.objects.filter(order__number=number, provider_reference__isnull=True)
            .order_by("-attempt")
            .first()
            if number
            else None
        )
    if payment is None:
        return None
    order = order_lock(order_id=payment.order_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if not payment.provider_reference and intent.get("id"):
        payment.provider_reference = intent["id"]
    record.order = order
    return order, payment


def _payment_succeeded(record: WebhookEvent, intent: dict) -> str:
    found = _locked_payment(record, intent)
    if found is None:
        return "unmatched"
    order, payment = found
    if payment.status == PaymentStatus.SUCCEEDED:
        return "already_paid"
    received = intent.get("amount_received")
    currency = str(intent.get("currency", "")).upper()
    if received != to_minor_units(payment.amount, payment.currency) or currency != payment.currency.upper():
        payment.failure_reason = f"Received {received} {currency or '?'} (minor units), expected {payment.amount} {payment.currency}."
        payment.save()
        order_flag(
            order=order,
            note=f"Payment {payment.provider_reference}: amount or currency mismatch. {payment.failure_reason}",
        )
        return "amount_mismatch"
    payment_transition(
        payment=payment,
        to_status=PaymentStatus.SUCCEEDED,
        amount_received=from_minor_units(received, currency),
        failure_reason="",
    )
    order.captured_total += payment.amount_received
    order.save(update_fields=["captured_total", "updated_at"])
    if is_allowed(order.status, OrderStatus.PAID, Role.SYSTEM):
        order_transition(
            order=order, to_status=OrderStatus.PAID, note=f"Paid ({payment.provider_reference})."
        )
        fitting_order_paid(order=order)  # custom orthotics: on to the lab (or to wait for the impression)
        return "paid"
    order_flag(
        order=order, note=f"Money received while the order was {order.status}: refund or reinstate it."
    )
    return "paid_after_close"


def _payment_failed(record: WebhookEvent, intent: dict) -> str:
    found = _locked_payment(record, intent)
    if found is None:
        return "unmatched"
    order, payment = found
    if payment.status != PaymentStatus.PENDING:
        payment.save()
        return "stale"
    error = intent.get("last_payment_error") or {}
    payment_transition(
        payment=payment,
        to_status=PaymentStatus.FAILED,
        failure_reason=error.get("message") or "The payment failed.",
    )
    if is_allowed(order.status, OrderStatus.PAYMENT_FAILED, Role.SYSTEM):
        order_transition(order=order, to_status=OrderStatus.PAYMENT_FAILED, note=payment.failure_reason)
        return "payment_failed"
    return "stale"


def _payment_canceled(record: WebhookEvent, intent: dict) -> str:
    found = _locked_payment(record, intent)
    if found is None:
        return "unmatched"
    _order, payment = found
    if not payment_transition(payment=payment, to_status=PaymentStatus.CANCELLED):
        payment.save()  # only its provider reference, when the event brought it
    return "payment_cancelled"


def _refund_event(record: WebhookEvent, refund_data: dict) -> str:
    refund = Refund.objects.filter(provider_reference=refund_data.get("id")).first()
    if refund is None:
        metadata_id = (refund_data.get("metadata") or {}).get("refund_id")
        refund = Refund.objects.filter(pk=metadata_id).first() if str(metadata_id or "").isdigit() else None
    if refund is None:
        return "unmatched"
    record.order_id = refund.order_id
    status = {
        "succeeded": RefundStatus.SUCCEEDED,
        "failed": RefundStatus.FAILED,
        "canceled": RefundStatus.FAILED,
    }
    new_status = status.get(refund_data.get("status"))
    if new_status is None:
        return "refund_pending"
    refund_transition(
        refund=refund,
        to_status=new_status,
        reference=refund_data.get("id"),
        failure_reason=refund_data.get("failure_reason") or "",
    )
    return f"refund_{new_status}"


def _charge_refunded(record: WebhookEvent, charge: dict) -> str:
    outcomes = [_refund_event(record, refund) for refund in (charge.get("refunds") or {}).get("data", [])]
    return ",".join(outcomes)[:40] or "no_refunds"


def _dispute_created(record: WebhookEvent, dispute: dict) -> str:
    payment = Payment.objects.filter(provider_reference=dispute.get("payment_intent")).first()
    if payment is None:
        return "unmatched"
    order = order_lock(order_id=payment.order_id)
    record.order = order
    order_flag(order=order, note=f"Dispute {dispute.get('id')} opened: {dispute.get('reason', 'no reason')}.")
    return "flagged"


EVENT_HANDLERS = {
    "payment_intent.succeeded": _payment_succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "payment_intent.canceled": _payment_canceled,
    "charge.refunded": _charge_refunded,
    "refund.updated": _refund_event,
    "refund.failed": _refund_event,
    "charge.dispute.created": _dispute_created,
}


def dummy_payment_event(*, order: Order, outcome: str) -> dict:
    """Return a Stripe-shaped event for the order's current payment (used with the dummy gateway)."""
    import uuid

    payment = order.payments.order_by("-attempt").first()
    reference = payment.provider_reference if payment else None
    amount = to_minor_units(payment.amount if payment else order.total, order.currency)
    intent = {
        "id": reference,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if outcome == "succeed" else 0,
        "currency": order.currency.lower(),
        "metadata": {"order_number": order.number},
        "status": "succeeded" if outcome == "succeed" else "requires_payment_method",
    }
    if outcome != "succeed":
        intent["last_payment_error"] = {"code": "card_declined", "message": "Your card was declined."}
    return {
        "id": f"evt_dummy_{uuid.uuid4().hex}",
        "object": "event",
        "type": "payment_intent.succeeded" if outcome == "succeed" else "payment_intent.payment_failed",
        "data": {"object": intent},
        "livemode": False,
    }
