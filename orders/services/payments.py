"""Payments and refunds: provider calls outside the row locks, each with an idempotency key.

Refunds and further payment attempts are written locally before the provider is called. A
checkout's first attempt is written just after, once, with the provider's reference: its key
(``order:<number>:pi:1``) makes asking first safe, and saves the checkout a second write.
"""

import logging
from collections.abc import Callable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from orders.exceptions import InvalidInput, PaymentDeclined, PaymentProviderError, RefundExceedsCaptured
from orders.models import ZERO, Order, Payment, Refund
from orders.payments.gateway import get_gateway
from orders.payments.interface import PaymentRequest, PaymentSession, RefundRequest
from orders.services.transitions import (
    Actor,
    actor_user,
    order_flag,
    order_lock,
    order_transition,
    payment_transition,
    refund_transition,
)
from orders.statuses import AWAITING_PAYMENT, OrderStatus, PaymentStatus, RefundStatus, Role, is_allowed

logger = logging.getLogger(__name__)


def payment_start(*, order: Order) -> PaymentSession | None:
    """Start (or resume) taking the order's money; return the session for the front end.

    Repeating it resumes the same attempt with the same idempotency key
    (``order:<number>:pi:<attempt>``), so the provider answers with the same payment. A failed
    attempt is followed by a new one. Returns None when the order no longer waits for payment.
    """
    gateway = get_gateway()
    with transaction.atomic():
        # FOR NO KEY UPDATE: it still queues concurrent calls, but lets the checkout's own first
        # payment row (written without this lock, ``payment_start_first``) check its foreign key
        # meanwhile; a plain FOR UPDATE would deadlock with that row's insert.
        locked = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
        if locked.status not in AWAITING_PAYMENT:
            return None
        payment = locked.payments.order_by("-attempt").first()
        if payment is None or payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELLED):
            if locked.status == OrderStatus.PAYMENT_FAILED:
                locked = order_transition(
                    order=locked, to_status=OrderStatus.PENDING_PAYMENT, note="New payment attempt."
                )
            try:
                with transaction.atomic():
                    payment = Payment.objects.create(
                        order=locked,
                        provider=gateway.name,
                        attempt=payment.attempt + 1 if payment else 1,
                        amount=locked.total,
                        currency=locked.currency,
                    )
            except IntegrityError:  # the checkout wrote this attempt just now: resume it
                payment = locked.payments.order_by("-attempt").first()
    if payment.provider != gateway.name:
        gateway = get_gateway(payment.provider)
    session = _provider_payment_create(gateway=gateway, order=locked, payment=payment, fail=_payment_fail)
    Payment.objects.filter(pk=payment.pk, provider_reference__isnull=True).update(
        provider_reference=session.reference
    )
    return session


def payment_start_first(*, order: Order) -> tuple[PaymentSession | None, Payment | None]:
    """Start the first payment of an order just placed; return the session and the payment row written.

    Call right after the checkout commits, outside its transaction. The provider is asked first,
    with the idempotency key of attempt 1 (``order:<number>:pi:1``), so the row is written once,
    with its reference. A declined payment is recorded as a failed attempt and the order moves to
    ``payment_failed``; a provider failure is recorded as a failed attempt (the next checkout
    replay starts attempt 2). Should a replay of the same checkout have started attempt 1 in the
    meantime, this carries on with that one (``payment_start``) and returns no row.
    """
    gateway = get_gateway()
    payment = Payment(
        order=order, provider=gateway.name, attempt=1, amount=order.total, currency=order.currency
    )
    session = _provider_payment_create(
        gateway=gateway, order=order, payment=payment, fail=_payment_first_fail
    )
    payment.provider_reference = session.reference
    try:
        with transaction.atomic():
            payment.save(force_insert=True)
    except IntegrityError:  # a replay wrote attempt 1 first: resume it (the provider answers the same)
        return payment_start(order=order), None
    return session, payment


def _provider_payment_create(*, gateway, order: Order, payment: Payment, fail) -> PaymentSession:
    """Ask the provider for ``payment`` (its idempotency key makes asking again safe).

    A decline or a provider failure is recorded by ``fail`` (the attempt failed; a decline also
    moves the order to ``payment_failed``) and raised again.
    """
    request = PaymentRequest(
        order_number=order.number,
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=payment.idempotency_key,
        email=order.email,
    )
    try:
        return gateway.create_payment(request)
    except PaymentDeclined as error:
        fail(payment=payment, reason=error.detail, order_status=OrderStatus.PAYMENT_FAILED)
        raise
    except PaymentProviderError as error:
        fail(payment=payment, reason=error.detail, order_status=None)
        raise


def _payment_first_fail(*, payment: Payment, reason: str, order_status: str | None) -> None:
    with transaction.atomic():
        order = order_lock(order_id=payment.order_id)
        if order.payments.filter(attempt=payment.attempt).exists():  # a replay recorded it already
            return
        payment_transition(payment=payment, to_status=PaymentStatus.FAILED, failure_reason=reason)
        if order_status and is_allowed(order.status, order_status, Role.SYSTEM):
            order_transition(order=order, to_status=order_status, note=reason)


def _payment_fail(*, payment: Payment, reason: str, order_status: str | None) -> None:
    with transaction.atomic():
        order = order_lock(order_id=payment.order_id)
        payment_transition(
            payment=Payment.objects.select_for_update().get(pk=payment.pk),
            to_status=PaymentStatus.FAILED,
            failure_reason=reason,
        )
        if order_status and is_allowed(order.status, order_status, Role.SYSTEM):
            order_transition(order=order, to_status=order_status, note=reason)


def order_payments_settle_after_cancel(*, order: Order, actor: Actor = None) -> None:
    """After a cancellation or expiry: void uncaptured payments and refund whatever was captured."""
    for payment in order.payments.filter(status=PaymentStatus.PENDING):
        if payment.provider_reference:
            try:
                get_gateway(payment.provider).cancel_payment(
                    reference=payment.provider_reference, idempotency_key=f"{payment.idempotency_key}:cancel"
                )
            except (PaymentDeclined, PaymentProviderError) as error:
                with transaction.atomic():
                    order_flag(
                        order=order_lock(order_id=order.pk),
                        note=f"Could not void payment {payment.pk}: {error}",
                    )
                continue
        with transaction.atomic():
            payment_transition(
                payment=Payment.objects.select_for_update().get(pk=payment.pk),
                to_status=PaymentStatus.CANCELLED,
            )
    order.refresh_from_db()
    outstanding = refundable_remaining(order=order)
    if outstanding > 0:
        try:
            refund_create(order=order, amount=outstanding, actor=actor, reason="Order cancelled")
        except (PaymentDeclined, PaymentProviderError) as error:
            with transaction.atomic():
                order_flag(
                    order=order_lock(order_id=order.pk), note=f"Refund on cancellation failed: {error}"
                )


def refundable_remaining(*, order: Order) -> Decimal:
    """Return what can still be refunded on the order: captured minus refunds that have not failed.

    Pending refunds count as given back, so two refunds racing for the last euro cannot both pass
    (``refund_record_pending`` asks this under the order's lock).
    """
    committed = (
        Refund.objects.filter(order=order).exclude(status=RefundStatus.FAILED).aggregate(s=Sum("amount"))["s"]
    )
    return order.captured_total - (committed or ZERO)


def refund_create(
    *, order: Order, amount: Decimal, actor: Actor = None, reason: str = "", payment: Payment | None = None
) -> Refund:
    """Refund ``amount`` of the order's captured money: a pending row first, then the provider.

    The amount is checked under the order's lock against captured minus refunds that have not
    failed. The provider is called with idempotency key ``refund:<id>``; a provider failure leaves
    the row pending (safe to retry with the same key) and flags the order.
    """
    refund = refund_record_pending(order=order, amount=amount, actor=actor, reason=reason, payment=payment)
    return refund_submit(refund=refund)


def refund_record_pending(
    *,
    order: Order,
    amount: Decimal,
    actor: Actor = None,
    reason: str = "",
    payment: Payment | None = None,
    check: Callable[[Order], None] | None = None,
) -> Refund:
    """Write a pending refund after checking it against what is still refundable, under the order's lock.

    The first half of ``refund_create``: callers that must tie the refund to their own records in the
    same transaction (a return request) write it here and call ``refund_submit`` after committing.
    ``check``, when given, is called with the locked order once the amount is within what is refundable,
    and raises to refuse it (a return request's policy cap).
    """
    amount = Decimal(amount)
    if amount <= 0:
        raise InvalidInput("A refund must be a positive amount.", code="invalid_amount", attr="amount")
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if amount > refundable_remaining(order=locked):
            raise RefundExceedsCaptured()
        if check is not None:
            check(locked)
        payment = (
            payment or locked.payments.filter(status=PaymentStatus.SUCCEEDED).order_by("-attempt").first()
        )
        if payment is None:
            raise RefundExceedsCaptured()
        return Refund.objects.create(
            order=locked,
            payment=payment,
            amount=amount,
            currency=locked.currency,
            reason=reason,
            created_by=actor_user(actor),
        )


def refund_submit(*, refund: Refund) -> Refund:
    """Send a pending refund to its provider (again, if need be) and record the answer."""
    payment = refund.payment
    try:
        result = get_gateway(payment.provider).refund(
            RefundRequest(
                payment_reference=payment.provider_reference or "",
                amount=refund.amount,
                currency=refund.currency,
                idempotency_key=refund.idempotency_key,
                metadata={"order_number": refund.order.number, "refund_id": str(refund.pk)},
            )
        )
    except PaymentDeclined as error:
        return refund_transition(refund=refund, to_status=RefundStatus.FAILED, failure_reason=error.detail)
    except PaymentProviderError:
        with transaction.atomic():
            order_flag(
                order=order_lock(order_id=refund.order_id),
                note=f"Refund {refund.pk} not confirmed by the provider.",
            )
        raise
    return refund_transition(
        refund=refund,
        to_status=result.status,
        reference=result.reference,
        failure_reason=result.failure_reason,
    )
