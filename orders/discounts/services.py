"""Writes of discount codes: put a code on a cart, take it off, and count a use at checkout.

The use is given back when the order is cancelled or expires: ``orders.discounts.usage``.
"""

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from orders.discounts import policy
from orders.discounts.exceptions import DiscountNotApplicable
from orders.discounts.models import DiscountCode
from orders.discounts.selectors import (
    basket_lines,
    customer_orders_holding_a_use,
    discount_code_find,
    discount_terms,
    discount_used_by,
    refusal_message,
)
from orders.services.cart import cart_open_check


def _refuse(reason: str, *, terms: policy.Terms) -> DiscountNotApplicable:
    return DiscountNotApplicable(refusal_message(reason, terms=terms), code=reason, attr="code")


def cart_discount_apply(*, cart, code: str, user=None) -> DiscountCode:
    """Put the code on the cart (replacing any other: one code per order), if it applies to it now.

    404 ``discount_unknown`` for an unknown code; 409 with the reason's code (``policy.REFUSALS``)
    when it does not apply. Checkout judges it again.
    """
    cart_open_check(cart=cart)
    found = discount_code_find(code=code)
    terms = discount_terms(code=found)
    items = list(cart.items.select_related("variant__product"))
    used = bool(found.once_per_customer and getattr(user, "is_authenticated", False)) and discount_used_by(
        code=found, user=user, email=user.email
    )
    reason = policy.discount_refusal(
        terms=terms, lines=basket_lines(items), now=timezone.now(), used_by_customer=used
    )
    if reason is not None:
        raise _refuse(reason, terms=terms)
    cart.discount_code = found
    cart.save(update_fields=["discount_code", "updated_at"])
    return found


def cart_discount_remove(*, cart) -> None:
    cart_open_check(cart=cart)
    if cart.discount_code_id is not None:
        cart.discount_code = None
        cart.save(update_fields=["discount_code", "updated_at"])


def discount_redeem(*, code: DiscountCode, items: list, user, email: str) -> policy.Discount:
    """Judge the code against the items being ordered and count one use; call inside checkout's transaction.

    Two statements when it applies: the code's product and category lists, and one conditional
    ``UPDATE`` that adds the use only while the code is under its limit and (once per customer) not on
    an order of this customer's (cancelled and expired ones do not count: they gave their use back,
    ``orders.discounts.usage``). Concurrent checkouts queue on the code's row, and each re-checks the
    limit on the row as the one before it left it, so a limit of 10 gives exactly 10 orders. Raises
    ``DiscountNotApplicable`` (the transaction then writes nothing).
    """
    terms = discount_terms(code=code)
    lines = basket_lines(items)
    reason = policy.discount_refusal(terms=terms, lines=lines, now=timezone.now())
    if reason is not None:
        raise _refuse(reason, terms=terms)
    used = customer_orders_holding_a_use(user=user, email=email).filter(discount_code=OuterRef("code"))
    counted = (
        DiscountCode.objects.filter(pk=code.pk, is_active=True)
        .filter(Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
        .filter(Q(once_per_customer=False) | ~Exists(used))
        .update(times_used=F("times_used") + 1)
    )
    if not counted:
        code.refresh_from_db()
        if code.usage_limit is not None and code.times_used >= code.usage_limit:
            raise _refuse("discount_used_up", terms=terms)
        if not code.is_active:
            raise _refuse("discount_inactive", terms=terms)
        raise _refuse("discount_already_used", terms=terms)
    return policy.discount_compute(terms=terms, lines=lines)
