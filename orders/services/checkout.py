"""Checkout: turn a cart into an order, reserving stock in one transaction, then start the payment.

One write path, the ORM's, on every database; seven statements for an order of off-the-shelf
products (``tests/orders/test_checkout_queries.py`` pins them):

1. the cart with its items, variants and products, read and locked at once, by variant id (the
   primary-key order every stock change locks in, so concurrent checkouts cannot deadlock);
2. one ``UPDATE`` taking the stock of every line, each only where the stock still covers it;
3. the order, 4. its lines (one ``INSERT``), 5. its first history row
   (``orders.services.transitions.order_create``), 6. the cart's checkout time;
7. after the commit, the payment row, written once with the provider's reference.

A cart carrying a discount code adds two: the code's product and category lists, and the
conditional ``UPDATE`` that counts its use (``orders.discounts.services.discount_redeem``); the
discount is then frozen on the lines. Custom orthotics add the writes of their fittings and builds. The shipping method and the
statutory rights of the destinations come from the cache, a replayed ``Idempotency-Key`` is looked up only when the cart is found checked out already,
and the result carries the rows it wrote, so the response and the confirmation email are built
without reading them back.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalogue.choices import ProductKind
from catalogue.pricing import variant_price
from catalogue.stock import is_sellable
from orders.discounts.services import discount_redeem
from orders.exceptions import (
    CartCheckedOut,
    CartEmpty,
    InactiveProduct,
    InvalidInput,
    InvalidShippingMethod,
)
from orders.fittings.services import fittings_attach_to_order_lines, fittings_checkout_validate
from orders.models import ZERO, Cart, CartItem, Order, OrderLine, OrderStatusChange, Payment, ShippingMethod
from orders.notifications import order_placed_notify_on_commit
from orders.payments.interface import PaymentSession
from orders.returns import policy as returns_policy
from orders.returns.selectors import destination_for_country
from orders.selectors import cart_usable, customer_default_address, order_get_for_staff
from orders.services.payments import payment_start, payment_start_first
from orders.services.stock import stock_reserve
from orders.services.transitions import Actor, order_create
from orders.statuses import OrderStatus, Role

# What checkout changes on the cart (as ``Cart.save(update_fields=...)``: ``updated_at`` is ``auto_now``).
CART_CHECKOUT_FIELDS = ["checked_out_at", "updated_at"]


@dataclass(frozen=True)
class CheckoutResult:
    """The order with its lines, history, payments and refunds loaded, and the payment to confirm."""

    order: Order
    payment: PaymentSession | None
    replayed: bool = False


@dataclass(frozen=True)
class _Placed:
    """The order a checkout wrote with its new rows, or (``replayed``) the order an earlier one wrote."""

    order: Order
    lines: list[OrderLine] = field(default_factory=list)
    history: list[OrderStatusChange] = field(default_factory=list)
    replayed: bool = False


def _checkout_key(token: UUID | str, idempotency_key: str | None) -> str | None:
    if not idempotency_key:
        return None
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
    return f"{token}:{digest}"


def order_checkout(
    *,
    cart_token: UUID | str,
    email: str,
    shipping_address: dict | None,
    shipping_method: str,
    user: Actor = None,
    billing_address: dict | None = None,
    idempotency_key: str | None = None,
) -> CheckoutResult:
    """Place an order for the cart and start its payment; the same ``idempotency_key`` returns the same order.

    The cart is read here by its token, with its items, under lock; a cart tied to another account is
    ``cart_not_found``. Prices come from the catalogue. Stock is taken inside one transaction,
    variants locked in primary-key order, so concurrent checkouts never oversell and never deadlock.
    Without a ``shipping_address`` a logged-in customer's default address is used.
    """
    if shipping_address is None:
        shipping_address = (
            customer_default_address(user=user) if getattr(user, "is_authenticated", False) else None
        )
        if shipping_address is None:
            raise InvalidInput("A shipping address is required.", code="required", attr="shipping_address")
    shipping_country_check(country=shipping_address.get("country", ""))
    key = _checkout_key(cart_token, idempotency_key)
    try:
        placed = _order_place(
            token=cart_token,
            email=email,
            shipping_address=shipping_address,
            billing_address=billing_address,
            method=ShippingMethod.objects.get_active(shipping_method),
            user=user,
            key=key,
        )
    except IntegrityError:  # the same key committed an order meanwhile (or, never seen, a number clash)
        existing = Order.objects.filter(checkout_key=key).first() if key else None
        if existing is None:
            raise
        placed = _Placed(order=existing, replayed=True)
    if placed.replayed:
        return _replay(order=placed.order)
    session, payment = payment_start_first(order=placed.order)
    if payment is None:  # a replay of this checkout started the payment first: show what it wrote
        return CheckoutResult(order=order_get_for_staff(number=placed.order.number), payment=session)
    return CheckoutResult(order=_with_related(placed, payments=[payment]), payment=session)


def shipping_country_check(*, country: str) -> None:
    """Refuse a destination the shop does not ship to (``SHOP_SHIPPING_COUNTRIES``): 400 ``country_not_shipped``."""
    if (country or "").upper() not in settings.SHOP_SHIPPING_COUNTRIES:
        raise InvalidInput(
            f"We do not ship to {country or 'this country'}. We ship to: "
            f"{', '.join(sorted(settings.SHOP_SHIPPING_COUNTRIES))}.",
            code="country_not_shipped",
            attr="shipping_address.country",
        )


def _replay(*, order: Order) -> CheckoutResult:
    """Answer a repeated checkout with its order, resuming the payment (same provider idempotency key)."""
    session = payment_start(order=order)
    return CheckoutResult(order=order_get_for_staff(number=order.number), payment=session, replayed=True)


def _cart_items_locked(*, token: UUID | str) -> list[CartItem]:
    """Return the cart's items with their cart, variant and product, locking cart, items and variants.

    One query. The database locks the rows in the order it returns them, by variant id, so
    checkouts sharing variants take their locks in the same order and cannot deadlock.
    """
    return list(
        CartItem.objects.select_related("cart__discount_code", "variant__product")
        .select_for_update(of=("self", "cart", "variant"))
        .filter(cart__token=token)
        .order_by("variant_id")
    )


def _order_place(*, token, email, shipping_address, billing_address, method, user, key) -> _Placed:
    """Write the order for the cart, or find the earlier order when this is a replay of its checkout."""
    now = timezone.now()
    with transaction.atomic():
        items = _cart_items_locked(token=token)
        cart = cart_usable(items[0].cart if items else Cart.objects.filter(token=token).first(), user=user)
        if cart.checked_out_at is not None:
            existing = Order.objects.filter(checkout_key=key).first() if key else None
            if existing is not None:  # the same request again: answer it the same way
                return _Placed(order=existing, replayed=True)
            raise CartCheckedOut()
        if method is None:
            raise InvalidShippingMethod(attr="shipping_method")
        if not items:
            raise CartEmpty(attr="cart")
        for item in items:
            if not is_sellable(item.variant):
                raise InactiveProduct(f"{item.variant.sku} is no longer sold.", attr="cart")
        fittings = fittings_checkout_validate(items=items, user=user)
        stock_reserve(
            quantities={item.variant_id: item.quantity for item in items},
            locked={item.variant_id: item.variant for item in items},
        )

        country = shipping_address.get("country", "").upper()
        destination = destination_for_country(country)
        lines = [_order_line(item, destination=destination, country=country) for item in items]
        subtotal = sum((line.line_total for line in lines), ZERO)
        shipping = Decimal(method.price)
        discount = None
        if cart.discount_code_id is not None:  # judged again here, and one use counted under the row's lock
            discount = discount_redeem(code=cart.discount_code, items=items, user=user, email=email)
            for item, line in zip(items, lines, strict=True):
                line.discount_total = discount.line(item.pk)
            if discount.free_shipping:
                shipping = ZERO
        discount_total = discount.amount if discount is not None else ZERO
        order = Order(
            user=user if getattr(user, "is_authenticated", False) else None,
            email=email.strip().lower(),
            currency=settings.SHOP_CURRENCY,
            subtotal=subtotal,
            discount_total=discount_total,
            discount_code=cart.discount_code if discount is not None else None,
            shipping_total=shipping,
            total=subtotal - discount_total + shipping,
            shipping_address=shipping_address,
            billing_address=billing_address,
            shipping_method_code=method.code,
            shipping_method_name=method.name,
            checkout_key=key,
            payment_deadline=now + timedelta(minutes=settings.SHOP_PAYMENT_DEADLINE_MINUTES),
        )
        placed = order_create(
            order=order,
            to_status=OrderStatus.PENDING_PAYMENT,
            actor=user,
            role=Role.CUSTOMER,
            note="Order placed.",
            at=now,
        )
        for line in lines:
            line.order = order
        OrderLine.objects.bulk_create(lines)
        cart.checked_out_at = now
        cart.save(update_fields=CART_CHECKOUT_FIELDS)
        fittings_attach_to_order_lines(items=items, lines=lines, fittings=fittings)
        order_placed_notify_on_commit(order=order, lines=lines, change_id=placed.pk)
    return _Placed(order=order, lines=lines, history=[placed])


def _order_line(item: CartItem, *, destination: returns_policy.Destination | None, country: str) -> OrderLine:
    """Return the order line for the cart item: the product as sold now, priced by the catalogue, with
    the shop's promise and the destination's statutory rights as they apply to it."""
    variant = item.variant
    policy = variant.product.return_policy()
    law = returns_policy.line_law(
        destination=destination,
        country=country,
        made_to_specification=variant.product.kind == ProductKind.CUSTOM_ORTHOTIC,
        sealed_hygiene=variant.product.sealed_hygiene,
    )
    return OrderLine(
        variant=variant,
        product=variant.product,
        product_kind=variant.product.kind,
        product_name=variant.product.name,
        sku=variant.sku,
        size_label=variant.size_label,
        quantity=item.quantity,
        unit_price=variant_price(variant),
        line_total=variant_price(variant) * item.quantity,
        returnable=policy.returnable,
        return_days=policy.return_days,
        replacement_days=policy.replacement_days,
        statutory_rights=law.to_json(),
    )


def _with_related(placed: _Placed, *, payments: list[Payment]) -> Order:
    """Return the order holding the rows checkout wrote as if prefetched, so reading them runs no query.

    What ``selectors.order_get_for_staff`` would load: lines (each with its fitting and build, or
    none), history, payments and refunds (none yet).
    """
    order = placed.order
    for line in placed.lines:
        for relation in (OrderLine.fitting.related, OrderLine.orthotic_build.related):
            if not relation.is_cached(line):  # custom lines got theirs when they were linked
                relation.set_cached_value(line, None)
    related = {"lines": placed.lines, "status_changes": placed.history, "payments": payments, "refunds": []}
    # As ``prefetch_related()`` stores them (Django has no public way to hand over rows already held).
    order._prefetched_objects_cache = {}
    for name, rows in related.items():
        queryset = getattr(order, name).all()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        order._prefetched_objects_cache[name] = queryset
    return order
