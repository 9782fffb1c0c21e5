"""The discount rules: plain values in, plain values out, no database.

Whether a code applies to a basket now (``discount_refusal``), how much it takes off and how that is
spread over the lines (``discount_compute``: in proportion to the eligible lines' value, to the cent,
by the largest remainder), and what a number of units of a line actually cost once the discount was
taken off (``units_paid``): the one figure every refund, credit note, return and withdrawal uses.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
PERCENT = "percent"
FIXED = "fixed"
CUSTOM_ORTHOTIC = "custom_orthotic"

# Why a code does not apply, in the order they are checked; each is the ``code`` of the refusal.
REFUSALS = {
    "discount_inactive": "This code is no longer valid.",
    "discount_not_started": "This code is not valid yet.",
    "discount_expired": "This code has expired.",
    "discount_used_up": "This code has been used as many times as it may be.",
    "discount_already_used": "You have already used this code on an earlier order.",
    "discount_not_applicable": "This code does not apply to anything in the cart.",
    "discount_minimum_not_met": "The cart does not reach this code's minimum.",
}


@dataclass(frozen=True)
class Terms:
    """A code's rules as plain values (``selectors.discount_terms`` reads them off the row)."""

    kind: str
    value: Decimal
    free_shipping: bool = False
    minimum_subtotal: Decimal = ZERO
    product_ids: frozenset[int] = field(default_factory=frozenset)
    category_ids: frozenset[int] = field(default_factory=frozenset)
    product_kinds: frozenset[str] = field(default_factory=frozenset)
    includes_custom_orthotics: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    usage_limit: int | None = None
    times_used: int = 0
    is_active: bool = True


@dataclass(frozen=True)
class BasketLine:
    key: int  # the caller's handle for the line (a cart item's or an order line's id, or a position)
    product_id: int
    category_id: int
    kind: str
    line_total: Decimal


@dataclass(frozen=True)
class Discount:
    """What a code takes off a basket: the goods' discount per line (by key), and the shipping."""

    amount: Decimal
    per_line: dict[int, Decimal]
    free_shipping: bool

    def line(self, key: int) -> Decimal:
        return self.per_line.get(key, ZERO)


def line_eligible(terms: Terms, line: BasketLine) -> bool:
    """Whether the code takes money off this line: its kind, then its product or category."""
    if line.kind == CUSTOM_ORTHOTIC and not terms.includes_custom_orthotics:
        return False
    if terms.product_kinds and line.kind not in terms.product_kinds:
        return False
    if terms.product_ids or terms.category_ids:
        return line.product_id in terms.product_ids or line.category_id in terms.category_ids
    return True


def discount_refusal(
    *, terms: Terms, lines: Sequence[BasketLine], now: datetime, used_by_customer: bool = False
) -> str | None:
    """Return why the code does not apply to these lines at ``now`` (a key of ``REFUSALS``), or None.

    ``valid_from`` and ``valid_until`` are inclusive. The minimum is measured on the whole basket's goods.
    """
    if not terms.is_active:
        return "discount_inactive"
    if terms.valid_from is not None and now < terms.valid_from:
        return "discount_not_started"
    if terms.valid_until is not None and now > terms.valid_until:
        return "discount_expired"
    if terms.usage_limit is not None and terms.times_used >= terms.usage_limit:
        return "discount_used_up"
    if used_by_customer:
        return "discount_already_used"
    if not any(line_eligible(terms, line) for line in lines):
        return "discount_not_applicable"
    if sum((Decimal(line.line_total) for line in lines), ZERO) < Decimal(terms.minimum_subtotal):
        return "discount_minimum_not_met"
    return None


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Divide ``amount`` into cents proportional to ``weights`` by the largest remainder.

    Each share is first the proportional amount rounded down to the cent; the cents left over go one
    each to the largest remainders (ties: the larger weight, then the earlier one). The shares add up
    to ``amount`` exactly.
    """
    cents = int((Decimal(amount) / CENT).to_integral_value())
    units = [int((Decimal(weight) / CENT).to_integral_value()) for weight in weights]
    total = sum(units)
    if total <= 0 or cents <= 0:
        return [ZERO for _ in weights]
    shares = [cents * unit // total for unit in units]
    remainders = [cents * unit % total for unit in units]
    order = sorted(range(len(units)), key=lambda i: (-remainders[i], -units[i], i))
    for i in order[: cents - sum(shares)]:
        shares[i] += 1
    return [Decimal(share) * CENT for share in shares]


def discount_compute(*, terms: Terms, lines: Sequence[BasketLine]) -> Discount:
    """Return what the code takes off: a percentage (rounded half up to the cent) or a fixed amount
    (never more than the eligible goods) of the eligible lines, spread over them in proportion."""
    eligible = [line for line in lines if line_eligible(terms, line)]
    base = sum((Decimal(line.line_total) for line in eligible), ZERO)
    if terms.kind == PERCENT:
        amount = (base * Decimal(terms.value) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        amount = min(Decimal(terms.value).quantize(CENT), base)
    shares = allocate(amount, [Decimal(line.line_total) for line in eligible])
    return Discount(
        amount=amount,
        per_line={line.key: share for line, share in zip(eligible, shares, strict=True)},
        free_shipping=terms.free_shipping,
    )


def units_paid(*, paid_total: Decimal, quantity: int, units: int, earlier: int = 0) -> Decimal:
    """Return what ``units`` units of a line cost, after the ``earlier`` units already accounted for.

    A line of ``quantity`` units that was paid ``paid_total`` in all: the first n units cost
    ``paid_total × n / quantity`` rounded half up to the cent, so units taken back in several goes
    add up to exactly what the line paid, never a cent more or less.
    """
    if quantity <= 0 or units <= 0:
        return ZERO
    earlier = max(0, min(earlier, quantity))
    units = min(units, quantity - earlier)

    def first(n: int) -> Decimal:
        return (Decimal(paid_total) * n / quantity).quantize(CENT, rounding=ROUND_HALF_UP)

    return first(earlier + units) - first(earlier)
