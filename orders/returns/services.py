"""Returns and replacements (``docs/policy.md``): create, approve, reject, receive, refund, replace, close, cancel;
and the erasure of what a customer sent with their requests (docs/privacy.md).

Every status change goes through ``return_request_transition``, which locks the request, checks the
table in ``orders.returns.statuses`` and records a ``ReturnStatusChange``; the customer's email goes out
after commit. Windows, quantities and refund amounts are decided by the pure functions of
``orders.returns.policy``. Locks are always taken in the same order: request, then order (refunds), then
order lines or variants in primary-key order.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from catalogue.choices import ProductKind
from catalogue.images import validated_renditions
from catalogue.models import ProductVariant
from catalogue.pricing import variant_price
from catalogue.stock import is_sellable
from orders.discounts.policy import allocate
from orders.exceptions import InvalidInput, ReasonRequired, RefundExceedsCaptured
from orders.fittings.services import fitting_carry_forward, fitting_order_paid
from orders.models import ZERO, Order, OrderLine, Refund
from orders.outcomes.services import return_lines_outcome_refresh
from orders.redaction import redact
from orders.returns import policy
from orders.returns.exceptions import (
    RETURN_REFUSALS,
    WITHDRAWAL_DETAILS,
    DeductionRefused,
    InvalidReplacementSku,
    InvalidReturnLine,
    InvalidReturnReason,
    InvalidReturnTransition,
    RefundExceedsPolicy,
    ReturnRequestNotFound,
    TooManyPhotos,
)
from orders.returns.models import ReturnLine, ReturnPhoto, ReturnRequest, ReturnStatusChange
from orders.returns.notifications import return_notify_on_commit
from orders.returns.selectors import (
    claimed_quantities,
    line_terms,
    refund_to_resend,
    return_request_refund_quote,
    return_request_refund_repeatable,
    shop_tz,
    units_refunded_before,
)
from orders.returns.statuses import RETURN_OPEN, RETURN_RELEASED, ReturnKind, ReturnStatus, return_is_allowed
from orders.services.orders import order_ship
from orders.services.payments import payment_start, refund_record_pending, refund_submit
from orders.services.stock import stock_release, stock_reserve
from orders.services.transitions import Actor, actor_user, order_create
from orders.statuses import OrderStatus, Role
from shop.files import files_delete_on_commit

logger = logging.getLogger(__name__)

MAX_PHOTOS = 10
REASONS = {
    ReturnKind.RETURN: policy.RETURN_REASONS,
    ReturnKind.REPLACEMENT: policy.REPLACEMENT_REASONS,
    ReturnKind.WITHDRAWAL: policy.WITHDRAWAL_REASONS,
    ReturnKind.EXCHANGE: policy.EXCHANGE_REASONS,
}


@dataclass(frozen=True)
class ReturnLineInput:
    line_id: int
    quantity: int
    replacement_sku: str = ""


@dataclass(frozen=True)
class ReceivedLineInput:
    quantity: int
    restock: bool = False


# --- the one transition function ----------------------------------------------------------------------
def return_request_lock(*, return_request_id: int) -> ReturnRequest:
    try:
        return ReturnRequest.objects.select_for_update().get(pk=return_request_id)
    except ReturnRequest.DoesNotExist as error:
        raise ReturnRequestNotFound() from error


def return_request_transition(
    *,
    return_request: ReturnRequest,
    to_status: str,
    actor: Actor = None,
    role: str = Role.STAFF,
    note: str = "",
    changes: dict | None = None,
) -> ReturnRequest:
    """Move the request to ``to_status`` if the table allows it for ``role``, record it, email after commit.

    Returns the locked, updated request (the caller's instance is kept in step). Raises
    ``InvalidReturnTransition`` (409 ``invalid_transition``) when the table says no.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = return_request_lock(return_request_id=return_request.pk)
        if not return_is_allowed(locked.status, to_status, role, locked.kind):
            raise InvalidReturnTransition(from_status=locked.status, to_status=to_status)
        from_status = locked.status
        locked.status = to_status
        update_fields = ["status", "updated_at"]
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
            update_fields.append(field)
        locked.save(update_fields=update_fields)
        change = ReturnStatusChange.objects.create(
            return_request=locked,
            from_status=from_status,
            to_status=to_status,
            actor=actor_user(actor),
            role=role,
            note=note,
            created_at=now,
        )
        return_notify_on_commit(return_request_id=locked.pk, notification=to_status, change_id=change.pk)
        if to_status in RETURN_RELEASED and from_status not in RETURN_RELEASED:
            # A cancelled or rejected request no longer says anything about the fit.
            return_lines_outcome_refresh(order_line_ids=locked.lines.values_list("order_line_id", flat=True))
    for field in update_fields:
        setattr(return_request, field, getattr(locked, field))
    return locked


# --- create -------------------------------------------------------------------------------------------
def return_request_create(
    *,
    order: Order,
    kind: str,
    lines: list[ReturnLineInput],
    reason: str,
    comment: str = "",
    actor: Actor = None,
    role: str = Role.CUSTOMER,
    goodwill_reason: str = "",
    requested_at: datetime | None = None,
) -> ReturnRequest:
    """Ask to return, withdraw from or replace some units of a delivered order's lines.

    A withdrawal needs no reason (``reason`` may be empty: it is recorded as ``withdrawal``) and its
    refund is due by ``refund_due_by``, the law's days after the request. A fault reported after the
    promise is accepted where the law of the line still covers it (``policy.request_refusal``). The order's requested lines are locked in primary-key order, so two requests sent at once for the
    same units cannot both pass: the second sees the first's units and gets
    ``quantity_exceeds_remaining``. Staff may give a ``goodwill_reason`` to accept it outside the windows.
    """
    requested_at = requested_at or timezone.now()  # when the request reached the shop
    if kind not in REASONS:
        raise InvalidInput(
            "Kind must be return, withdrawal, replacement or exchange.", code="invalid_choice", attr="kind"
        )
    if kind == ReturnKind.WITHDRAWAL and not reason:
        reason = policy.WITHDRAWAL_REASON
    if reason not in REASONS[kind]:
        raise InvalidReturnReason(attr="reason")
    goodwill_reason = goodwill_reason.strip()
    if goodwill_reason and role != Role.STAFF:
        raise InvalidInput("Only staff can accept a request as goodwill.", code="invalid", attr="goodwill")
    if not lines:
        raise InvalidReturnLine("Name at least one line.", attr="lines")
    wanted = {item.line_id: item for item in lines}
    if len(wanted) != len(lines):
        raise InvalidReturnLine("Each line may be named once.", attr="lines")
    tz = shop_tz()
    with transaction.atomic():
        locked_lines = list(
            OrderLine.objects.select_for_update(of=("self",))
            .select_related("product", "variant")
            .filter(order=order, pk__in=wanted)
            .order_by("pk")
        )
        if len(locked_lines) != len(wanted):
            raise InvalidReturnLine("This order has no such line.", attr="lines")
        claimed = claimed_quantities(line_ids=list(wanted))
        deadlines: list[datetime] = []
        refund_due_days: list[int] = []
        new_lines: list[ReturnLine] = []
        for line in locked_lines:
            item = wanted[line.pk]
            eligibility = policy.line_eligibility(
                terms=line_terms(line, claimed.get(line.pk, 0)), requested_at=requested_at, tz=tz
            )
            judged = policy.exchange_judged_as(reason) if kind == ReturnKind.EXCHANGE else kind
            refusal = policy.request_refusal(
                eligibility=eligibility,
                kind=judged,
                quantity=item.quantity,
                goodwill=bool(goodwill_reason),
                reason=reason,
            )
            if refusal:
                detail = RETURN_REFUSALS[refusal].default_detail
                if kind == ReturnKind.WITHDRAWAL:
                    detail = WITHDRAWAL_DETAILS.get(refusal, detail)
                raise RETURN_REFUSALS[refusal](f"{line.sku}: {detail}", attr="lines", line_id=line.pk)
            deadline = policy.request_deadline(eligibility=eligibility, kind=judged, reason=reason)
            if deadline:
                deadlines.append(deadline)
            if kind == ReturnKind.WITHDRAWAL:
                refund_due_days.append(policy.Law.from_json(line.statutory_rights).refund_due_days)
            variant = None
            if kind == ReturnKind.REPLACEMENT:
                variant = _replacement_variant(line=line, sku=item.replacement_sku)
            elif kind == ReturnKind.EXCHANGE:
                variant = _exchange_variant(sku=item.replacement_sku)
            elif item.replacement_sku:
                raise InvalidReplacementSku("A return has no replacement size.", attr="lines")
            new_lines.append(
                ReturnLine(
                    order_line=line,
                    quantity=item.quantity,
                    replacement_variant=variant,
                    replacement_sku=variant.sku if variant else "",
                )
            )
        request = ReturnRequest.objects.create(
            order=order,
            kind=kind,
            reason=reason,
            comment=comment,
            requested_at=requested_at,
            window_closes_at=min(deadlines) if deadlines else None,
            refund_due_by=policy.refund_due_by(
                requested_at=requested_at, days=min(refund_due_days) if refund_due_days else 0, tz=tz
            ),
            goodwill_reason=goodwill_reason,
            goodwill_by=actor_user(actor) if goodwill_reason else None,
            created_by=actor_user(actor),
        )
        for new_line in new_lines:
            new_line.return_request = request
        ReturnLine.objects.bulk_create(new_lines)
        # A fit reason or a defect is evidence for the rankings (docs/matching.md).
        return_lines_outcome_refresh(order_line_ids=[new_line.order_line_id for new_line in new_lines])
        change = ReturnStatusChange.objects.create(
            return_request=request,
            from_status="",
            to_status=ReturnStatus.REQUESTED,
            actor=actor_user(actor),
            role=role,
            note=f"Goodwill: {goodwill_reason}" if goodwill_reason else comment,
            created_at=timezone.now(),
        )
        return_notify_on_commit(
            return_request_id=request.pk, notification=ReturnStatus.REQUESTED, change_id=change.pk
        )
    return request


def _exchange_variant(*, sku: str) -> ProductVariant:
    """Return what an exchange sends instead: any size on sale of any product, save a custom orthotic
    (made to a fitting, it is bought through checkout)."""
    variant = ProductVariant.objects.select_related("product").filter(sku=sku).first() if sku else None
    if variant is None or not is_sellable(variant) or variant.product.kind == ProductKind.CUSTOM_ORTHOTIC:
        raise InvalidReplacementSku(
            "Name the size on sale to exchange for (replacement_sku); custom orthotics are ordered anew.",
            attr="lines",
        )
    return variant


def _replacement_variant(*, line: OrderLine, sku: str) -> ProductVariant:
    """Return the variant to send instead of ``line``: the same one, or another size of the same product."""
    if not sku:
        if line.variant is None or not line.variant.is_active:
            raise InvalidReplacementSku("This size is no longer sold: choose another one.", attr="lines")
        return line.variant
    variant = ProductVariant.objects.filter(sku=sku, is_active=True).first()
    if variant is None or line.product_id is None or variant.product_id != line.product_id:
        raise InvalidReplacementSku(attr="lines")
    return variant


# --- staff decisions ----------------------------------------------------------------------------------
def return_request_approve(*, return_request: ReturnRequest, actor: Actor, note: str = "") -> ReturnRequest:
    """Accept a request that is ``requested`` (staff)."""
    if return_request.status == ReturnStatus.REJECTED:  # re-opening a rejection is goodwill, with a reason
        raise InvalidReturnTransition(
            from_status=ReturnStatus.REJECTED,
            to_status=ReturnStatus.APPROVED,
            detail="A rejected request can be accepted only as goodwill, with a reason.",
        )
    if return_request.kind == ReturnKind.EXCHANGE:
        with transaction.atomic():
            locked = return_request_transition(
                return_request=return_request,
                to_status=ReturnStatus.APPROVED,
                actor=actor,
                note=note or "Approved.",
            )
            _exchange_order_create(return_request=locked, actor=actor)
        return_request.refresh_from_db()
        return locked
    return return_request_transition(
        return_request=return_request, to_status=ReturnStatus.APPROVED, actor=actor, note=note or "Approved."
    )


def return_request_reject(*, return_request: ReturnRequest, actor: Actor, reason: str) -> ReturnRequest:
    """Refuse a request with a reason the customer sees; its units count as available again."""
    if not reason.strip():
        raise ReasonRequired(attr="reason")
    return return_request_transition(
        return_request=return_request,
        to_status=ReturnStatus.REJECTED,
        actor=actor,
        note=reason,
        changes={"rejection_reason": reason.strip()},
    )


def return_request_goodwill_approve(
    *, return_request: ReturnRequest, actor: Actor, reason: str
) -> ReturnRequest:
    """Accept a request outside the rules (a requested one, or re-open a rejected one), recording why.

    Re-opening a rejected request takes its units back: the quantity rule still holds.
    """
    reason = reason.strip()
    if not reason:
        raise ReasonRequired(attr="reason")
    with transaction.atomic():
        locked = return_request_lock(return_request_id=return_request.pk)
        if locked.status == ReturnStatus.REJECTED:
            lines = list(locked.lines.all())
            order_lines = {
                line.pk: line
                for line in OrderLine.objects.select_for_update()
                .filter(pk__in=[item.order_line_id for item in lines])
                .order_by("pk")
            }
            claimed = claimed_quantities(line_ids=list(order_lines), exclude_request_id=locked.pk)
            for item in lines:
                line = order_lines[item.order_line_id]
                if item.quantity > line.quantity - claimed.get(line.pk, 0):
                    raise RETURN_REFUSALS[policy.QUANTITY_EXCEEDS_REMAINING](attr="lines", line_id=line.pk)
        locked = return_request_transition(
            return_request=locked,
            to_status=ReturnStatus.APPROVED,
            actor=actor,
            note=f"Goodwill: {reason}",
            changes={"goodwill_reason": reason, "goodwill_by": actor_user(actor)},
        )
        if locked.kind == ReturnKind.EXCHANGE:
            _exchange_order_create(return_request=locked, actor=actor)
    return_request.refresh_from_db()
    return locked


def return_request_receive(
    *,
    return_request: ReturnRequest,
    actor: Actor,
    received: dict[int, ReceivedLineInput] | None = None,
    note: str = "",
) -> ReturnRequest:
    """Record the items back (staff): per line how many units arrived and whether they go back to stock.

    ``received`` maps return line ids to what arrived; lines left out arrived in full and are not
    restocked (the default: worn insoles are not resold). Restocked units are added with ``F()``.
    """
    received = received or {}
    with transaction.atomic():
        locked = return_request_lock(return_request_id=return_request.pk)
        if not return_is_allowed(locked.status, ReturnStatus.RECEIVED, Role.STAFF, locked.kind):
            raise InvalidReturnTransition(from_status=locked.status, to_status=ReturnStatus.RECEIVED)
        lines = list(locked.lines.select_related("order_line"))
        if set(received) - {line.pk for line in lines}:
            raise InvalidReturnLine("This request has no such line.", attr="lines")
        restock: dict[int, int] = {}
        summary = []
        for line in lines:
            decision = received.get(line.pk, ReceivedLineInput(quantity=line.quantity))
            if not 0 <= decision.quantity <= line.quantity:
                raise InvalidInput(
                    f"Between 0 and {line.quantity} units of {line.order_line.sku} can arrive.",
                    code="invalid_quantity",
                    attr="lines",
                )
            line.received_quantity = decision.quantity
            line.restock = decision.restock and decision.quantity > 0
            line.save(update_fields=["received_quantity", "restock"])
            if line.restock and line.order_line.variant_id:
                restock[line.order_line.variant_id] = (
                    restock.get(line.order_line.variant_id, 0) + decision.quantity
                )
            summary.append(
                f"{decision.quantity}/{line.quantity} × {line.order_line.sku}"
                f" {'restocked' if line.restock else 'written off'}"
            )
        if restock:
            stock_release(quantities=restock)
        pending = None
        if locked.kind == ReturnKind.EXCHANGE:
            pending, settled = _exchange_refund_difference(return_request=locked, actor=actor)
            summary.append(settled)
        locked = return_request_transition(
            return_request=locked,
            to_status=ReturnStatus.RECEIVED,
            actor=actor,
            note="; ".join(filter(None, [note, ", ".join(summary)])),
        )
    if pending is not None:  # the provider is called after commit, outside the locks
        refund_submit(refund=pending)
    return_request.refresh_from_db()
    return locked


def return_request_refund(
    *, return_request: ReturnRequest, actor: Actor, amount: Decimal | None = None, note: str = ""
) -> ReturnRequest:
    """Refund the request (staff): the policy's amount by default, capped at what is still refundable.

    A replacement request may be refunded instead when the replacement cannot be made, whatever the
    date (a ``note`` saying why is required). Staff may refund less than the policy's amount, never
    more: above what is still refundable is ``refund_exceeds_captured``, above what the policy gives back
    for the request ``refund_exceeds_policy``, both checked under the order's lock in the same
    transaction that writes the pending refund (``refund_record_pending``). A repeated action
    never refunds twice: a request already refunded is refused, or, when its refund is still pending at
    the provider, that same refund is sent again with the same idempotency key.
    """
    pending: Refund | None = None
    with transaction.atomic():
        locked = return_request_lock(return_request_id=return_request.pk)
        refunds = list(locked.refunds.all())
        if locked.status == ReturnStatus.REFUNDED:
            pending = refund_to_resend(refunds=refunds)
            if not return_request_refund_repeatable(refunds=refunds):
                raise InvalidReturnTransition(
                    from_status=locked.status,
                    to_status=ReturnStatus.REFUNDED,
                    detail=f"Request {locked.pk} has already been refunded.",
                )
        elif not return_is_allowed(locked.status, ReturnStatus.REFUNDED, Role.STAFF, locked.kind):
            raise InvalidReturnTransition(from_status=locked.status, to_status=ReturnStatus.REFUNDED)
        if (
            locked.kind == ReturnKind.REPLACEMENT
            and not note.strip()
            and locked.status != ReturnStatus.REFUNDED
        ):
            raise ReasonRequired("Say why the replacement cannot be made.", attr="note")
        if locked.replacement_order_id:
            raise InvalidReturnTransition(
                from_status=locked.status,
                to_status=ReturnStatus.REFUNDED,
                detail="A replacement order already exists for this request.",
            )
        if pending is None:
            quote = return_request_refund_quote(return_request=locked)
            amount = quote.total if amount is None else Decimal(amount)
            if amount < 0 or (amount == 0 and quote.due > 0 and quote.refundable > 0):
                raise InvalidInput(
                    "A refund must be a positive amount.", code="invalid_amount", attr="amount"
                )
            if amount > 0:

                def within_policy(order: Order) -> None:
                    """Refuse more than the policy gives back: run under the order's lock, before the write."""
                    capped = return_request_refund_quote(return_request=locked, order=order)
                    if not policy.refund_within_policy(quote=capped, amount=amount):
                        raise RefundExceedsPolicy(amount=amount, allowed=capped.total)

                pending = refund_record_pending(
                    order=locked.order,
                    amount=amount,
                    actor=actor,
                    reason=f"Return request {locked.pk}",
                    check=within_policy,
                )
                locked.refunds.add(pending)
            elif quote.due > 0:
                raise RefundExceedsCaptured()
            text = f"Refund of {amount} {locked.order.currency}."
            if locked.kind == ReturnKind.REPLACEMENT:
                text = f"Refunded instead of a replacement: {note.strip()}. {text}"
            elif note:
                text = f"{note} {text}"
            if locked.status == ReturnStatus.REFUNDED:  # the earlier refund failed: a new one, same status
                text = f"Retried. {text}"
            locked = return_request_transition(
                return_request=locked, to_status=ReturnStatus.REFUNDED, actor=actor, note=text
            )
    if pending is not None:  # the provider is called after commit, outside the locks
        refund_submit(refund=pending)
    return_request.refresh_from_db()
    return return_request


def return_line_deduct(
    *, return_request: ReturnRequest, line_id: int, amount: Decimal, reason: str, actor: Actor
) -> ReturnLine:
    """Deduct from a withdrawal's refund for diminished value on one of its lines (staff).

    Only on a withdrawal not yet refunded; the amount is never negative nor above the price of the
    line's units in the request (``invalid_amount``), and a deduction needs a written reason
    (``reason_required``). Zero removes it. Who and when are recorded on the line.
    """
    with transaction.atomic():
        locked = return_request_lock(return_request_id=return_request.pk)
        if locked.kind != ReturnKind.WITHDRAWAL or locked.status not in RETURN_OPEN:
            raise InvalidReturnTransition(
                from_status=locked.status,
                to_status=locked.status,
                detail="Deductions apply only to a withdrawal that has not been refunded yet.",
            )
        line = (
            locked.lines.select_related("order_line")
            .select_for_update(of=("self",))
            .filter(pk=line_id)
            .first()
        )
        if line is None:
            raise InvalidReturnLine("This request has no such line.", attr="line")
        units = line.received_quantity if line.received_quantity is not None else line.quantity
        price = policy.RefundLine(
            unit_price=line.order_line.unit_price,
            quantity=units,
            ordered_quantity=line.order_line.quantity,
            paid_total=line.order_line.paid_total,
        ).price
        refusal = policy.deduction_refusal(amount=amount, reason=reason, line_price=price)
        if refusal == "reason_required":
            raise ReasonRequired("Say why the item lost value.", attr="reason")
        if refusal:
            raise DeductionRefused(
                f"A deduction on {line.order_line.sku} is between 0 and {price} {locked.order.currency}.",
                attr="amount",
            )
        line.deduction = Decimal(amount).quantize(Decimal("0.01"))
        line.deduction_reason = reason.strip() if line.deduction else ""
        line.deduction_by = actor_user(actor)
        line.deduction_at = timezone.now()
        line.save(update_fields=["deduction", "deduction_reason", "deduction_by", "deduction_at"])
    return line


# --- replacement --------------------------------------------------------------------------------------
def return_request_replace(
    *,
    return_request: ReturnRequest,
    actor: Actor,
    carrier: str = "",
    tracking_number: str = "",
    note: str = "",
) -> Order:
    """Create the replacement order (once) and, given a carrier and tracking number, ship it.

    The replacement is a zero-charge order linked to the original (``replacement_for``) that takes
    stock like any order (409 ``insufficient_stock``). Its lines are not returnable (not paid for) but
    have their own replacement window from their own delivery. A custom-orthotic remake may be created
    first and shipped later, when it has been made: run this again with the tracking number.
    """
    with transaction.atomic():
        locked = return_request_lock(return_request_id=return_request.pk)
        if not return_is_allowed(locked.status, ReturnStatus.REPLACEMENT_SHIPPED, Role.STAFF, locked.kind):
            raise InvalidReturnTransition(
                from_status=locked.status, to_status=ReturnStatus.REPLACEMENT_SHIPPED
            )
        order = locked.replacement_order or _replacement_order_create(return_request=locked, actor=actor)
        if carrier and tracking_number:
            order_ship(order=order, actor=actor, carrier=carrier, tracking_number=tracking_number)
            return_request_transition(
                return_request=locked,
                to_status=ReturnStatus.REPLACEMENT_SHIPPED,
                actor=actor,
                note=note
                or f"Replacement order {order.number} shipped with {carrier}, tracking {tracking_number}.",
            )
    return_request.refresh_from_db()
    order.refresh_from_db()
    return order


def _order_for(original: Order, *, subtotal: Decimal, discount_total: Decimal, total: Decimal) -> Order:
    """A new (unsaved) order linked to ``original`` (``replacement_for``), to the same customer and address,
    with the same shipping method and no shipping charge: what a replacement or an exchange sends."""
    return Order(
        user=original.user,
        email=original.email,
        currency=original.currency,
        subtotal=subtotal,
        discount_total=discount_total,
        shipping_total=ZERO,
        total=total,
        shipping_address=original.shipping_address,
        billing_address=original.billing_address,
        shipping_method_code=original.shipping_method_code,
        shipping_method_name=original.shipping_method_name,
        replacement_for=original,
    )


def _replacement_order_create(*, return_request: ReturnRequest, actor: Actor) -> Order:
    original = return_request.order
    items = list(
        return_request.lines.select_related("order_line", "replacement_variant__product").order_by("pk")
    )
    if any(item.replacement_variant is None for item in items):
        raise InvalidReplacementSku("The replacement size is no longer sold: refund instead.", attr="lines")
    quantities: dict[int, int] = {}
    for item in items:
        quantities[item.replacement_variant_id] = (
            quantities.get(item.replacement_variant_id, 0) + item.quantity
        )
    variants = stock_reserve(quantities=quantities)
    order = _order_for(original, subtotal=ZERO, discount_total=ZERO, total=ZERO)
    # Nothing to pay: it starts where a paid order waits for shipment (the table's staff creation).
    order_create(
        order=order,
        to_status=OrderStatus.PAID,
        actor=actor,
        role=Role.STAFF,
        note=f"Replacement for order {original.number} (request {return_request.pk}), no charge.",
    )
    pairs = []
    for item in items:
        variant = variants[item.replacement_variant_id]
        product = variant.product
        line = OrderLine.objects.create(
            order=order,
            variant=variant,
            product=product,
            product_kind=product.kind,
            product_name=product.name,
            sku=variant.sku,
            size_label=variant.size_label,
            quantity=item.quantity,
            unit_price=ZERO,
            line_total=ZERO,
            returnable=False,  # not paid for: no refund window
            return_days=0,
            replacement_days=product.return_policy().replacement_days,
            # Not a new sale: no withdrawal and no short-term rejection, the legal guarantee still runs.
            statutory_rights=policy.replacement_law(
                policy.Law.from_json(item.order_line.statutory_rights)
            ).to_json(),
        )
        pairs.append((item, line))
    return_request.replacement_order = order
    return_request.save(update_fields=["replacement_order", "updated_at"])
    remakes = [(item, line) for item, line in pairs if line.product_kind == ProductKind.CUSTOM_ORTHOTIC]
    for item, line in remakes:
        fitting_carry_forward(
            original_line=item.order_line, replacement_line=line, comment=return_request.comment
        )
    if remakes:
        order = fitting_order_paid(order=order)  # a remake goes to the lab before it can ship
    return order


# --- exchange -----------------------------------------------------------------------------------------
def return_request_exchange_quote(
    *, return_request: ReturnRequest, received: bool = False
) -> policy.ExchangeQuote:
    """Return what the exchange settles: the new items at today's price against what the units sent
    back actually paid (``received``: the units recorded as received; otherwise those requested)."""
    lines = list(
        return_request.lines.select_related("order_line", "replacement_variant__product").order_by("pk")
    )
    earlier = units_refunded_before(order=return_request.order, exclude=return_request)
    new_items = sum(
        (
            variant_price(line.replacement_variant) * line.quantity
            for line in lines
            if line.replacement_variant
        ),
        ZERO,
    )
    return policy.exchange_quote(
        new_items=new_items,
        lines=[
            policy.RefundLine(
                unit_price=line.order_line.unit_price,
                quantity=(
                    line.received_quantity
                    if received and line.received_quantity is not None
                    else line.quantity
                ),
                ordered_quantity=line.order_line.quantity,
                paid_total=line.order_line.paid_total,
                earlier=earlier.get(line.order_line_id, 0),
            )
            for line in lines
        ],
    )


def _exchange_order_create(*, return_request: ReturnRequest, actor: Actor) -> Order:
    """Create the exchange's order for the new items, taking their stock like any order.

    Its lines are priced at today's price; what the units sent back paid is credited on them (their
    ``discount_total``), so the order's total is what the customer still pays: the difference when the
    new items cost more (the order awaits that payment, through the gateway, and has no deadline), or
    nothing (the order starts paid; a cheaper exchange's difference is refunded on receipt).
    """
    original = return_request.order
    items = list(
        return_request.lines.select_related("order_line", "replacement_variant__product").order_by("pk")
    )
    if any(item.replacement_variant is None for item in items):
        raise InvalidReplacementSku(
            "The size to exchange for is no longer sold: refund instead.", attr="lines"
        )
    quote = return_request_exchange_quote(return_request=return_request)
    quantities: dict[int, int] = {}
    for item in items:
        quantities[item.replacement_variant_id] = (
            quantities.get(item.replacement_variant_id, 0) + item.quantity
        )
    variants = stock_reserve(quantities=quantities)
    totals = [variant_price(item.replacement_variant) * item.quantity for item in items]
    credit = min(quote.credit, quote.new_items)
    credits = allocate(credit, totals)
    to_pay = quote.new_items - credit
    order = _order_for(original, subtotal=quote.new_items, discount_total=credit, total=to_pay)
    order_create(
        order=order,
        to_status=OrderStatus.PENDING_PAYMENT if to_pay > 0 else OrderStatus.PAID,
        actor=actor,
        role=Role.STAFF,
        note=(
            f"Exchange for order {original.number} (request {return_request.pk}): "
            + (f"{to_pay} {original.currency} to pay." if to_pay > 0 else "nothing to pay.")
        ),
    )
    for item, total, line_credit in zip(items, totals, credits, strict=True):
        variant = variants[item.replacement_variant_id]
        product = variant.product
        OrderLine.objects.create(
            order=order,
            variant=variant,
            product=product,
            product_kind=product.kind,
            product_name=product.name,
            sku=variant.sku,
            size_label=variant.size_label,
            quantity=item.quantity,
            unit_price=variant_price(variant),
            line_total=total,
            discount_total=line_credit,
            returnable=False,  # an exchange, not a new sale: a further change is an exchange or a replacement
            return_days=0,
            replacement_days=product.return_policy().replacement_days,
            statutory_rights=policy.replacement_law(
                policy.Law.from_json(item.order_line.statutory_rights)
            ).to_json(),
        )
    return_request.replacement_order = order
    return_request.exchange_difference = quote.difference
    return_request.save(update_fields=["replacement_order", "exchange_difference", "updated_at"])
    return order


def _exchange_refund_difference(*, return_request: ReturnRequest, actor: Actor) -> tuple[Refund | None, str]:
    """On receipt of a cheaper exchange's units, write the pending refund of the difference on the
    original order (what the units received paid, less the new items); return it and a note."""
    quote = return_request_exchange_quote(return_request=return_request, received=True)
    if quote.difference >= 0:
        return None, "nothing to refund"
    amount = -quote.difference
    refund = refund_record_pending(
        order=return_request.order,
        amount=amount,
        actor=actor,
        reason=f"Exchange request {return_request.pk}: the difference",
    )
    return_request.refunds.add(refund)
    return refund, f"difference of {amount} {return_request.order.currency} refunded"


def return_request_exchange_payment(*, return_request: ReturnRequest):
    """Start (or resume) the customer's payment of a dearer exchange's difference; the session, or None
    when there is nothing (left) to pay."""
    order = return_request.replacement_order
    if return_request.kind != ReturnKind.EXCHANGE or order is None or order.total <= 0:
        return None
    return payment_start(order=order)


# --- closing and cancelling ---------------------------------------------------------------------------
def return_request_close(*, return_request: ReturnRequest, actor: Actor, note: str = "") -> ReturnRequest:
    """Close a request that is refunded, replaced, or received and kept without a refund (staff)."""
    return return_request_transition(
        return_request=return_request, to_status=ReturnStatus.CLOSED, actor=actor, note=note or "Closed."
    )


def return_request_cancel(*, return_request: ReturnRequest, actor: Actor, note: str = "") -> ReturnRequest:
    """Cancel a request while it is still ``requested`` (the customer); its units are available again."""
    return return_request_transition(
        return_request=return_request,
        to_status=ReturnStatus.CANCELLED,
        actor=actor,
        role=Role.CUSTOMER,
        note=note or "Cancelled by the customer.",
    )


# --- photos -------------------------------------------------------------------------------------------
def return_photo_add(*, return_request: ReturnRequest, upload) -> ReturnPhoto:
    """Validate a customer's photo (the catalogue's image rules) and store it with its thumbnail."""
    renditions = validated_renditions(upload, attr="image")  # 400 invalid_image before any write
    with transaction.atomic():
        locked = return_request_lock(return_request_id=return_request.pk)
        if locked.status not in RETURN_OPEN:
            raise InvalidReturnTransition(
                from_status=locked.status,
                to_status=locked.status,
                detail="Photos can be added only while the request is open.",
            )
        if locked.photos.count() >= MAX_PHOTOS:
            raise TooManyPhotos()
        photo = ReturnPhoto(return_request=locked, width=renditions.width, height=renditions.height)
        photo.image.save(renditions.web.name, renditions.web, save=False)
        photo.thumbnail.save(renditions.thumbnail.name, renditions.thumbnail, save=False)
        photo.save()
    return photo


# --- erasure ---------------------------------------------------------------------------------------------
def returns_erase(*, user, pattern) -> dict:
    """Erase what the customer sent with their requests; call inside the account's erasure (one transaction).

    Deleted: the photos (files once the transaction commits) and the comments, also where they were
    copied into the history. The requests stay (what was returned or replaced, the refunds they led
    to), with names and addresses replaced by ``[erased]`` in staff's notes. Return what was erased and
    what was kept, for the customer's answer.
    """
    requests = list(
        ReturnRequest.objects.select_for_update(of=("self",)).filter(order__user=user).order_by("pk")
    )
    ids = [request.pk for request in requests]
    photos = list(ReturnPhoto.objects.filter(return_request_id__in=ids))
    files_delete_on_commit(field_file for photo in photos for field_file in (photo.image, photo.thumbnail))
    ReturnPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
    comments = {request.comment for request in requests} - {""}
    for request in requests:
        request.comment = ""
        request.rejection_reason = redact(request.rejection_reason, pattern)
        request.goodwill_reason = redact(request.goodwill_reason, pattern)
    ReturnRequest.objects.bulk_update(requests, ["comment", "rejection_reason", "goodwill_reason"])
    changes = list(ReturnStatusChange.objects.filter(return_request_id__in=ids))
    for change in changes:
        change.note = "" if change.note in comments else redact(change.note, pattern)
    ReturnStatusChange.objects.bulk_update(changes, ["note"])
    return {
        "erased": [
            {
                "what": "return_photos",
                "count": len(photos),
                "description": "The photos you sent with returns.",
            },
            {
                "what": "return_comments",
                "count": len(comments),
                "description": "What you wrote in your return and replacement requests.",
            },
        ],
        "kept": [
            {
                "what": "return_requests",
                "count": len(requests),
                "description": "Your return and replacement requests: what was sent back or replaced, "
                "the reason chosen from the list, and the refunds they led to, without your comments "
                "or photos.",
                "reason": "They document the refunds and replacements in the shop's tax records.",
                "legal_basis": "German tax law: accounting vouchers 8 years (§147(1) no. 4 and (3) AO); "
                "GDPR Art. 17(3)(b)",
            },
        ],
    }


# --- started by staff ---------------------------------------------------------------------------------
def return_request_staff_start(
    *,
    order: Order,
    kind: str,
    lines: list[ReturnLineInput],
    reason: str,
    actor: Actor,
    goodwill_reason: str = "",
    note: str = "",
) -> ReturnRequest:
    """Start a return or replacement for a customer (on the phone, by email) and accept it at once.

    Inside the windows it is the customer's own right; outside them (or for an item that is not
    returnable) the policy allows it only as goodwill, with a written reason that is recorded with the
    member of staff's name. Delivery and the quantities still apply. The request starts ``approved``.
    """
    with transaction.atomic():
        request = return_request_create(
            order=order,
            kind=kind,
            lines=lines,
            reason=reason,
            comment=note,
            actor=actor,
            role=Role.STAFF,
            goodwill_reason=goodwill_reason,
        )
        approved = return_request_transition(
            return_request=request,
            to_status=ReturnStatus.APPROVED,
            actor=actor,
            note=f"Started by staff as goodwill: {goodwill_reason.strip()}"
            if goodwill_reason.strip()
            else "Started and approved by staff.",
        )
        if approved.kind == ReturnKind.EXCHANGE:
            _exchange_order_create(return_request=approved, actor=actor)
        return approved
