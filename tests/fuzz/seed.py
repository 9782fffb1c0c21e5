"""The data the fuzzer's path parameters can point at: one of every object, owned by the customer."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from orders.services.payments import refund_create
from tests.factories import UserFactory
from tests.returns.helpers import request_for
from tests.security.world import (
    assessment_for,
    cart_for,
    delivered_order_for,
    footprint_for,
    order_for,
    return_photo_for,
    stocked_variant,
)


def seed_objects(*, customer_token: str, staff_token: str) -> dict[str, list]:
    """Create the customer, staff, and their objects; return path parameter name -> existing values."""
    User = get_user_model()
    customer = User.objects.filter(email="fuzz.customer@example.com").first() or UserFactory(
        email="fuzz.customer@example.com"
    )
    staff = User.objects.filter(email="fuzz.staff@example.com").first() or UserFactory(
        email="fuzz.staff@example.com", is_staff=True, is_superuser=True
    )
    Token.objects.filter(user__in=[customer, staff]).delete()
    Token.objects.create(key=customer_token, user=customer)
    Token.objects.create(key=staff_token, user=staff)

    variant = stocked_variant(sku="FUZZ-SKU-1")
    footprint = footprint_for(customer)
    assessment = assessment_for(customer, footprint=footprint)
    cart, item = cart_for(customer, variant=variant)
    paid = order_for(customer)
    pending = order_for(customer, paid=False)
    return_request = request_for(delivered_order_for(customer, staff=staff))
    photo = return_photo_for(return_request.pk)
    credit_note = refund_create(order=paid, amount=Decimal("1.00"), actor=staff).credit_note
    return {
        "pk": [str(assessment.pk), str(footprint.pk), return_request.pk],
        "photo_id": [photo.pk],
        "token": [str(cart.token)],
        "item_id": [item.pk],
        "number": [paid.number, pending.number],
        "order_number": [pending.number],
        "credit_note_number": [credit_note.number],
        "slug": [variant.product.slug],
    }
