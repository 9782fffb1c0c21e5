"""A code's use given back: an order carrying it that is cancelled or expires no longer holds one.

Checkout counts the use (``orders.discounts.services.discount_redeem``); this module gives it back,
from the one place order statuses change (``orders.services.transitions.order_transition``), in the
transaction of the status change and under the order's row lock. It imports nothing from the order
services, so the transitions module may call it.
"""

from django.db.models import F

from orders.discounts.models import DiscountCode
from orders.models import Order
from orders.statuses import ENDED_UNFULFILLED


def discount_use_release(*, order: Order, from_status: str) -> bool:
    """Give back the use of the order's code if the order has just ended unfulfilled; return whether it did.

    Call with the order locked and its new status set. It gives back only on the move into
    cancelled or expired from a status that was neither, so an order gives its use back once, however
    often it is cancelled or expired; the count never goes below zero. One ``UPDATE``, and no
    statement at all for an order without a code or for any other move.
    """
    if not order.discount_code_id:
        return False
    if order.status not in ENDED_UNFULFILLED or from_status in ENDED_UNFULFILLED:
        return False
    return bool(
        DiscountCode.objects.filter(code=order.discount_code_id, times_used__gt=0).update(
            times_used=F("times_used") - 1
        )
    )
