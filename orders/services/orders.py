"""What staff, customers and the system do to an order: cancel, ship, deliver, expire.

Each status change goes through ``orders.services.transitions.order_transition``, which locks the
order row, checks the table in ``orders.statuses`` and records an ``OrderStatusChange``.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from orders.exceptions import InvalidInput, ReasonRequired
from orders.fittings.exceptions import OrthoticNotMade
from orders.fittings.selectors import order_custom_lines_not_made
from orders.models import Order
from orders.services.payments import order_payments_settle_after_cancel
from orders.services.stock import stock_release
from orders.services.transitions import Actor, order_lock, order_transition
from orders.statuses import AWAITING_PAYMENT, HOLDS_STOCK, OrderStatus, Role, is_allowed

logger = logging.getLogger(__name__)

# A delivery time given a little ahead of the server's clock (a carrier's or a staff member's) is accepted.
DELIVERY_CLOCK_SKEW = timedelta(minutes=5)


def order_cancel(*, order: Order, actor: Actor = None, role: str = Role.CUSTOMER, reason: str = "") -> Order:
    """Cancel an order before shipment: release its stock, then void or refund its payment.

    Customers may cancel while it is pending payment or paid; staff up to shipment, with a reason.
    """
    if role == Role.STAFF and not reason.strip():
        raise ReasonRequired(attr="reason")
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        held = locked.status in HOLDS_STOCK
        locked = order_transition(
            order=locked,
            to_status=OrderStatus.CANCELLED,
            actor=actor,
            role=role,
            note=reason or "Cancelled by the customer.",
            changes={"cancellation_reason": reason},
        )
        if held:
            stock_release(quantities=_line_quantities(locked))
    order_payments_settle_after_cancel(order=locked, actor=actor)
    order.refresh_from_db()
    return order


def order_ship(*, order: Order, actor: Actor, carrier: str, tracking_number: str, note: str = "") -> Order:
    """Mark a paid order shipped with its carrier and tracking number (staff).

    Custom orthotics ship only once the lab has marked each pair made (409 ``orthotic_not_made``).
    """
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        ready_to_ship = is_allowed(locked.status, OrderStatus.SHIPPED, Role.STAFF)
        not_made = order_custom_lines_not_made(order=locked) if ready_to_ship else []
        if not_made:
            raise OrthoticNotMade(
                f"The lab has not marked {', '.join(not_made)} made yet: record the build first."
            )
        return order_transition(
            order=order,
            to_status=OrderStatus.SHIPPED,
            actor=actor,
            role=Role.STAFF,
            note=note or f"Shipped with {carrier}, tracking {tracking_number}.",
            changes={"carrier": carrier, "tracking_number": tracking_number},
        )


def order_deliver(
    *, order: Order, actor: Actor, delivered_at: datetime | None = None, note: str = ""
) -> Order:
    """Mark a shipped order delivered; its lines' return and replacement windows start at ``delivered_at``.

    ``delivered_at`` (default now) is when the carrier delivered: not before the order shipped and not
    in the future (beyond a few minutes of clock skew), since the customer's windows count from it.
    """
    now = timezone.now()
    delivered_at = delivered_at or now
    if delivered_at > now + DELIVERY_CLOCK_SKEW:
        raise InvalidInput(
            "The delivery time cannot be in the future.", code="delivered_in_future", attr="delivered_at"
        )
    if order.shipped_at is not None and delivered_at < order.shipped_at:
        raise InvalidInput(
            "The delivery time cannot be before the order shipped.",
            code="delivered_before_shipped",
            attr="delivered_at",
        )
    with transaction.atomic():
        locked = order_transition(
            order=order,
            to_status=OrderStatus.DELIVERED,
            actor=actor,
            role=Role.STAFF,
            note=note or "Delivered.",
            at=delivered_at,
        )
        locked.lines.update(delivered_at=delivered_at)
    return locked


def order_expire(*, order: Order, now: datetime | None = None) -> bool:
    """Expire an unpaid order past its deadline and give its stock back; return whether it expired."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        if (
            locked.status not in AWAITING_PAYMENT
            or not locked.payment_deadline
            or locked.payment_deadline > now
        ):
            return False
        locked = order_transition(
            order=locked, to_status=OrderStatus.EXPIRED, role=Role.SYSTEM, note="Not paid in time.", at=now
        )
        stock_release(quantities=_line_quantities(locked))
    order_payments_settle_after_cancel(order=locked, actor=None)
    return True


def orders_expire_unpaid(*, now: datetime | None = None) -> int:
    """Expire every unpaid order past its payment deadline; return how many expired."""
    now = now or timezone.now()
    due = Order.objects.filter(status__in=AWAITING_PAYMENT, payment_deadline__lte=now).order_by("pk")
    expired = 0
    for order in due.iterator():
        try:
            expired += order_expire(order=order, now=now)
        except Exception:  # one bad order must not stop the sweep
            logger.exception("Could not expire order %s", order.number)
    return expired


def _line_quantities(order: Order) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for variant_id, quantity in order.lines.filter(variant__isnull=False).values_list(
        "variant_id", "quantity"
    ):
        quantities[variant_id] = quantities.get(variant_id, 0) + quantity
    return quantities
