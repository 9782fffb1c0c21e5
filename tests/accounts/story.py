"""A customer with one of everything the shop holds about a person, built through the real services.

Shared by the export and erasure tests: a name, email, phone and street address; consents; two
assessments with health answers and footprints; a fitting with a prescription for a custom orthotic,
made by the lab and delivered; an insole order refunded in part after a return with photos and a
comment; an order the customer cancelled with a reason; staff opening the records; a payment event from
the provider naming the customer.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from catalogue.choices import ProductKind
from catalogue.matching.models import HealthRecordKind
from catalogue.matching.services import assessment_create, footprint_create, health_record_access_record
from orders.fittings.models import OrthoticBuild
from orders.fittings.services import fitting_create, orthotic_build_mark_made, orthotic_build_record
from orders.models import Order, WebhookEvent
from orders.returns.services import (
    return_photo_add,
    return_request_approve,
    return_request_receive,
    return_request_refund,
)
from orders.services.addresses import default_address_set
from orders.services.orders import order_cancel, order_deliver, order_ship
from orders.statuses import Role
from tests.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory, VariantFactory, consents_give
from tests.fittings.documents import pdf_bytes
from tests.fittings.helpers import paid_custom_order
from tests.images import image_bytes, upload
from tests.matching.prints import draw_print, encode
from tests.orders.factories import address, pay, place_order
from tests.returns.helpers import request_for

FIRST_NAME, LAST_NAME = "Rosalind", "Quimby"
EMAIL = "rosalind.quimby@example.com"
PHONE = "+49 151 2345 6789"
STREET = "Zwetschgenweg 17"
POSTCODE = "QX9 7ZR"  # letters too: never found by chance inside a random token or a hash
HEALTH_ANSWERS = {
    "diabetes": True,
    "numbness_or_tingling": True,
    "pain_duration_weeks": 37,
    "heel_pain_morning": True,
    "pain_areas": ["heel", "arch"],
    "leg_length_difference_mm": Decimal("7.5"),
    "short_side": "left",
    "shoe_type": "athletic",
    "arch_type_self": "flat",
}
# How the answers read in the stored JSON: what must be gone after erasure.
HEALTH_MARKERS = ['"diabetes": true', '"numbness_or_tingling": true', '"pain_duration_weeks": 37']
COMMENT = f"My numb diabetic feet still hurt - {FIRST_NAME}, call me on {PHONE}"
CANCEL_REASON = f"Cancelling: {FIRST_NAME} has to see her diabetologist first"


def customer_address() -> dict:
    return address(
        first_name=FIRST_NAME, last_name=LAST_NAME, line1=STREET, postal_code=POSTCODE, city="Berlin",
        country="DE", phone=PHONE,
    )  # fmt: skip


@dataclass
class Story:
    customer: object
    password: str
    assessments: list = field(default_factory=list)
    footprints: list = field(default_factory=list)
    fitting: object = None
    custom_order: Order = None
    insole_order: Order = None
    cancelled_order: Order = None
    return_request: object = None
    photos: list = field(default_factory=list)

    @property
    def identity(self) -> list[str]:
        """What names the customer: none of it may remain after erasure."""
        return [FIRST_NAME, LAST_NAME, EMAIL, PHONE, STREET, POSTCODE]

    @property
    def orders(self) -> list[Order]:
        return [self.custom_order, self.insole_order, self.cancelled_order]

    def stored_files(self) -> list:
        """Every stored file of the customer (``FieldFile``s): footprints, prescription, return photos."""
        files = [f for footprint in self.footprints for f in (footprint.image, footprint.overlay)]
        files.append(self.fitting.prescription)
        files += [f for photo in self.photos for f in (photo.image, photo.thumbnail)]
        return files


def _order_with_address(*, user, items) -> Order:
    order = place_order(user=user, items=items)
    Order.objects.filter(pk=order.pk).update(shipping_address=customer_address())
    order.refresh_from_db()
    return order


def customer_with_everything(*, staff) -> Story:
    """Build the customer and everything above; every order has ended, so the account may be erased."""
    customer = UserFactory(email=EMAIL, first_name=FIRST_NAME, last_name=LAST_NAME)
    consents_give(customer)
    story = Story(customer=customer, password=DEFAULT_PASSWORD)
    default_address_set(user=customer, address=customer_address())

    # Foot data: two footprints, an assessment with the health answers, another without a footprint.
    for side, arch in (("left", "flat"), ("right", "normal")):
        drawn = draw_print(arch, size=(300, 400))
        story.footprints.append(
            footprint_create(
                owner=customer, upload=encode(drawn.image, format="PNG"), mm_per_px=0.9, side=side
            )
        )
    story.assessments.append(
        assessment_create(owner=customer, answers={**HEALTH_ANSWERS, "footprint": story.footprints[0].pk})
    )
    story.assessments.append(assessment_create(owner=customer, answers={"arch_type_self": "high"}))

    # A custom orthotic with a prescription: paid, made by the lab, shipped and delivered.
    story.fitting = fitting_create(
        owner=customer, assessment_id=story.assessments[0].pk, footprint_left_id=story.footprints[0].pk,
        footprint_right_id=story.footprints[1].pk, foot_length_mm=Decimal("265.0"),
        foot_width_mm=Decimal("98.0"), shoe_type="athletic",
        prescription=upload(pdf_bytes(f"Rx for {FIRST_NAME} {LAST_NAME}"), "rx.pdf", "application/pdf"),
    )  # fmt: skip
    custom = VariantFactory(
        product=ProductFactory(kind=ProductKind.CUSTOM_ORTHOTIC, production_days=5), price=Decimal("249.00")
    )
    story.custom_order = paid_custom_order(user=customer, variant=custom, fitting=story.fitting)
    Order.objects.filter(pk=story.custom_order.pk).update(shipping_address=customer_address())
    build = OrthoticBuild.objects.get(order_line__order=story.custom_order)
    orthotic_build_record(
        build=build, actor=staff, shell="polypropylene", posting="medial", top_cover="leather",
        heel_lift_left_mm=4, lab_notes=f"{FIRST_NAME} {LAST_NAME} asked for a softer top cover",
    )  # fmt: skip
    orthotic_build_mark_made(build=build, actor=staff)
    order_ship(order=story.custom_order, actor=staff, carrier="DHL", tracking_number="JJD-C1")
    order_deliver(order=story.custom_order, actor=staff)

    # Insoles: delivered, two units, one returned with photos and a comment and refunded.
    insole = VariantFactory(price=Decimal("39.90"), stock=10)
    story.insole_order = pay(_order_with_address(user=customer, items=[(insole, 2)]))
    order_ship(order=story.insole_order, actor=staff, carrier="DHL", tracking_number="JJD-I1")
    order_deliver(order=story.insole_order, actor=staff)
    line = story.insole_order.lines.get()
    story.return_request = request_for(
        story.insole_order, quantities={line: 1}, reason="defective", comment=COMMENT
    )
    story.photos = [
        return_photo_add(return_request=story.return_request, upload=upload(image_bytes("JPEG"), "foot.jpg"))
        for _ in range(2)
    ]
    return_request_approve(return_request=story.return_request, actor=staff, note=f"OK for {LAST_NAME}")
    return_request_receive(return_request=story.return_request, actor=staff)
    return_request_refund(return_request=story.return_request, actor=staff)

    # An order the customer cancelled, with a reason that says more than it should.
    story.cancelled_order = _order_with_address(user=customer, items=[(VariantFactory(stock=5), 1)])
    order_cancel(order=story.cancelled_order, actor=customer, role=Role.CUSTOMER, reason=CANCEL_REASON)

    # Staff opened the prescription; the provider's event names the customer.
    health_record_access_record(
        staff=staff, customer=customer, kind=HealthRecordKind.PRESCRIPTION, record_id=story.fitting.pk,
        via="admin prescription download",
    )  # fmt: skip
    WebhookEvent.objects.create(
        event_id="evt_story_charge", type="charge.succeeded", order=story.insole_order,
        payload={"data": {"object": {"receipt_email": EMAIL, "billing_details": {
            "name": f"{FIRST_NAME} {LAST_NAME}", "phone": PHONE,
            "address": {"line1": STREET, "postal_code": POSTCODE}}}}},
    )  # fmt: skip
    for order in story.orders:
        order.refresh_from_db()
    story.return_request.refresh_from_db()
    story.fitting.refresh_from_db()
    return story
