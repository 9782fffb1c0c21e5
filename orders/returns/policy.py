"""The return and replacement windows and refund amounts, as pure functions (``docs/policy.md``).

Plain values in, plain values out: the API, the admin and the services all ask this module, so
a deadline is computed in exactly one way. A window of N days closes at the end of the N-th
calendar day after the delivery day, in the shop's time zone; daylight-saving changes inside the
window do not move that end.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

RETURN = "return"
REPLACEMENT = "replacement"

RETURN_REASONS = (
    "changed_mind",
    "not_comfortable",
    "wrong_size",
    "defective",
    "wrong_item",
    "damaged_in_transit",
)
REPLACEMENT_REASONS = ("wrong_size", "defective", "damaged_in_transit", "wrong_item", "remake_does_not_fit")
# Reasons that are the shop's fault: shipping is refunded when the whole order comes back for one.
SHOP_FAULT_REASONS = frozenset({"defective", "wrong_item", "damaged_in_transit"})

NOT_DELIVERED = "not_delivered"
NOT_RETURNABLE = "not_returnable"
RETURN_WINDOW_CLOSED = "return_window_closed"
REPLACEMENT_WINDOW_CLOSED = "replacement_window_closed"
QUANTITY_EXCEEDS_REMAINING = "quantity_exceeds_remaining"


@dataclass(frozen=True)
class LineTerms:
    """What an order line promised when it was sold, and what has happened to it since."""

    quantity: int
    returnable: bool
    return_days: int
    replacement_days: int
    delivered_at: datetime | None
    claimed_quantity: int = 0  # units in open or accepted requests, return and replacement together


@dataclass(frozen=True)
class LineEligibility:
    delivered_quantity: int
    returnable_quantity: int
    replaceable_quantity: int
    return_deadline: datetime | None
    replacement_deadline: datetime | None
    return_reasons_blocked: tuple[str, ...]
    replacement_reasons_blocked: tuple[str, ...]
    remaining_quantity: int = 0  # delivered minus units in open or accepted requests

    def blocked(self, kind: str) -> tuple[str, ...]:
        return self.return_reasons_blocked if kind == RETURN else self.replacement_reasons_blocked

    def available(self, kind: str) -> int:
        return self.returnable_quantity if kind == RETURN else self.replaceable_quantity


def window_closes_at(*, delivered_at: datetime, days: int, tz: tzinfo) -> datetime:
    """Return the last instant of the ``days``-th calendar day after the local delivery day."""
    if delivered_at.tzinfo is None:
        raise ValueError("delivered_at must be timezone-aware")
    last_day: date = delivered_at.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(last_day, time.max, tzinfo=tz)


def is_within(*, requested_at: datetime, closes_at: datetime) -> bool:
    """Return whether a request that reached the shop at ``requested_at`` is inside the window."""
    return requested_at <= closes_at


def line_eligibility(*, terms: LineTerms, requested_at: datetime, tz: tzinfo) -> LineEligibility:
    """Return how many units of a line can still be returned or replaced at ``requested_at``, and why not."""
    if terms.delivered_at is None:
        return LineEligibility(
            delivered_quantity=0,
            returnable_quantity=0,
            replaceable_quantity=0,
            return_deadline=None,
            replacement_deadline=None,
            return_reasons_blocked=(NOT_DELIVERED,),
            replacement_reasons_blocked=(NOT_DELIVERED,),
        )
    remaining = max(terms.quantity - terms.claimed_quantity, 0)
    return_deadline = (
        window_closes_at(delivered_at=terms.delivered_at, days=terms.return_days, tz=tz)
        if terms.returnable
        else None
    )
    replacement_deadline = window_closes_at(
        delivered_at=terms.delivered_at, days=terms.replacement_days, tz=tz
    )

    return_blocked: list[str] = []
    if not terms.returnable:
        return_blocked.append(NOT_RETURNABLE)
    elif not is_within(requested_at=requested_at, closes_at=return_deadline):
        return_blocked.append(RETURN_WINDOW_CLOSED)
    replacement_blocked: list[str] = []
    if not is_within(requested_at=requested_at, closes_at=replacement_deadline):
        replacement_blocked.append(REPLACEMENT_WINDOW_CLOSED)
    if remaining == 0:
        return_blocked.append(QUANTITY_EXCEEDS_REMAINING)
        replacement_blocked.append(QUANTITY_EXCEEDS_REMAINING)

    return LineEligibility(
        delivered_quantity=terms.quantity,
        returnable_quantity=0 if return_blocked else remaining,
        replaceable_quantity=0 if replacement_blocked else remaining,
        return_deadline=return_deadline,
        replacement_deadline=replacement_deadline,
        return_reasons_blocked=tuple(return_blocked),
        replacement_reasons_blocked=tuple(replacement_blocked),
        remaining_quantity=remaining,
    )


def request_refusal(
    *, eligibility: LineEligibility, kind: str, quantity: int, goodwill: bool = False
) -> str | None:
    """Return the code refusing ``quantity`` units of a line for ``kind``, or None when it may be asked.

    Goodwill (staff, with a recorded reason) lifts the windows and the non-returnable flag, never
    delivery or the quantities.
    """
    blocked = eligibility.blocked(kind)
    if NOT_DELIVERED in blocked:
        return NOT_DELIVERED
    waivable = {NOT_RETURNABLE, RETURN_WINDOW_CLOSED, REPLACEMENT_WINDOW_CLOSED}
    if not goodwill:
        for code in (NOT_RETURNABLE, RETURN_WINDOW_CLOSED, REPLACEMENT_WINDOW_CLOSED):
            if code in blocked:
                return code
    remaining = eligibility.available(kind)
    if goodwill and any(code in waivable for code in blocked):
        # The window refused it, so ``available`` is 0: count what is left of the line instead.
        remaining = eligibility.remaining_quantity
    if quantity > remaining:
        return QUANTITY_EXCEEDS_REMAINING
    return None


@dataclass(frozen=True)
class RefundLine:
    unit_price: Decimal
    quantity: int  # units accepted back (received, or requested when staff skip receiving)
    ordered_quantity: int


@dataclass(frozen=True)
class RefundQuote:
    """What a request refunds: items, shipping (when due), and the total capped at what is refundable."""

    items: Decimal
    shipping: Decimal
    due: Decimal  # items + shipping, per the policy
    refundable: Decimal  # captured minus refunds that have not failed
    total: Decimal  # what to refund now: ``due`` capped at ``refundable``

    @property
    def capped(self) -> bool:
        return self.total < self.due


def refund_quote(
    *,
    lines: Sequence[RefundLine],
    whole_order: bool,
    reason: str,
    shipping_total: Decimal,
    refundable: Decimal,
) -> RefundQuote:
    """Return the refund the policy gives: unit price × accepted quantity, plus shipping only when the
    whole order comes back for a reason that is the shop's fault; never more than is still refundable.
    """
    cent = Decimal("0.01")
    items = sum((Decimal(line.unit_price) * line.quantity for line in lines), Decimal("0.00")).quantize(cent)
    shipping = (
        Decimal(shipping_total).quantize(cent) if whole_order and reason in SHOP_FAULT_REASONS else cent * 0
    )
    due = items + shipping
    refundable = max(Decimal(refundable), Decimal("0.00")).quantize(cent)
    return RefundQuote(
        items=items, shipping=shipping, due=due, refundable=refundable, total=min(due, refundable)
    )


def refund_within_policy(*, quote: RefundQuote, amount: Decimal) -> bool:
    """Return whether staff may refund ``amount`` for a request quoted ``quote``: anything up to its total.

    Less than the policy's amount is allowed (a partial refund); more, never.
    """
    return Decimal(amount) <= quote.total


def is_whole_order(*, ordered: dict[int, int], returned: dict[int, int]) -> bool:
    """Return whether ``returned`` (line id -> units) covers every unit of every ``ordered`` line."""
    return bool(ordered) and all(
        returned.get(line_id, 0) >= quantity for line_id, quantity in ordered.items()
    )
