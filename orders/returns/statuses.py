"""Return and replacement request statuses and the one table of allowed transitions (``docs/policy.md``).

Each entry maps ``(from, to)`` to the roles allowed to make that change;
``orders.returns.services.return_request_transition`` checks it and records the step.
"""

from django.db import models

from orders.statuses import Role


class ReturnKind(models.TextChoices):
    RETURN = "return", "Return (refund)"
    REPLACEMENT = "replacement", "Replacement"
    WITHDRAWAL = "withdrawal", "Withdrawal (statutory, no reason needed)"
    # Another product or size for the units sent back, the price difference settled either way.
    EXCHANGE = "exchange", "Exchange (another product or size)"


class ReturnReason(models.TextChoices):
    """Why the customer sends something back, as the customer and staff read it (the codes are the policy's)."""

    CHANGED_MIND = "changed_mind", "Changed their mind"
    NOT_COMFORTABLE = "not_comfortable", "Not comfortable"
    WRONG_SIZE = "wrong_size", "Wrong size"
    DEFECTIVE = "defective", "Defective"
    WRONG_ITEM = "wrong_item", "Wrong item sent"
    DAMAGED_IN_TRANSIT = "damaged_in_transit", "Damaged in transit"
    REMAKE_DOES_NOT_FIT = "remake_does_not_fit", "The remade pair does not fit"
    # What was wrong with the fit (``policy.FIT_REASONS``): the evidence recommendations learn from.
    TOO_FIRM = "too_firm", "Too firm"
    TOO_SOFT = "too_soft", "Too soft"
    ARCH_TOO_HIGH = "arch_too_high", "Arch too high"
    ARCH_TOO_LOW = "arch_too_low", "Arch too low"
    TOO_LONG = "too_long", "Too long"
    TOO_SHORT = "too_short", "Too short"
    TOO_WIDE = "too_wide", "Too wide"
    TOO_NARROW = "too_narrow", "Too narrow"
    DOES_NOT_FIT_SHOES = "does_not_fit_shoes", "Does not fit my shoes"
    PAIN_NOT_BETTER = "pain_not_better", "Pain not better"
    PAIN_WORSE = "pain_worse", "Pain worse"


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RECEIVED = "received", "Received"
    REFUNDED = "refunded", "Refunded"
    REPLACEMENT_SHIPPED = "replacement_shipped", "Replacement shipped"  # for an exchange: the new item
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


R = ReturnStatus
CUSTOMER, STAFF = Role.CUSTOMER, Role.STAFF
# (from, to) -> roles. Staff may skip ``received``; a replacement that cannot be made is refunded
# instead (approved/received -> refunded for either kind); a rejected request is re-opened only as goodwill.
RETURN_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (R.REQUESTED, R.APPROVED): frozenset({STAFF}),
    (R.REQUESTED, R.REJECTED): frozenset({STAFF}),
    (R.REQUESTED, R.CANCELLED): frozenset({CUSTOMER}),
    (R.REJECTED, R.APPROVED): frozenset({STAFF}),  # goodwill only (return_request_goodwill_approve)
    (R.APPROVED, R.RECEIVED): frozenset({STAFF}),
    (R.APPROVED, R.REFUNDED): frozenset({STAFF}),
    (R.APPROVED, R.REPLACEMENT_SHIPPED): frozenset({STAFF}),
    (R.RECEIVED, R.REFUNDED): frozenset({STAFF}),
    (R.RECEIVED, R.REPLACEMENT_SHIPPED): frozenset({STAFF}),
    # Inspected and kept without a refund: receiving never forces one.
    (R.RECEIVED, R.CLOSED): frozenset({STAFF}),
    # A refund the provider declined is tried again as a new refund: the request stays refunded.
    (R.REFUNDED, R.REFUNDED): frozenset({STAFF}),
    (R.REFUNDED, R.CLOSED): frozenset({STAFF}),
    (R.REPLACEMENT_SHIPPED, R.CLOSED): frozenset({STAFF}),
}
# Only a replacement or an exchange can have its new item shipped.
RETURN_KIND_TARGETS = {
    ReturnKind.RETURN: frozenset({R.REPLACEMENT_SHIPPED}),
    ReturnKind.WITHDRAWAL: frozenset({R.REPLACEMENT_SHIPPED}),
}
# Moves a kind may not make although the table has them: an exchange's new item ships only once the
# units sent back have been received (a cheaper exchange refunds the difference then).
RETURN_KIND_MOVES_FORBIDDEN = {
    ReturnKind.EXCHANGE: frozenset({(R.APPROVED, R.REPLACEMENT_SHIPPED)}),
}
# Requests whose refund has been made or is no longer owed: a refund due date no longer runs.
RETURN_REFUND_SETTLED = frozenset({R.REFUNDED, R.CLOSED, R.REJECTED, R.CANCELLED})
# Requests whose units no longer count against the delivered quantity.
RETURN_RELEASED = frozenset({R.REJECTED, R.CANCELLED})
# Requests a member of staff must act on next.
RETURN_AWAITING_STAFF = frozenset({R.REQUESTED, R.APPROVED, R.RECEIVED})
# Requests that still accept photos from the customer.
RETURN_OPEN = frozenset({R.REQUESTED, R.APPROVED, R.RECEIVED})


def return_is_allowed(from_status: str, to_status: str, role: str, kind: str) -> bool:
    """Return whether ``role`` may move a request of ``kind`` from ``from_status`` to ``to_status``."""
    if to_status in RETURN_KIND_TARGETS.get(kind, frozenset()):
        return False
    if (from_status, to_status) in RETURN_KIND_MOVES_FORBIDDEN.get(kind, frozenset()):
        return False
    return role in RETURN_TRANSITIONS.get((from_status, to_status), frozenset())


def return_next_statuses(from_status: str, role: str, kind: str) -> list[str]:
    """Return the statuses ``role`` may move a request of ``kind`` to from ``from_status``."""
    return [
        to
        for (frm, to) in RETURN_TRANSITIONS
        if frm == from_status and return_is_allowed(frm, to, role, kind)
    ]
