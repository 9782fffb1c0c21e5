"""The one way an order's, a payment's or a refund's status changes: check the table, record the change.

Order statuses and their table are in ``orders.statuses`` (``TRANSITIONS``; creation is the move
from ``""``), with who did it and when in the order's history; payment and refund statuses in
``PAYMENT_TRANSITIONS`` and ``REFUND_TRANSITIONS``. Nothing outside this module assigns
``Order.status``, ``Payment.status`` or ``Refund.status`` (docs/architecture.md). The operations built on these
(cancel, ship, deliver, expire, pay, refund) live in ``orders.services.orders`` and
``orders.services.payments``.
"""

import logging
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.discounts.usage import discount_use_release
from orders.exceptions import InvalidTransition, OrderNotFound
from orders.invoices.exceptions import CreditExceedsInvoice, TaxRateMissing
from orders.invoices.models import CreditNote
from orders.invoices.services import credit_note_issue, invoice_issue
from orders.models import Order, OrderStatusChange, Payment, Refund
from orders.notifications import order_notify_on_commit
from orders.statuses import (
    NOTIFY,
    PAYMENT_TRANSITIONS,
    REFUND_TRANSITIONS,
    TIMESTAMP_FIELD,
    PaymentStatus,
    RefundStatus,
    Role,
    is_allowed,
)

logger = logging.getLogger(__name__)

# Who asks for a change: a user, an anonymous visitor (a guest), or nobody (the system).
Actor = AbstractBaseUser | AnonymousUser | None


def actor_user(actor: Actor) -> AbstractBaseUser | None:
    """Return the actor as a user to record, or None for guests and the system."""
    return actor if getattr(actor, "is_authenticated", False) else None


def order_lock(*, order_id: int) -> Order:
    """Return the order with its row locked until the current transaction ends."""
    try:
        return Order.objects.select_for_update().get(pk=order_id)
    except Order.DoesNotExist as error:
        raise OrderNotFound() from error


def order_create(
    *, order: Order, to_status: str, actor: Actor = None, role: str, note: str, at: datetime | None = None
) -> OrderStatusChange:
    """Insert a new order in its first status, if the table lets ``role`` create one there; return its history row.

    Creation is the table's move from ``""``: checkout places orders in ``pending_payment`` (the
    customer), a replacement starts ``paid`` (staff: there is nothing to pay). Call inside the
    transaction that writes the order's lines. ``at`` is when it happened (default now).
    """
    if not is_allowed("", to_status, role):
        raise InvalidTransition(from_status="", to_status=to_status)
    at = at or timezone.now()
    order.status = to_status
    if to_status in TIMESTAMP_FIELD:
        setattr(order, TIMESTAMP_FIELD[to_status], at)
    order.save(force_insert=True)
    return OrderStatusChange.objects.create(
        order=order,
        from_status="",
        to_status=to_status,
        actor=actor_user(actor),
        role=role,
        note=note,
        created_at=at,
    )


def order_transition(
    *,
    order: Order,
    to_status: str,
    actor: Actor = None,
    role: str = Role.SYSTEM,
    note: str = "",
    changes: dict | None = None,
    at: datetime | None = None,
) -> Order:
    """Move the order to ``to_status`` if the table allows it for ``role``, record it; return the locked order.

    ``changes`` are further fields saved with the status (tracking number, reason); ``at`` is the
    time stored in the status's own field (``delivered_at``...), default now; the history row always
    records when the change was made. An order with a discount code that ends cancelled or expired
    gives the code's use back in the same transaction (``orders.discounts.usage``). Raises
    ``InvalidTransition`` (409) when the table says no.
    """
    now = timezone.now()
    at = at or now
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if not is_allowed(locked.status, to_status, role):
            raise InvalidTransition(from_status=locked.status, to_status=to_status)
        from_status = locked.status
        locked.status = to_status
        update_fields = ["status", "updated_at"]
        if to_status in TIMESTAMP_FIELD:
            setattr(locked, TIMESTAMP_FIELD[to_status], at)
            update_fields.append(TIMESTAMP_FIELD[to_status])
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
            update_fields.append(field)
        locked.save(update_fields=update_fields)
        discount_use_release(order=locked, from_status=from_status)
        change = OrderStatusChange.objects.create(
            order=locked,
            from_status=from_status,
            to_status=to_status,
            actor=actor_user(actor),
            role=role,
            note=note,
            created_at=now,
        )
        if to_status in NOTIFY:
            order_notify_on_commit(order_id=locked.pk, notification=to_status, change_id=change.pk)
    for field in update_fields:  # keep the caller's instance in step
        setattr(order, field, getattr(locked, field))
    return locked


def order_flag(*, order: Order, note: str) -> None:
    """Mark the order for staff attention with a note (call with the order locked)."""
    stamp = timezone.now().isoformat(timespec="seconds")
    order.needs_attention = True
    order.attention_note = f"{order.attention_note}\n{stamp} {note}".strip()
    order.save(update_fields=["needs_attention", "attention_note", "updated_at"])
    logger.warning("Order %s flagged: %s", order.number, note)


def payment_transition(*, payment: Payment, to_status: str, **changes) -> bool:
    """Move a payment attempt to ``to_status`` if ``PAYMENT_TRANSITIONS`` allows it; return whether it moved.

    Call with the payment locked (or just created, unsaved: its first status is then written with
    it, from ``pending``). ``changes`` are further fields saved with it (``failure_reason``,
    ``amount_received``). A move the table does not list changes and saves nothing: a late or
    repeated provider event must not. A payment that succeeds issues the order's invoice in the same
    transaction (``orders.invoices.services.invoice_issue``; call inside one, the order locked).
    """
    if (payment.status, to_status) not in PAYMENT_TRANSITIONS:
        return False
    payment.status = to_status
    for field, value in changes.items():
        setattr(payment, field, value)
    payment.save(force_insert=payment._state.adding)
    if to_status == PaymentStatus.SUCCEEDED:
        try:
            invoice_issue(payment=payment)
        except TaxRateMissing as error:  # the money is recorded all the same; staff set the rate
            order_flag(order=order_lock(order_id=payment.order_id), note=f"No invoice issued: {error.detail}")
    return True


def refund_transition(
    *, refund: Refund, to_status: str, reference: str | None = None, failure_reason: str = ""
) -> Refund:
    """Record a refund's new status (the provider's answer, an event) and keep the order's refunded total.

    Takes the order's lock, then the refund's. A move the table (``REFUND_TRANSITIONS``) does not
    list is ignored, as a late or repeated provider event must be: the refund is returned as it
    stands. A refund that fails flags its order for staff. A refund that succeeds issues its credit
    note in the same transaction (``orders.invoices.services.credit_note_issue``).
    """
    with transaction.atomic():
        order = order_lock(order_id=refund.order_id)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if reference and not refund.provider_reference:
            refund.provider_reference = reference
        previous = refund.status
        if (previous, to_status) in REFUND_TRANSITIONS:
            refund.status = to_status
            refund.failure_reason = failure_reason
            if to_status == RefundStatus.SUCCEEDED:
                Order.objects.filter(pk=order.pk).update(refunded_total=F("refunded_total") + refund.amount)
                try:
                    credit_note_issue(refund=refund)
                except CreditExceedsInvoice as error:
                    order_flag(order=order, note=f"No credit note issued: {error.detail}")
            elif previous == RefundStatus.SUCCEEDED:
                Order.objects.filter(pk=order.pk).update(refunded_total=F("refunded_total") - refund.amount)
                credit_note = CreditNote.objects.filter(refund=refund).first()
                if credit_note is not None:  # documents are never changed: the accountant corrects it
                    order_flag(
                        order=order,
                        note=f"Refund {refund.pk} failed after credit note {credit_note.number} was issued.",
                    )
            if to_status == RefundStatus.FAILED:
                order_flag(
                    order=order, note=f"Refund {refund.pk} failed: {failure_reason or 'no reason given'}"
                )
        refund.save()
    return refund
