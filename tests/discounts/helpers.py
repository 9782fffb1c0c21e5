"""Codes and orders carrying them, through the real services."""

from decimal import Decimal

from orders.discounts.models import DiscountCode
from orders.discounts.services import cart_discount_apply
from orders.models import Order
from orders.services.cart import cart_create, cart_item_add
from orders.services.checkout import order_checkout
from orders.services.orders import order_deliver, order_ship
from tests.factories import VariantFactory
from tests.orders.factories import address, pay


def code(name="SAVE", *, kind="percent", value="20", **fields) -> DiscountCode:
    return DiscountCode.objects.create(code=name, kind=kind, value=Decimal(value), **fields)


def insole(price: str, stock: int = 50, **fields):
    return VariantFactory(price=Decimal(price), stock=stock, **fields)


def place(items, *, discount: str | None, user=None, email="guest@example.com") -> Order:
    """Check out ``items`` ((variant, quantity) pairs) with the code ``discount`` on the cart."""
    cart = cart_create(user=user)
    for variant, quantity in items:
        cart_item_add(cart=cart, sku=variant.sku, quantity=quantity)
    if discount:
        cart_discount_apply(cart=cart, code=discount, user=user)
    result = order_checkout(
        cart_token=cart.token,
        email=user.email if user else email,
        shipping_address=address(),
        shipping_method="standard",
        user=user,
    )
    return result.order


def delivered_with(items, *, discount, staff, user=None) -> Order:
    order = pay(place(items, discount=discount, user=user))
    order_ship(order=order, actor=staff, carrier="DHL", tracking_number="JJD1")
    order_deliver(order=Order.objects.get(pk=order.pk), actor=staff)
    return Order.objects.get(pk=order.pk)
