"""Helpers that build ordering data through the real services (so tests start from states the shop can reach)."""

from decimal import Decimal

from orders.models import Order
from orders.payments.webhooks import dummy_payment_event, payment_event_receive
from orders.services.cart import cart_create, cart_item_add
from orders.services.checkout import order_checkout
from orders.services.orders import order_deliver, order_ship
from tests.factories import VariantFactory


def address(**overrides) -> dict:
    return {
        "first_name": "Ada",
        "last_name": "Walker",
        "line1": "Hauptstraße 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
        **overrides,
    }


def place_order(
    *, user=None, items=None, email="guest@example.com", shipping_method="standard", key=None
) -> Order:
    """Check out a cart holding ``items`` (list of (variant, quantity)); a fresh variant if none given."""
    items = items or [(VariantFactory(price=Decimal("39.90"), stock=10), 1)]
    cart = cart_create(user=user)
    for variant, quantity in items:
        cart_item_add(cart=cart, sku=variant.sku, quantity=quantity)
    result = order_checkout(
        cart_token=cart.token,
        email=user.email if user else email,
        shipping_address=address(),
        shipping_method=shipping_method,
        user=user,
        idempotency_key=key,
    )
    return result.order


def pay(order: Order, outcome: str = "succeed") -> Order:
    payment_event_receive(event=dummy_payment_event(order=order, outcome=outcome))
    order.refresh_from_db()
    return order


def paid_order(**kwargs) -> Order:
    return pay(place_order(**kwargs))


def shipped_order(*, staff, **kwargs) -> Order:
    order = paid_order(**kwargs)
    order_ship(order=order, actor=staff, carrier="DHL", tracking_number="JJD0001")
    order.refresh_from_db()
    return order


def delivered_order(*, staff, delivered_at=None, **kwargs) -> Order:
    order = shipped_order(staff=staff, **kwargs)
    order_deliver(order=order, actor=staff, delivered_at=delivered_at)
    order.refresh_from_db()
    return order
