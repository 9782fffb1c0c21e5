"""Cart writes. Prices are never stored on the cart: they come from the catalogue when shown or ordered."""

from django.db import IntegrityError, transaction

from catalogue.models import ProductVariant
from catalogue.stock import is_sellable
from orders.exceptions import CartCheckedOut, InactiveProduct, InsufficientStock, InvalidQuantity, UnknownSku
from orders.fittings.services import fitting_attach_to_cart_item, fitting_for_cart_item
from orders.models import Cart, CartItem
from orders.services.transitions import Actor

# The most units one cart item (and so one order line, or one line of a return request) may hold.
MAX_LINE_QUANTITY = 99
LINE_QUANTITY_RULE = f"The quantity must be a whole number from 1 to {MAX_LINE_QUANTITY}."


def line_quantity_check(quantity) -> int:
    """Return ``quantity`` if it is a whole number of units one line may hold, else refuse it (400)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise InvalidQuantity(LINE_QUANTITY_RULE, attr="quantity")
    return quantity


def _sellable_variant(*, sku: str) -> ProductVariant:
    variant = ProductVariant.objects.select_related("product").filter(sku=sku).first()
    if variant is None:
        raise UnknownSku(attr="sku")
    if not is_sellable(variant):
        raise InactiveProduct(attr="sku")
    return variant


def cart_open_check(*, cart: Cart) -> None:
    """Refuse to change a cart that has been checked out (``cart_checked_out``)."""
    if cart.checked_out_at is not None:
        raise CartCheckedOut()


def _check_open(cart: Cart) -> None:
    cart_open_check(cart=cart)


def _check_stock(variant: ProductVariant, quantity: int) -> None:
    if quantity > variant.stock:
        raise InsufficientStock(sku=variant.sku, requested=quantity, available=variant.stock)


def cart_create(*, user: Actor = None) -> Cart:
    """Create an empty cart, tied to the account when the customer is logged in."""
    return Cart.objects.create(user=user if getattr(user, "is_authenticated", False) else None)


def cart_item_add(*, cart: Cart, sku: str, quantity: int, fitting=None, user: Actor = None) -> CartItem:
    """Add ``quantity`` of a variant (adding to a line already there); refuse more than is in stock.

    ``fitting`` (a fitting id visible to ``user``) goes with a custom orthotic; checkout refuses a
    custom orthotic without a complete one (``orders.fittings.services``).
    """
    _check_open(cart)
    quantity = line_quantity_check(quantity)
    variant = _sellable_variant(sku=sku)
    fitting = fitting_for_cart_item(variant=variant, fitting_id=fitting, user=user)
    with transaction.atomic():
        item = CartItem.objects.select_for_update().filter(cart=cart, variant=variant).first()
        total = quantity + (item.quantity if item else 0)
        line_quantity_check(total)
        _check_stock(variant, total)
        if item is None:
            try:
                with transaction.atomic():
                    item = CartItem.objects.create(cart=cart, variant=variant, quantity=total)
                    if fitting is not None:
                        fitting_attach_to_cart_item(fitting=fitting, item=item)
                    return item
            except IntegrityError:  # the same line added at the same moment: add to it
                item = CartItem.objects.select_for_update().get(cart=cart, variant=variant)
                total = line_quantity_check(item.quantity + quantity)
                _check_stock(variant, total)
        if fitting is not None:
            fitting_attach_to_cart_item(fitting=fitting, item=item)
        item.quantity = total
        item.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return item


def cart_item_update(*, item: CartItem, quantity: int) -> CartItem:
    """Change a line's quantity; refuse more than is in stock."""
    _check_open(item.cart)
    quantity = line_quantity_check(quantity)
    variant = _sellable_variant(sku=item.variant.sku)
    _check_stock(variant, quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


def cart_item_remove(*, item: CartItem) -> None:
    """Remove a line from the cart."""
    _check_open(item.cart)
    item.delete()
