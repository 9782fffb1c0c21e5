"""Order statuses and the one table of allowed transitions (an Oscar-style pipeline).

Each entry maps ``(from, to)`` to the roles allowed to make that change; ``""`` is "no status yet"
(creation). To add a step, add the value to ``OrderStatus`` and its rows to ``TRANSITIONS``;
``orders.services.transitions`` does the rest.
"""

from django.db import models


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Pending payment"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    PAID = "paid", "Paid"
    AWAITING_IMPRESSION = "awaiting_impression", "Awaiting impression"  # custom orthotics
    IN_PRODUCTION = "in_production", "In production"  # custom orthotics
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class Role(models.TextChoices):
    """Who asks for a change: decides which rows of the table apply."""

    CUSTOMER = "customer", "Customer"
    STAFF = "staff", "Staff"
    SYSTEM = "system", "System"  # payment events, expiry


S = OrderStatus
CUSTOMER, STAFF, SYSTEM = Role.CUSTOMER, Role.STAFF, Role.SYSTEM

TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    # Creation (from no status): checkout places an order; staff create a replacement, which starts
    # where a paid order waits for shipment since there is nothing to pay.
    # Staff approving an exchange to a dearer item create its order awaiting the difference.
    ("", S.PENDING_PAYMENT): frozenset({CUSTOMER, STAFF}),
    ("", S.PAID): frozenset({STAFF}),
    (S.PENDING_PAYMENT, S.PAID): frozenset({SYSTEM}),
    (S.PENDING_PAYMENT, S.PAYMENT_FAILED): frozenset({SYSTEM}),
    (S.PENDING_PAYMENT, S.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (S.PENDING_PAYMENT, S.EXPIRED): frozenset({SYSTEM}),
    (S.PAYMENT_FAILED, S.PENDING_PAYMENT): frozenset({CUSTOMER, SYSTEM}),
    (S.PAYMENT_FAILED, S.PAID): frozenset({SYSTEM}),
    (S.PAYMENT_FAILED, S.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (S.PAYMENT_FAILED, S.EXPIRED): frozenset({SYSTEM}),
    (S.PAID, S.SHIPPED): frozenset({STAFF}),
    (S.PAID, S.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (S.SHIPPED, S.DELIVERED): frozenset({STAFF}),
    # Custom orthotics: straight after payment, then the lab; the customer may cancel only
    # before production starts, staff (with a reason: ``order_cancel``) up to shipment.
    (S.PAID, S.AWAITING_IMPRESSION): frozenset({SYSTEM}),
    (S.PAID, S.IN_PRODUCTION): frozenset({SYSTEM}),
    (S.AWAITING_IMPRESSION, S.IN_PRODUCTION): frozenset({STAFF}),
    (S.AWAITING_IMPRESSION, S.CANCELLED): frozenset({CUSTOMER, STAFF}),
    (S.IN_PRODUCTION, S.SHIPPED): frozenset({STAFF}),
    (S.IN_PRODUCTION, S.CANCELLED): frozenset({STAFF}),
}

# Statuses whose reserved stock still belongs to the order (released on cancel or expiry).
HOLDS_STOCK = frozenset({S.PENDING_PAYMENT, S.PAYMENT_FAILED, S.PAID, S.AWAITING_IMPRESSION, S.IN_PRODUCTION})
# Statuses of an order that ended without going to the customer: its discount code's use is given back
# on entering one (``orders.discounts.usage.discount_use_release``) and it no longer counts as the
# customer's use of a once-per-customer code. A refund after delivery (a return) does not end an order.
ENDED_UNFULFILLED = frozenset({S.CANCELLED, S.EXPIRED})
# Statuses waiting for the customer's money (the payment deadline applies).
AWAITING_PAYMENT = frozenset({S.PENDING_PAYMENT, S.PAYMENT_FAILED})
# Statuses of an order still under way (to be paid, made, shipped or delivered): an account with one
# cannot be erased until it ends (accounts.services.user_erase, docs/privacy.md).
UNDER_WAY = HOLDS_STOCK | {S.SHIPPED}
# Statuses a notification email goes out for.
NOTIFY = frozenset({S.PAID, S.AWAITING_IMPRESSION, S.IN_PRODUCTION, S.SHIPPED, S.DELIVERED, S.CANCELLED})
# When entering a status, this timestamp field is set.
TIMESTAMP_FIELD = {
    S.PAID: "paid_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.CANCELLED: "cancelled_at",
    S.EXPIRED: "expired_at",
}


def is_allowed(from_status: str, to_status: str, role: str) -> bool:
    """Return whether ``role`` may move an order from ``from_status`` to ``to_status``."""
    return role in TRANSITIONS.get((from_status, to_status), frozenset())


def next_statuses(from_status: str, role: str) -> list[str]:
    """Return the statuses ``role`` may move an order to from ``from_status``."""
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == from_status and role in roles]


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled (voided)"


# The moves a payment attempt's status may make (``orders.services.transitions.payment_transition``).
# Money the provider reports received after an attempt failed or was voided is still recorded: the
# order is then flagged for staff (``orders.payments.webhooks``).
PAYMENT_TRANSITIONS = frozenset(
    {
        (PaymentStatus.PENDING, PaymentStatus.SUCCEEDED),
        (PaymentStatus.PENDING, PaymentStatus.FAILED),
        (PaymentStatus.PENDING, PaymentStatus.CANCELLED),
        (PaymentStatus.FAILED, PaymentStatus.SUCCEEDED),
        (PaymentStatus.CANCELLED, PaymentStatus.SUCCEEDED),
    }
)


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


# The moves a refund's status may make (``orders.services.transitions.refund_transition``): the
# provider's answer to a pending refund, and a refund the provider reports failed after succeeding.
REFUND_TRANSITIONS = frozenset(
    {
        (RefundStatus.PENDING, RefundStatus.SUCCEEDED),
        (RefundStatus.PENDING, RefundStatus.FAILED),
        (RefundStatus.SUCCEEDED, RefundStatus.FAILED),
    }
)
