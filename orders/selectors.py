"""Reads for the ordering API and admin: access rules and the prefetching that keeps query counts flat."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from catalogue.choices import ProductKind
from catalogue.pricing import variant_price
from catalogue.stock import is_sellable
from orders.discounts.selectors import CartDiscount, cart_discount
from orders.exceptions import CartNotFound, OrderNotFound
from orders.fittings.selectors import orders_ready_to_ship, related_or_none
from orders.fittings.services import fitting_missing
from orders.models import (
    PHONE_TAIL_DIGITS,
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
    address_search_key,
    phone_search_key,
)
from orders.redaction import identity_terms_of_address
from orders.statuses import UNDER_WAY, RefundStatus


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
    discount: CartDiscount | None = None  # the code on the cart, what it takes off, or why it does not apply

    @property
    def discount_total(self) -> Decimal:
        return self.discount.amount if self.discount is not None else ZERO

    @property
    def total(self) -> Decimal:
        """The goods after the discount (shipping is chosen at checkout)."""
        return self.subtotal - self.discount_total


def cart_view(*, cart: Cart, user=None) -> CartView:
    """Return the cart priced from the catalogue now, with a warning on lines that cannot be ordered as
    they are, and its discount code judged against it now (``orders.discounts.selectors.cart_discount``)."""
    lines = []
    items = list(cart.items.select_related("variant__product", "fitting").order_by("added_at", "id"))
    for item in items:
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
                unit_price=variant_price(variant),
                line_total=variant_price(variant) * item.quantity,
                available=variant.stock,
                warning=warning,
            )
        )
    return CartView(
        cart=cart,
        lines=lines,
        subtotal=sum((line.line_total for line in lines), ZERO),
        discount=cart_discount(cart=cart, items=items, user=user),
    )


def shipping_method_list() -> QuerySet[ShippingMethod]:
    return ShippingMethod.objects.filter(is_active=True)


def _order_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("replacement_for", "invoice").prefetch_related(
        Prefetch(
            "lines", queryset=OrderLine.objects.select_related("fitting", "orthotic_build").order_by("id")
        ),
        Prefetch("status_changes", queryset=OrderStatusChange.objects.order_by("created_at", "id")),
        Prefetch("payments", queryset=Payment.objects.order_by("created_at", "id")),
        Prefetch(
            "refunds", queryset=Refund.objects.select_related("credit_note").order_by("created_at", "id")
        ),
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


# --- a customer's orders, for their export and their erasure (docs/privacy.md) ------------------------
def customer_orders(*, user) -> QuerySet[Order]:
    """Return the orders placed by the customer's account (replacements included), oldest first."""
    return _order_queryset().filter(user=user).order_by("created_at", "id")


def customer_orders_under_way(*, user) -> list[str]:
    """Return the numbers of the customer's orders still under way (to be paid, made, shipped, delivered)."""
    return list(
        Order.objects.filter(user=user, status__in=UNDER_WAY)
        .order_by("created_at")
        .values_list("number", flat=True)
    )


def customer_identity_terms(*, user) -> list[str]:
    """Return what identifies the customer in the shop's records: names, email addresses, addresses, phones.

    From the account, its saved address and the addresses and emails of its orders.
    """
    terms = [user.email, user.first_name, user.last_name, f"{user.first_name} {user.last_name}"]
    terms += identity_terms_of_address(customer_default_address(user=user))
    for email, shipping, billing in Order.objects.filter(user=user).values_list(
        "email", "shipping_address", "billing_address"
    ):
        terms += [email, *identity_terms_of_address(shipping), *identity_terms_of_address(billing)]
    return [term for term in terms if term]


def _money(value) -> str | None:
    return str(value) if value is not None else None


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def orders_export(*, user) -> dict:
    """Return the customer's saved address and orders (lines, payments, refunds, history) as plain values."""
    orders = []
    for order in customer_orders(user=user):
        orders.append(
            {
                "number": order.number,
                "status": order.status,
                "email": order.email,
                "currency": order.currency,
                "subtotal": _money(order.subtotal),
                "discount_code": order.discount_code_id,
                "discount_total": _money(order.discount_total),
                "shipping_total": _money(order.shipping_total),
                "total": _money(order.total),
                "captured_total": _money(order.captured_total),
                "refunded_total": _money(order.refunded_total),
                "shipping_address": order.shipping_address,
                "billing_address": order.billing_address,
                "shipping_method": order.shipping_method_code,
                "carrier": order.carrier,
                "tracking_number": order.tracking_number,
                "replacement_for": order.replacement_for.number if order.replacement_for else None,
                "cancellation_reason": order.cancellation_reason,
                "created_at": _when(order.created_at),
                "paid_at": _when(order.paid_at),
                "shipped_at": _when(order.shipped_at),
                "delivered_at": _when(order.delivered_at),
                "cancelled_at": _when(order.cancelled_at),
                "expired_at": _when(order.expired_at),
                "lines": [
                    {
                        "id": line.pk,
                        "sku": line.sku,
                        "product_name": line.product_name,
                        "product_kind": line.product_kind,
                        "size_label": line.size_label,
                        "quantity": line.quantity,
                        "unit_price": _money(line.unit_price),
                        "line_total": _money(line.line_total),
                        "discount_total": _money(line.discount_total),
                        "paid_total": _money(line.paid_total),
                        "returnable": line.returnable,
                        "return_days": line.return_days,
                        "replacement_days": line.replacement_days,
                        "delivered_at": _when(line.delivered_at),
                    }
                    for line in order.lines.all()
                ],
                "payments": [
                    {
                        "provider": payment.provider,
                        "attempt": payment.attempt,
                        "amount": _money(payment.amount),
                        "amount_received": _money(payment.amount_received),
                        "currency": payment.currency,
                        "status": payment.status,
                        "created_at": _when(payment.created_at),
                    }
                    for payment in order.payments.all()
                ],
                "refunds": [
                    {
                        "id": refund.pk,
                        "amount": _money(refund.amount),
                        "currency": refund.currency,
                        "status": refund.status,
                        "reason": refund.reason,
                        "created_at": _when(refund.created_at),
                    }
                    for refund in order.refunds.all()
                ],
                "history": [
                    {
                        "from_status": change.from_status,
                        "to_status": change.to_status,
                        "at": _when(change.created_at),
                        "note": change.note,
                    }
                    for change in order.status_changes.all()
                ],
            }
        )
    return {"default_shipping_address": customer_default_address(user=user), "orders": orders}


# --- staff search ------------------------------------------------------------------------------------
SEARCH_LIMIT = 500


def order_search(term: str) -> list[int]:
    """Return the ids of the orders a member of staff means by ``term``: what a customer or a parcel says.

    The order number, the tracking number, the start of the email address, a SKU on a line, the
    surname (or first and last name), the postcode or the phone number of the shipping address. Each is
    looked up on its own index, one small query each, so the search never reads the whole table.
    """
    term = " ".join(term.split())
    if not term:
        return []
    upper = term.upper()
    found: list[int] = []

    def take(queryset):
        found.extend(queryset.values_list("pk", flat=True)[:SEARCH_LIMIT])

    take(Order.objects.filter(number=upper))
    take(Order.objects.filter(tracking_number=term))
    take(Order.objects.filter(email__startswith=term.lower()))
    found.extend(
        OrderLine.objects.filter(sku=upper).values_list("order_id", flat=True).distinct()[:SEARCH_LIMIT]
    )
    if "@" not in term:
        by_key = Order.objects.alias(last_name=address_search_key("last_name"))
        take(by_key.filter(last_name=upper))
        first, _, last = upper.partition(" ")
        if last:
            take(
                by_key.alias(first_name=address_search_key("first_name")).filter(
                    last_name=last, first_name=first
                )
            )
        take(Order.objects.alias(postcode=address_search_key("postal_code")).filter(postcode=upper))
        digits = "".join(ch for ch in term if ch.isdigit())
        if len(digits) >= PHONE_TAIL_DIGITS:
            take(Order.objects.alias(phone=phone_search_key()).filter(phone=digits[-PHONE_TAIL_DIGITS:]))
    return list(dict.fromkeys(found))


# --- the back office's queues (the admin dashboard and its filtered lists) ----------------------------
def orders_to_ship() -> QuerySet[Order]:
    """Orders staff can ship now (paid, or made by the lab), the one waiting longest first."""
    return orders_ready_to_ship(Order.objects.all()).order_by("paid_at", "id")


def orders_needing_attention() -> QuerySet[Order]:
    """Orders flagged for staff (a payment mismatch, a refund the provider could not take), newest first."""
    return Order.objects.filter(needs_attention=True).order_by("-created_at", "-id")


def refunds_open() -> QuerySet[Refund]:
    """Refunds still waiting for the provider, or that it refused: staff follow each one up."""
    return Refund.objects.exclude(status=RefundStatus.SUCCEEDED).order_by("created_at", "id")


def express_method_codes() -> frozenset[str]:
    """The codes of the shipping methods promised within a working day (flagged in the queue)."""
    return frozenset(method.code for method in ShippingMethod.objects.all() if method.is_express)
