"""Reads of discount codes: a code by what the customer typed, its rules as plain values, a cart's discount."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from catalogue.pricing import variant_price
from orders.discounts import policy
from orders.discounts.exceptions import DiscountNotFound
from orders.discounts.models import DiscountCode
from orders.models import Order
from orders.statuses import ENDED_UNFULFILLED


def discount_code_find(*, code: str) -> DiscountCode:
    """Return the code the customer typed (any case, spaces around ignored), or ``discount_unknown``."""
    found = DiscountCode.objects.filter(code=(code or "").strip().upper()).first()
    if found is None:
        raise DiscountNotFound(attr="code")
    return found


def discount_terms(*, code: DiscountCode) -> policy.Terms:
    """Return the code's rules as plain values; its product and category lists in one query."""
    product_ids, category_ids = set(), set()
    for product_id, category_id in DiscountCode.objects.filter(pk=code.pk).values_list(
        "products", "categories"
    ):
        if product_id is not None:
            product_ids.add(product_id)
        if category_id is not None:
            category_ids.add(category_id)
    return policy.Terms(
        kind=code.kind,
        value=code.value,
        free_shipping=code.free_shipping,
        minimum_subtotal=code.minimum_subtotal,
        product_ids=frozenset(product_ids),
        category_ids=frozenset(category_ids),
        product_kinds=frozenset(code.product_kinds or ()),
        includes_custom_orthotics=code.includes_custom_orthotics,
        valid_from=code.valid_from,
        valid_until=code.valid_until,
        usage_limit=code.usage_limit,
        times_used=code.times_used,
        is_active=code.is_active,
    )


def customer_orders_with(*, user, email: str) -> Q:
    """The orders of this customer, by account (when logged in) or email address, as a ``Q`` on ``Order``."""
    condition = Q(email=(email or "").strip().lower())
    if getattr(user, "is_authenticated", False):
        condition |= Q(user_id=user.pk)
    return condition


def customer_orders_holding_a_use(*, user, email: str):
    """The orders of this customer that hold a use of their code: all but those cancelled or expired."""
    return Order.objects.filter(customer_orders_with(user=user, email=email)).exclude(
        status__in=ENDED_UNFULFILLED
    )


def discount_used_by(*, code: DiscountCode, user, email: str) -> bool:
    """Whether this customer (account or email) already has an order carrying the code, not cancelled or expired."""
    return customer_orders_holding_a_use(user=user, email=email).filter(discount_code=code).exists()


def basket_lines(items: Iterable) -> list[policy.BasketLine]:
    """Cart items (with variant and product loaded) as the policy's lines, priced by the catalogue now."""
    return [
        policy.BasketLine(
            key=item.pk,
            product_id=item.variant.product_id,
            category_id=item.variant.product.category_id,
            kind=item.variant.product.kind,
            line_total=variant_price(item.variant) * item.quantity,
        )
        for item in items
    ]


@dataclass(frozen=True)
class CartDiscount:
    """The code on a cart and what it does now: the amount off, or why it does not apply."""

    code: str
    description: str
    applies: bool
    reason: str | None  # a key of ``policy.REFUSALS`` when it does not apply
    message: str
    amount: Decimal
    free_shipping: bool
    per_line: dict[int, Decimal]


def cart_discount(*, cart, items: list, user=None, email: str = "") -> CartDiscount | None:
    """Return the cart's code judged against its items now (None when the cart has no code)."""
    code = cart.discount_code
    if code is None:
        return None
    terms = discount_terms(code=code)
    lines = basket_lines(items)
    used = bool(code.once_per_customer and (email or getattr(user, "is_authenticated", False))) and (
        discount_used_by(code=code, user=user, email=email or getattr(user, "email", ""))
    )
    reason = policy.discount_refusal(terms=terms, lines=lines, now=timezone.now(), used_by_customer=used)
    if reason is not None:
        return CartDiscount(
            code=code.code,
            description=code.description,
            applies=False,
            reason=reason,
            message=refusal_message(reason, terms=terms),
            amount=policy.ZERO,
            free_shipping=False,
            per_line={},
        )
    discount = policy.discount_compute(terms=terms, lines=lines)
    return CartDiscount(
        code=code.code,
        description=code.description,
        applies=True,
        reason=None,
        message="",
        amount=discount.amount,
        free_shipping=discount.free_shipping,
        per_line=discount.per_line,
    )


def refusal_message(reason: str, *, terms: policy.Terms) -> str:
    """The sentence a customer reads for a refusal, with the minimum spelled out where it is the reason."""
    if reason == "discount_minimum_not_met":
        return f"This code needs goods worth at least {terms.minimum_subtotal} in the cart."
    return policy.REFUSALS[reason]
