"""Checkout: turn a cart into an order, reserving stock in one transaction, then start the payment."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.exceptions import CartCheckedOut, CartEmpty, InactiveProduct, InvalidInput, InvalidShippingMethod
from orders.models import ZERO, Cart, Order, OrderLine, OrderStatusChange, ShippingMethod
from orders.payments.gateway import PaymentSession
from orders.selectors import customer_default_address
from orders.services.fittings import fittings_attach_to_order_lines, fittings_checkout_validate
from orders.services.orders import Actor
from orders.services.payments import payment_start
from orders.services.stock import stock_reserve
from orders.statuses import OrderStatus, Role
from orders.tasks import order_notify_on_commit


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    payment: PaymentSession | None
    replayed: bool = False


def _checkout_key(cart: Cart, idempotency_key: str | None) -> str | None:
    if not idempotency_key:
        return None
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
    return f"{cart.token}:{digest}"


def order_checkout(
    *,
    cart: Cart,
    email: str,
    shipping_address: dict | None,
    shipping_method: str,
    user: Actor = None,
    billing_address: dict | None = None,
    idempotency_key: str | None = None,
) -> CheckoutResult:
    """Place an order for the cart and start its payment; the same ``idempotency_key`` returns the same order.

    Prices come from the catalogue. Stock is taken inside one transaction, variants locked in
    primary-key order, so concurrent checkouts never oversell and never deadlock. Without a
    ``shipping_address`` a logged-in customer's default address is used.
    """
    if shipping_address is None:
        shipping_address = (
            customer_default_address(user=user) if getattr(user, "is_authenticated", False) else None
        )
        if shipping_address is None:
            raise InvalidInput("A shipping address is required.", code="required", attr="shipping_address")
    key = _checkout_key(cart, idempotency_key)
    order = _order_for_key(key)
    replayed = order is not None
    if order is None:
        try:
            order, replayed = _order_place(
                cart=cart,
                email=email,
                shipping_address=shipping_address,
                billing_address=billing_address,
                shipping_method=shipping_method,
                user=user,
                key=key,
            )
        except IntegrityError:
            order = _order_for_key(key)
            if order is None:
                raise
            replayed = True
    return CheckoutResult(order=order, payment=payment_start(order=order), replayed=replayed)


def _order_for_key(key: str | None) -> Order | None:
    return Order.objects.filter(checkout_key=key).first() if key else None


def _order_place(*, cart, email, shipping_address, billing_address, shipping_method, user, key):
    now = timezone.now()
    method = ShippingMethod.objects.filter(code=shipping_method, is_active=True).first()
    if method is None:
        raise InvalidShippingMethod(attr="shipping_method")
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        if cart.checked_out_at is not None:
            existing = _order_for_key(key)  # the same request, sent twice at once
            if existing is not None:
                return existing, True
            raise CartCheckedOut()
        items = list(cart.items.select_related("variant__product").order_by("variant_id"))
        if not items:
            raise CartEmpty(attr="cart")
        for item in items:
            if not (item.variant.is_active and item.variant.product.is_active):
                raise InactiveProduct(f"{item.variant.sku} is no longer sold.", attr="cart")
        fittings = fittings_checkout_validate(items=items)
        variants = stock_reserve(quantities={item.variant_id: item.quantity for item in items})

        lines = []
        for item in items:
            variant = variants[item.variant_id]
            policy = variant.product.return_policy()
            lines.append(
                OrderLine(
                    variant=variant,
                    product=variant.product,
                    product_kind=variant.product.kind,
                    product_name=variant.product.name,
                    sku=variant.sku,
                    size_label=variant.size_label,
                    quantity=item.quantity,
                    unit_price=variant.price,
                    line_total=variant.price * item.quantity,
                    returnable=policy.returnable,
                    return_days=policy.return_days,
                    replacement_days=policy.replacement_days,
                )
            )
        subtotal = sum((line.line_total for line in lines), ZERO)
        order = Order.objects.create(
            user=user if getattr(user, "is_authenticated", False) else None,
            email=email.strip().lower(),
            currency=settings.SHOP_CURRENCY,
            subtotal=subtotal,
            shipping_total=method.price,
            total=subtotal + Decimal(method.price),
            shipping_address=shipping_address,
            billing_address=billing_address,
            shipping_method_code=method.code,
            shipping_method_name=method.name,
            checkout_key=key,
            payment_deadline=now + timedelta(minutes=settings.SHOP_PAYMENT_DEADLINE_MINUTES),
        )
        for line in lines:
            line.order = order
        OrderLine.objects.bulk_create(lines)
        fittings_attach_to_order_lines(items=items, lines=lines, fittings=fittings)
        OrderStatusChange.objects.create(
            order=order,
            from_status="",
            to_status=OrderStatus.PENDING_PAYMENT,
            actor=order.user,
            role=Role.CUSTOMER,
            note="Order placed.",
            created_at=now,
        )
        cart.checked_out_at = now
        cart.save(update_fields=["checked_out_at", "updated_at"])
        order_notify_on_commit(order_id=order.pk, notification="placed")
    return order, False
