"""Reads for the ordering API and admin: access rules and the prefetching that keeps query counts flat."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from catalogue.choices import ProductKind
from catalogue.stock import is_sellable
from orders.exceptions import CartNotFound, OrderNotFound
from orders.fittings.selectors import related_or_none
from orders.fittings.services import fitting_missing
from orders.models import (
    ZERO,
    Cart,
    CartItem,
    CustomerAddressBook,
    Order,
    OrderLine,
    OrderStatusChange,
    Payment,
    Refund,
    ShippingMethod,
)


def cart_usable(cart: Cart | None, *, user) -> Cart:
    """Return ``cart`` if ``user`` may use it: anyone with the token, unless tied to another account.

    Otherwise (or when there is no such cart) raise ``CartNotFound``.
    """
    if cart is None or (cart.user_id is not None and cart.user_id != getattr(user, "pk", None)):
        raise CartNotFound()
    return cart


def cart_get(*, token, user) -> Cart:
    """Return the cart with this token if ``user`` may use it (``cart_usable``)."""
    return cart_usable(Cart.objects.filter(token=token).first(), user=user)


def cart_item_get(*, cart: Cart, item_id: int) -> CartItem:
    item = cart.items.select_related("variant", "cart").filter(pk=item_id).first()
    if item is None:
        raise CartNotFound("This item is not in the cart.", code="cart_item_not_found")
    return item


@dataclass(frozen=True)
class CartLineView:
    item: CartItem
    unit_price: Decimal
    line_total: Decimal
    available: int
    warning: str | None


@dataclass(frozen=True)
class CartView:
    cart: Cart
    lines: list[CartLineView]
    subtotal: Decimal


def cart_view(*, cart: Cart) -> CartView:
    """Return the cart priced from the catalogue now, with a warning on lines that cannot be ordered as they are."""
    lines = []
    for item in cart.items.select_related("variant__product", "fitting").order_by("added_at", "id"):
        variant = item.variant
        warning = None
        if not is_sellable(variant):
            warning = "inactive_product"
        elif variant.stock < item.quantity:
            warning = "insufficient_stock"
        elif variant.product.kind == ProductKind.CUSTOM_ORTHOTIC and fitting_missing(
            fitting=related_or_none(item, "fitting")
        ):
            warning = "fitting_incomplete"
        lines.append(
            CartLineView(
                item=item,
                unit_price=variant.price,
                line_total=variant.price * item.quantity,
                available=variant.stock,
                warning=warning,
            )
        )
    return CartView(cart=cart, lines=lines, subtotal=sum((line.line_total for line in lines), ZERO))


def shipping_method_list() -> QuerySet[ShippingMethod]:
    return ShippingMethod.objects.filter(is_active=True)


def _order_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("replacement_for").prefetch_related(
        Prefetch(
            "lines", queryset=OrderLine.objects.select_related("fitting", "orthotic_build").order_by("id")
        ),
        Prefetch("status_changes", queryset=OrderStatusChange.objects.order_by("created_at", "id")),
        Prefetch("payments", queryset=Payment.objects.order_by("created_at", "id")),
        Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "id")),
    )


def order_list(*, user) -> QuerySet[Order]:
    """Return the customer's orders, newest first, with everything the list shows prefetched."""
    return _order_queryset().filter(user=user).order_by("-created_at", "-id")


def order_get(*, number: str, user=None, email: str | None = None) -> Order:
    """Return an order its reader may see: the owner, staff, or (guest orders) whoever gives its email.

    Anything else is ``order_not_found`` (404), never 403: other people's orders do not exist.
    """
    order = _order_queryset().filter(number=number).first()
    if order is None:
        raise OrderNotFound()
    if getattr(user, "is_authenticated", False) and (user.is_staff or order.user_id == user.pk):
        return order
    if order.user_id is None and email and email.strip().lower() == order.email.lower():
        return order
    raise OrderNotFound()


def order_get_for_staff(*, number: str) -> Order:
    order = _order_queryset().filter(number=number).first()
    if order is None:
        raise OrderNotFound()
    return order


def customer_default_address(*, user) -> dict | None:
    """Return the customer's default shipping address, or None."""
    book = CustomerAddressBook.objects.filter(user=user).first()
    return book.default_shipping_address if book else None
