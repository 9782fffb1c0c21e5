"""The return and replacement windows, the statutory rights on top of them, and refund amounts, as
pure functions (``docs/policy.md``).

Plain values in, plain values out: the API, the admin and the services all ask this module, so
a deadline is computed in exactly one way. A window of N days closes at the end of the N-th
calendar day after the delivery day, in the shop's time zone; daylight-saving changes inside the
window do not move that end. A guarantee of N months ends at the end of the same day of the month
N months later (the month's last day when it is shorter).

Each line carries two sets of terms, both copied at checkout: the shop's promise (``returnable``,
``return_days``, ``replacement_days``) and the law of the shipping country as it applies to that
product (``Law``, composed by ``line_law`` from a ``Destination``). What a customer may ask is the
longer of the two for each purpose, each right labelled with where it comes from (``line_rights``,
``effective_windows``).
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from orders.discounts.policy import units_paid

RETURN = "return"
REPLACEMENT = "replacement"
WITHDRAWAL = "withdrawal"
EXCHANGE = "exchange"
LEGAL_GUARANTEE = "legal_guarantee"
PROMISE = "promise"
LAW = "law"
# The remedies a line may have, where each comes from, and the purposes of the effective windows.
RIGHT_KINDS = (RETURN, WITHDRAWAL, REPLACEMENT, LEGAL_GUARANTEE)
RIGHT_SOURCES = (PROMISE, LAW)
WINDOW_PURPOSES = ("change_of_mind", "fault")
# A withdrawal needs no reason: the request records this one.
WITHDRAWAL_REASON = "withdrawal"
WITHDRAWAL_REASONS = (WITHDRAWAL_REASON,)

# What was wrong with the fit: the one set of fit-related reasons. A defect, damage or a wrong item is
# the shop's fault, never the fit's; a change of mind says nothing about the fit either.
FIT_REASONS = (
    "too_firm",
    "too_soft",
    "arch_too_high",
    "arch_too_low",
    "too_long",
    "too_short",
    "too_wide",
    "too_narrow",
    "does_not_fit_shoes",
    "pain_not_better",
    "pain_worse",
)
# The fit reasons another size of the same product can put right.
SIZE_FIT_REASONS = ("too_long", "too_short", "too_wide", "too_narrow")
RETURN_REASONS = (
    "changed_mind",
    "not_comfortable",
    "wrong_size",
    "defective",
    "wrong_item",
    "damaged_in_transit",
    *FIT_REASONS,
)
REPLACEMENT_REASONS = (
    "wrong_size",
    "defective",
    "damaged_in_transit",
    "wrong_item",
    "remake_does_not_fit",
    *SIZE_FIT_REASONS,
)
# An exchange takes any reason of either: one of a replacement is judged by the replacement's window
# (``exchange_judged_as``), any other (a change of mind) by the return's.
EXCHANGE_REASONS = tuple(dict.fromkeys(RETURN_REASONS + REPLACEMENT_REASONS))
# Reasons that are the shop's fault: shipping is refunded when the whole order comes back for one.
SHOP_FAULT_REASONS = frozenset({"defective", "wrong_item", "damaged_in_transit"})


def is_fit_reason(reason: str) -> bool:
    """Return whether ``reason`` says the product did not fit (``FIT_REASONS``); a defect never does."""
    return reason in FIT_REASONS


NOT_DELIVERED = "not_delivered"
NOT_RETURNABLE = "not_returnable"
RETURN_WINDOW_CLOSED = "return_window_closed"
REPLACEMENT_WINDOW_CLOSED = "replacement_window_closed"
QUANTITY_EXCEEDS_REMAINING = "quantity_exceeds_remaining"
WITHDRAWAL_NOT_AVAILABLE = "withdrawal_not_available"
WITHDRAWAL_WINDOW_CLOSED = "withdrawal_window_closed"
MADE_TO_SPECIFICATION = "made_to_specification"


# --- the law of a destination, and as it applies to one line -----------------------------------------
@dataclass(frozen=True)
class Destination:
    """The statutory consumer rights of a destination (a row of the rights table, as plain values)."""

    code: str
    name: str
    withdrawal_days: int = 0  # 0: no statutory right to withdraw from a distance sale
    withdrawal_basis: str = ""
    exempt_made_to_specification: bool = False
    made_to_specification_basis: str = ""
    exempt_sealed_hygiene: bool = False
    sealed_hygiene_basis: str = ""
    delivery_refunded: bool = False  # standard outbound delivery refunded on a whole-order withdrawal
    refund_due_days: int = 0
    refund_basis: str = ""
    guarantee_months: int = 0
    guarantee_remedies: str = ""
    guarantee_basis: str = ""
    reject_days: int = 0  # a short-term right to reject faulty goods for a full refund
    reject_basis: str = ""


@dataclass(frozen=True)
class Law:
    """The statutory rights of the shipping country as they apply to one line, copied at checkout.

    ``exemption`` names why the line cannot be withdrawn from although the country has the right
    (``made_to_specification``); ``hygiene_seal`` means the right is lost once the seal is broken.
    An empty ``Law()`` is a line with no statutory right beyond the promise.
    """

    destination: str = ""
    country: str = ""
    withdrawal_days: int = 0
    withdrawal_basis: str = ""
    exemption: str = ""
    exemption_basis: str = ""
    hygiene_seal: bool = False
    hygiene_basis: str = ""
    delivery_refunded: bool = False
    refund_due_days: int = 0
    refund_basis: str = ""
    guarantee_months: int = 0
    guarantee_remedies: str = ""
    guarantee_basis: str = ""
    reject_days: int = 0
    reject_basis: str = ""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict | None) -> "Law":
        names = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in (data or {}).items() if key in names})

    @property
    def can_withdraw(self) -> bool:
        return self.withdrawal_days > 0 and not self.exemption


def line_law(
    *, destination: Destination | None, country: str, made_to_specification: bool, sealed_hygiene: bool
) -> Law:
    """Return the statutory rights a line shipped to ``country`` gets from ``destination`` (None: none)."""
    if destination is None:
        return Law(country=country)
    exempt = made_to_specification and destination.exempt_made_to_specification
    return Law(
        destination=destination.name,
        country=country,
        withdrawal_days=destination.withdrawal_days,
        withdrawal_basis=destination.withdrawal_basis,
        exemption=MADE_TO_SPECIFICATION if exempt and destination.withdrawal_days else "",
        exemption_basis=destination.made_to_specification_basis if exempt else "",
        hygiene_seal=bool(
            sealed_hygiene and destination.exempt_sealed_hygiene and destination.withdrawal_days
        ),
        hygiene_basis=destination.sealed_hygiene_basis if sealed_hygiene else "",
        delivery_refunded=destination.delivery_refunded and destination.withdrawal_days > 0,
        refund_due_days=destination.refund_due_days,
        refund_basis=destination.refund_basis,
        guarantee_months=destination.guarantee_months,
        guarantee_remedies=destination.guarantee_remedies,
        guarantee_basis=destination.guarantee_basis,
        reject_days=destination.reject_days,
        reject_basis=destination.reject_basis,
    )


def replacement_law(law: Law) -> Law:
    """Return the law a replacement's line carries: the original's guarantee, no withdrawal (no new sale)."""
    return replace(law, withdrawal_days=0, exemption="", hygiene_seal=False, delivery_refunded=False,
                   refund_due_days=0, reject_days=0)  # fmt: skip


@dataclass(frozen=True)
class LineTerms:
    """What an order line promised when it was sold, and what has happened to it since."""

    quantity: int
    returnable: bool
    return_days: int
    replacement_days: int
    delivered_at: datetime | None
    claimed_quantity: int = 0  # units in open or accepted requests, return and replacement together
    law: Law = field(default_factory=Law)


def terms_of(line, claimed: int = 0) -> LineTerms:
    """Return the terms an order line (any object with its fields) was sold with."""
    return LineTerms(
        quantity=line.quantity,
        returnable=line.returnable,
        return_days=line.return_days,
        replacement_days=line.replacement_days,
        delivered_at=line.delivered_at,
        claimed_quantity=claimed,
        law=Law.from_json(line.statutory_rights),
    )


@dataclass(frozen=True)
class Right:
    """One remedy a line has: what it is, until when, whether a reason is needed, and why it exists."""

    kind: str  # return, withdrawal, replacement, legal_guarantee
    source: str  # promise or law
    deadline: datetime | None
    reason_required: bool
    reasons: tuple[str, ...]  # the reasons it covers (the withdrawal's needs none)
    basis: str  # a sentence for the customer, citing the promise or the law
    open: bool = False  # whether it can be used at the moment asked


@dataclass(frozen=True)
class Window:
    """The longer of the promise and the law for one purpose: a change of mind, or a fault."""

    purpose: str  # change_of_mind or fault
    deadline: datetime | None
    source: str  # promise or law
    basis: str


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
    withdrawal_deadline: datetime | None = None
    withdrawable_quantity: int = 0
    withdrawal_reasons_blocked: tuple[str, ...] = ()
    guarantee_deadline: datetime | None = None  # the legal guarantee, for faults (replacement first)
    reject_deadline: datetime | None = None  # a short-term right to reject faults for a refund
    requested_at: datetime | None = None
    rights: tuple[Right, ...] = ()
    windows: tuple[Window, ...] = ()

    def blocked(self, kind: str) -> tuple[str, ...]:
        if kind == WITHDRAWAL:
            return self.withdrawal_reasons_blocked
        return self.return_reasons_blocked if kind == RETURN else self.replacement_reasons_blocked

    def available(self, kind: str) -> int:
        if kind == WITHDRAWAL:
            return self.withdrawable_quantity
        return self.returnable_quantity if kind == RETURN else self.replaceable_quantity

    def by_law(self, kind: str, reason: str) -> datetime | None:
        """Return the statutory deadline that covers a ``kind`` request for ``reason`` beyond the promise."""
        if reason not in SHOP_FAULT_REASONS:
            return None
        if kind == RETURN:
            return self.reject_deadline
        if kind == REPLACEMENT:
            return self.guarantee_deadline
        return None


def window_closes_at(*, delivered_at: datetime, days: int, tz: tzinfo) -> datetime:
    """Return the last instant of the ``days``-th calendar day after the local delivery day."""
    if delivered_at.tzinfo is None:
        raise ValueError("delivered_at must be timezone-aware")
    last_day: date = delivered_at.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(last_day, time.max, tzinfo=tz)


def guarantee_closes_at(*, delivered_at: datetime, months: int, tz: tzinfo) -> datetime:
    """Return the last instant of the same day of the month ``months`` after the local delivery day."""
    if delivered_at.tzinfo is None:
        raise ValueError("delivered_at must be timezone-aware")
    day = delivered_at.astimezone(tz).date()
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last_day = min(day.day, (following - timedelta(days=1)).day)
    return datetime.combine(date(year, month, last_day), time.max, tzinfo=tz)


def is_within(*, requested_at: datetime, closes_at: datetime) -> bool:
    """Return whether a request that reached the shop at ``requested_at`` is inside the window."""
    return requested_at <= closes_at


def _deadline(terms: LineTerms, days: int, tz: tzinfo) -> datetime | None:
    if terms.delivered_at is None:
        return None
    return window_closes_at(delivered_at=terms.delivered_at, days=days, tz=tz)


def _guarantee_deadline(terms: LineTerms, tz: tzinfo) -> datetime | None:
    if terms.delivered_at is None or not terms.law.guarantee_months:
        return None
    return guarantee_closes_at(delivered_at=terms.delivered_at, months=terms.law.guarantee_months, tz=tz)


def _open(deadline: datetime | None, at: datetime, remaining: int) -> bool:
    return deadline is not None and remaining > 0 and is_within(requested_at=at, closes_at=deadline)


def _days(days: int) -> str:
    return f"{days} day{'s' if days != 1 else ''}"


def line_rights(*, terms: LineTerms, requested_at: datetime, tz: tzinfo) -> tuple[Right, ...]:
    """Return every remedy the line has, promise and law, with its deadline and a sentence saying why."""
    law = terms.law
    remaining = max(terms.quantity - terms.claimed_quantity, 0)
    rights: list[Right] = []

    def add(kind, source, deadline, reasons, basis):
        rights.append(
            Right(
                kind=kind,
                source=source,
                deadline=deadline,
                reason_required=bool(reasons),
                reasons=tuple(reasons),
                basis=basis,
                open=_open(deadline, requested_at, remaining),
            )
        )

    if terms.returnable and terms.return_days:
        add(RETURN, PROMISE, _deadline(terms, terms.return_days, tz), RETURN_REASONS,
            f"The shop's promise: send it back within {_days(terms.return_days)} of delivery, "
            "unused and in its packaging, and we refund its price.")  # fmt: skip
    if law.reject_days:
        add(RETURN, LAW, _deadline(terms, law.reject_days, tz), sorted(SHOP_FAULT_REASONS),
            f"The law of {law.destination}: if it is faulty or not as described, you may reject it within "
            f"{_days(law.reject_days)} of delivery for a full refund ({law.reject_basis}).")  # fmt: skip
    if law.withdrawal_days and law.exemption:
        rights.append(
            Right(kind=WITHDRAWAL, source=LAW, deadline=None, reason_required=False, reasons=(),
                  basis="It is made to your specification, so the right of withdrawal does not apply "
                  f"({law.exemption_basis}); the legal guarantee below still does.")
        )  # fmt: skip
    elif law.withdrawal_days:
        delivery = (
            ", and the standard delivery when you withdraw from the whole order,"
            if law.delivery_refunded
            else ""
        )
        due = f" within {_days(law.refund_due_days)} of your notice" if law.refund_due_days else ""
        seal = (
            f" This right ends once you have broken the hygiene seal ({law.hygiene_basis})."
            if law.hygiene_seal
            else ""
        )
        add(WITHDRAWAL, LAW, _deadline(terms, law.withdrawal_days, tz), (),
            f"The law of {law.destination}: you may withdraw from the purchase within "
            f"{_days(law.withdrawal_days)} of delivery without giving a reason; we refund the price"
            f"{delivery}{due} ({law.withdrawal_basis}).{seal}")  # fmt: skip
    if terms.replacement_days:
        add(REPLACEMENT, PROMISE, _deadline(terms, terms.replacement_days, tz), REPLACEMENT_REASONS,
            f"The shop's promise: have it replaced within {_days(terms.replacement_days)} of delivery "
            "for a wrong size, a defect, damage in transit, a wrong item or a remake that does not fit.")  # fmt: skip
    if law.guarantee_months:
        add(LEGAL_GUARANTEE, LAW, _guarantee_deadline(terms, tz), sorted(SHOP_FAULT_REASONS),
            f"The legal guarantee of {law.destination}: if it is faulty or not as described, it is covered "
            f"for {law.guarantee_months} months from delivery: {law.guarantee_remedies} "
            f"({law.guarantee_basis}).")  # fmt: skip
    return tuple(rights)


def order_rights(*, lines: Sequence, now: datetime, tz: tzinfo) -> list[dict]:
    """Return the rights of an order's lines, each sentence once with the products it covers.

    For the order confirmation and the order API: the same sentences as the eligibility answer.
    """
    grouped: dict[tuple[str, str], dict] = {}
    for line in lines:
        for right in line_rights(terms=terms_of(line), requested_at=now, tz=tz):
            entry = grouped.setdefault(
                (right.kind, right.basis),
                {
                    "kind": right.kind,
                    "source": right.source,
                    "reason_required": right.reason_required,
                    "basis": right.basis,
                    "products": [],
                },
            )
            if line.product_name not in entry["products"]:
                entry["products"].append(line.product_name)
    return list(grouped.values())


def order_can_withdraw(*, lines: Sequence) -> bool:
    """Return whether the law lets the customer withdraw from any line of the order."""
    return any(Law.from_json(line.statutory_rights).can_withdraw for line in lines)


def withdrawal_form(*, trader: str, email: str) -> dict:
    """Return the model withdrawal form addressed to ``trader`` (its wording follows Annex I(B) of
    Directive 2011/83/EU and Schedule 3, Part B of the UK Consumer Contracts Regulations 2013)."""
    text = (
        "Model withdrawal form\n"
        "(Fill in and send this form only if you want to withdraw from your purchase. You may also "
        "withdraw through your account or simply tell us by email: any clear statement will do.)\n\n"
        f"To: {trader}, email {email}\n\n"
        "I/We (*) hereby give notice that I/we (*) withdraw from my/our (*) contract for the sale of the "
        "following goods:\n"
        "  Order number: ...............\n"
        "  Goods: ...............\n"
        "Ordered on (*) / received on (*): ...............\n"
        "Name of the consumer(s): ...............\n"
        "Address of the consumer(s): ...............\n"
        "Signature of the consumer(s) (only if this form is sent on paper): ...............\n"
        "Date: ...............\n\n"
        "(*) Delete as appropriate."
    )
    return {
        "title": "Model withdrawal form",
        "text": text,
        "basis": "Directive 2011/83/EU, Art. 11(1) and Annex I(B); in the United Kingdom, the Consumer "
        "Contracts Regulations 2013, reg. 32 and Schedule 3, Part B.",
    }


# When a line is not delivered yet, windows are compared as if delivered on this day.
_REFERENCE_DELIVERY = datetime(2001, 1, 1, 12, 0)


def effective_windows(*, terms: LineTerms, tz: tzinfo) -> tuple[Window, ...]:
    """Return, for a change of mind and for a fault, the longer of the promise and the law, labelled.

    On a tie the law's window is shown: the shop cannot take it away.
    """
    law = terms.law

    def ends(line: LineTerms) -> dict[str, datetime | None]:
        return {
            RETURN: _deadline(line, terms.return_days, tz)
            if terms.returnable and terms.return_days
            else None,
            WITHDRAWAL: _deadline(line, law.withdrawal_days, tz) if law.can_withdraw else None,
            REPLACEMENT: _deadline(line, terms.replacement_days, tz) if terms.replacement_days else None,
            LEGAL_GUARANTEE: _guarantee_deadline(line, tz),
        }

    compared = ends(replace(terms, delivered_at=terms.delivered_at or _REFERENCE_DELIVERY.replace(tzinfo=tz)))
    actual = ends(terms)
    labels = {
        RETURN: (PROMISE, "the shop's promise"),
        WITHDRAWAL: (LAW, law.withdrawal_basis),
        REPLACEMENT: (PROMISE, "the shop's promise"),
        LEGAL_GUARANTEE: (LAW, law.guarantee_basis),
    }
    windows = []
    for purpose, kinds in (
        ("change_of_mind", (RETURN, WITHDRAWAL)),
        ("fault", (REPLACEMENT, LEGAL_GUARANTEE)),
    ):
        present = [kind for kind in kinds if compared[kind] is not None]
        if not present:
            continue
        best = max(present, key=lambda kind: (compared[kind], labels[kind][0] == LAW))
        source, basis = labels[best]
        windows.append(Window(purpose=purpose, deadline=actual[best], source=source, basis=basis))
    return tuple(windows)


def line_eligibility(*, terms: LineTerms, requested_at: datetime, tz: tzinfo) -> LineEligibility:
    """Return how many units of a line can still be returned, withdrawn or replaced at ``requested_at``,
    and why not, with every right the line has (``line_rights``) and its effective windows."""
    law = terms.law
    rights = line_rights(terms=terms, requested_at=requested_at, tz=tz)
    windows = effective_windows(terms=terms, tz=tz)
    if terms.delivered_at is None:
        return LineEligibility(
            delivered_quantity=0,
            returnable_quantity=0,
            replaceable_quantity=0,
            return_deadline=None,
            replacement_deadline=None,
            return_reasons_blocked=(NOT_DELIVERED,),
            replacement_reasons_blocked=(NOT_DELIVERED,),
            withdrawal_reasons_blocked=(NOT_DELIVERED,),
            requested_at=requested_at,
            rights=rights,
            windows=windows,
        )
    remaining = max(terms.quantity - terms.claimed_quantity, 0)
    return_deadline = _deadline(terms, terms.return_days, tz) if terms.returnable else None
    replacement_deadline = _deadline(terms, terms.replacement_days, tz)
    withdrawal_deadline = _deadline(terms, law.withdrawal_days, tz) if law.can_withdraw else None

    return_blocked: list[str] = []
    if not terms.returnable:
        return_blocked.append(NOT_RETURNABLE)
    elif not is_within(requested_at=requested_at, closes_at=return_deadline):
        return_blocked.append(RETURN_WINDOW_CLOSED)
    replacement_blocked: list[str] = []
    if not is_within(requested_at=requested_at, closes_at=replacement_deadline):
        replacement_blocked.append(REPLACEMENT_WINDOW_CLOSED)
    withdrawal_blocked: list[str] = []
    if not law.withdrawal_days:
        withdrawal_blocked.append(WITHDRAWAL_NOT_AVAILABLE)
    elif law.exemption:
        withdrawal_blocked.append(NOT_RETURNABLE)
    elif not is_within(requested_at=requested_at, closes_at=withdrawal_deadline):
        withdrawal_blocked.append(WITHDRAWAL_WINDOW_CLOSED)
    if remaining == 0:
        for blocked in (return_blocked, replacement_blocked, withdrawal_blocked):
            blocked.append(QUANTITY_EXCEEDS_REMAINING)

    return LineEligibility(
        delivered_quantity=terms.quantity,
        returnable_quantity=0 if return_blocked else remaining,
        replaceable_quantity=0 if replacement_blocked else remaining,
        return_deadline=return_deadline,
        replacement_deadline=replacement_deadline,
        return_reasons_blocked=tuple(return_blocked),
        replacement_reasons_blocked=tuple(replacement_blocked),
        remaining_quantity=remaining,
        withdrawal_deadline=withdrawal_deadline,
        withdrawable_quantity=0 if withdrawal_blocked else remaining,
        withdrawal_reasons_blocked=tuple(withdrawal_blocked),
        guarantee_deadline=_guarantee_deadline(terms, tz),
        reject_deadline=_deadline(terms, law.reject_days, tz) if law.reject_days else None,
        requested_at=requested_at,
        rights=rights,
        windows=windows,
    )


def _covered_by_law(eligibility: LineEligibility, kind: str, reason: str) -> bool:
    deadline = eligibility.by_law(kind, reason)
    return (
        deadline is not None
        and eligibility.requested_at is not None
        and is_within(requested_at=eligibility.requested_at, closes_at=deadline)
    )


WINDOW_REFUSALS = (
    NOT_RETURNABLE,
    WITHDRAWAL_NOT_AVAILABLE,
    RETURN_WINDOW_CLOSED,
    REPLACEMENT_WINDOW_CLOSED,
    WITHDRAWAL_WINDOW_CLOSED,
)


def request_refusal(
    *, eligibility: LineEligibility, kind: str, quantity: int, goodwill: bool = False, reason: str = ""
) -> str | None:
    """Return the code refusing ``quantity`` units of a line for ``kind``, or None when it may be asked.

    A fault (``SHOP_FAULT_REASONS``) reported after the promise is still accepted where the law covers
    it: a replacement within the legal guarantee, a return within a short-term right to reject.
    Goodwill (staff, with a recorded reason) lifts the windows and the non-returnable flag, never
    delivery or the quantities.
    """
    blocked = eligibility.blocked(kind)
    if NOT_DELIVERED in blocked:
        return NOT_DELIVERED
    lifted = goodwill or _covered_by_law(eligibility, kind, reason)
    if not lifted:
        for code in WINDOW_REFUSALS:
            if code in blocked:
                return code
    remaining = eligibility.available(kind)
    if lifted and any(code in WINDOW_REFUSALS for code in blocked):
        # The window refused it, so ``available`` is 0: count what is left of the line instead.
        remaining = eligibility.remaining_quantity
    if quantity > remaining:
        return QUANTITY_EXCEEDS_REMAINING
    return None


def request_deadline(*, eligibility: LineEligibility, kind: str, reason: str) -> datetime | None:
    """Return the deadline a request of ``kind`` for ``reason`` was accepted under (the law's when only
    the law covers it)."""
    if kind == WITHDRAWAL:
        return eligibility.withdrawal_deadline
    promise = eligibility.return_deadline if kind == RETURN else eligibility.replacement_deadline
    if _covered_by_law(eligibility, kind, reason) and (
        promise is None or not is_within(requested_at=eligibility.requested_at, closes_at=promise)
    ):
        return eligibility.by_law(kind, reason)
    return promise


def exchange_judged_as(reason: str) -> str:
    """Return the kind whose window and rules an exchange for ``reason`` is judged by: the
    replacement's for a replacement reason (a wrong size, a fault), the return's for a change of mind."""
    return REPLACEMENT if reason in REPLACEMENT_REASONS else RETURN


@dataclass(frozen=True)
class ExchangeQuote:
    """What an exchange settles: the new items at today's price against what the units sent back paid."""

    new_items: Decimal
    credit: Decimal

    @property
    def difference(self) -> Decimal:
        """Positive: the customer pays it; negative: the shop refunds it once the units are received."""
        return self.new_items - self.credit


def exchange_quote(*, new_items: Decimal, lines: Sequence["RefundLine"]) -> ExchangeQuote:
    """Return the exchange's settlement: ``new_items`` (price × units of what is sent instead) against
    the units sent back at what they actually paid (``RefundLine.price``)."""
    credit = sum((line.price for line in lines), Decimal("0.00"))
    return ExchangeQuote(new_items=Decimal(new_items).quantize(Decimal("0.01")), credit=credit)


def refund_due_by(*, requested_at: datetime, days: int, tz: tzinfo) -> datetime | None:
    """Return when a withdrawal's refund is due: the end of the ``days``-th local day after the notice
    reached the shop (counted like the windows); None when the law sets no such time."""
    return window_closes_at(delivered_at=requested_at, days=days, tz=tz) if days else None


def refund_overdue(*, due_by: datetime | None, now: datetime, settled: bool) -> bool:
    """Return whether a refund due by ``due_by`` is late at ``now`` (never once it is ``settled``)."""
    return due_by is not None and not settled and now > due_by


def deduction_refusal(*, amount: Decimal, reason: str, line_price: Decimal) -> str | None:
    """Return why a deduction for diminished value is refused, or None: it needs a written reason and
    is never negative nor more than the price of the units on the line."""
    if Decimal(amount) < 0 or Decimal(amount) > Decimal(line_price):
        return "invalid_amount"
    if Decimal(amount) > 0 and not reason.strip():
        return "reason_required"
    return None


@dataclass(frozen=True)
class RefundLine:
    unit_price: Decimal
    quantity: int  # units accepted back (received, or requested when staff skip receiving)
    ordered_quantity: int
    deduction: Decimal = Decimal("0.00")  # for diminished value (a withdrawal), never above the units' price
    # What the whole line actually paid (after its share of a discount); None: unit price × ordered.
    paid_total: Decimal | None = None
    # Units of the line already given back by earlier requests: the first units' cents are theirs.
    earlier: int = 0

    @property
    def price(self) -> Decimal:
        """What these units actually cost (``orders.discounts.policy.units_paid``)."""
        paid = (
            Decimal(self.paid_total)
            if self.paid_total is not None
            else Decimal(self.unit_price) * self.ordered_quantity
        )
        return units_paid(
            paid_total=paid, quantity=self.ordered_quantity, units=self.quantity, earlier=self.earlier
        )


@dataclass(frozen=True)
class RefundQuote:
    """What a request refunds: items, shipping (when due), and the total capped at what is refundable."""

    items: Decimal
    shipping: Decimal
    due: Decimal  # items + shipping - deductions, per the policy
    refundable: Decimal  # captured minus refunds that have not failed
    total: Decimal  # what to refund now: ``due`` capped at ``refundable``
    deductions: Decimal = Decimal("0.00")

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
    kind: str = RETURN,
    delivery_refunded: bool = False,
) -> RefundQuote:
    """Return the refund the policy gives: what the accepted units actually cost (their share of the
    line's price after its discount, ``RefundLine.price``), less any deduction for
    diminished value; plus shipping only when the whole order comes back for a reason that is the
    shop's fault, or is withdrawn from where the law refunds the standard delivery
    (``delivery_refunded``); never more than is still refundable.
    """
    cent = Decimal("0.01")
    items = sum((line.price for line in lines), Decimal("0.00")).quantize(cent)
    deductions = sum(
        (min(Decimal(line.deduction), line.price) for line in lines),
        Decimal("0.00"),
    ).quantize(cent)
    shipping_due = reason in SHOP_FAULT_REASONS or (kind == WITHDRAWAL and delivery_refunded)
    shipping = Decimal(shipping_total).quantize(cent) if whole_order and shipping_due else cent * 0
    due = items + shipping - deductions
    refundable = max(Decimal(refundable), Decimal("0.00")).quantize(cent)
    return RefundQuote(
        items=items,
        shipping=shipping,
        due=due,
        refundable=refundable,
        total=min(due, refundable),
        deductions=deductions,
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
