"""Objects a customer (or a guest) owns, built through the shop's own services.

Shared by the access matrix (``tests/security``) and the schema fuzzer (``tests/fuzz``). New kinds of
objects get one builder here.
"""

from decimal import Decimal

from catalogue.matching.models import Assessment, Footprint
from catalogue.matching.services import assessment_create, footprint_create
from orders.models import Cart, CartItem, Order
from orders.services.cart import cart_create, cart_item_add
from tests.factories import ProductFactory, VariantFactory, consents_give
from tests.matching.prints import draw_print, encode
from tests.orders.factories import address, pay, place_order


def footprint_for(owner) -> Footprint:
    """A measured footprint; ``owner`` None makes an anonymous one (an owner gets the consent it needs)."""
    if owner is not None:
        consents_give(owner, "foot_assessment")
    picture = encode(draw_print("normal", size=(300, 400)).image, name="print")
    return footprint_create(owner=owner, upload=picture, dpi=100, side="left")


def assessment_for(owner, *, footprint: Footprint | None = None) -> Assessment:
    """An assessment; ``owner`` None makes an anonymous one (an owner gets the consent it needs)."""
    if owner is not None:
        consents_give(owner, "foot_assessment")
    answers = {"arch_type_self": "flat", "pain_areas": ["heel"], "heel_pain_morning": True,
               "shoe_type": "athletic", "foot_length_mm": Decimal("265.0")}  # fmt: skip
    if footprint is not None:
        answers["footprint"] = footprint.pk
    return assessment_create(owner=owner, answers=answers)


def stocked_variant(*, sku: str | None = None, stock: int = 50):
    product = ProductFactory()
    return VariantFactory(
        product=product, stock=stock, price=Decimal("39.90"), **({"sku": sku} if sku else {})
    )


def cart_for(owner, *, variant=None) -> tuple[Cart, CartItem]:
    """A cart with one line; tied to ``owner``'s account unless ``owner`` is None (a guest's cart)."""
    cart = cart_create(user=owner)
    cart_item_add(cart=cart, sku=(variant or stocked_variant()).sku, quantity=1)
    return cart, cart.items.get()


def order_for(owner, *, email: str | None = None, paid: bool = True, marker: str = "") -> Order:
    """A (paid) order; a guest order when ``owner`` is None, placed with ``email``.

    ``marker`` goes into the shipping address so a test can look for it in a response body.
    """
    variant = stocked_variant()
    order = place_order(user=owner, items=[(variant, 1)], email=email or "guest@example.com")
    if marker:
        Order.objects.filter(pk=order.pk).update(
            shipping_address=address(last_name=marker, line1=f"{marker} Street 1")
        )
        order.refresh_from_db()
    return pay(order) if paid else order


def delivered_order_for(owner, *, staff, email: str | None = None, marker: str = "") -> Order:
    """A paid order, shipped and delivered by ``staff``: its return windows are open."""
    from orders.services.orders import order_deliver, order_ship

    order = order_for(owner, email=email, marker=marker)
    order_ship(order=order, actor=staff, carrier="DHL", tracking_number="T1")
    order_deliver(order=order, actor=staff)
    order.refresh_from_db()
    return order


def fitting_for(owner, *, prescription: bool = True):
    """A custom-orthotic fitting (``owner`` None: an anonymous one), with a PDF prescription by default."""
    from orders.fittings.services import fitting_create
    from tests.fittings.documents import pdf_bytes
    from tests.images import upload

    document = upload(pdf_bytes(), "rx.pdf", "application/pdf") if prescription else None
    if owner is not None:
        consents_give(owner, "lab_sharing")
    return fitting_create(owner=owner, shoe_type="casual", prescription=document)


def return_photo_for(return_request_id: int):
    """A photo (with its thumbnail) on the return request, as the customer sends it."""
    from orders.returns.models import ReturnRequest
    from orders.returns.services import return_photo_add
    from tests.images import image_bytes, upload

    return_request = ReturnRequest.objects.get(pk=return_request_id)
    return return_photo_add(
        return_request=return_request, upload=upload(image_bytes("JPEG", size=(400, 300)), "photo.jpg")
    )
