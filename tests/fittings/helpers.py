"""Build custom-orthotic orders through the real services."""

from orders.models import Order
from orders.services.cart import cart_create, cart_item_add
from orders.services.checkout import order_checkout
from tests.orders.factories import address, pay


def custom_order(*, user, variant, fitting, quantity=1) -> Order:
    cart = cart_create(user=user)
    cart_item_add(cart=cart, sku=variant.sku, quantity=quantity, fitting=fitting.pk, user=user)
    return order_checkout(
        cart_token=cart.token,
        email=user.email,
        shipping_address=address(),
        shipping_method="standard",
        user=user,
    ).order


def paid_custom_order(**kwargs) -> Order:
    return pay(custom_order(**kwargs))
