"""Apply Stripe-shaped payment events: stored once by id, order locked, never moving backwards.

Both the signed Stripe webhook and the dummy gateway's payment page feed events through
``payment_event_receive``, so development exercises the production path.
"""

import logging

from django.db import IntegrityError, transaction

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

logger = logging.getLogger(__name__)


def payment_event_receive(*, event: dict, provider: str = "stripe") -> WebhookEvent | None:
    """Store the event by its unique id and apply it; return None for a duplicate (nothing happens)."""
    event_type = event.get("type", "")
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    provider=provider, event_id=event["id"], type=event_type, payload=event
                )
        except IntegrityError:
            logger.info("Duplicate event %s ignored", event.get("id"))
            return None
        handler = EVENT_HANDLERS.get(event_type)
        data = (event.get("data") or {}).get("object") or {}
        record.outcome = handler(record, data) if handler else "ignored"
        record.save(update_fields=["outcome", "order"])
    return record


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
