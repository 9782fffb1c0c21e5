"""Custom-orthotic fixtures: a custom product, the customer's own assessment and footprints, fittings."""

from decimal import Decimal

import pytest

from catalogue.choices import ProductKind
from catalogue.matching.services import assessment_create, footprint_create
from orders.fittings.services import fitting_create
from tests.factories import ProductFactory, VariantFactory, consents_give
from tests.matching.prints import draw_print, encode

FITTINGS = "/api/v1/fittings/"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def customer(customer):
    """The customer, with the consents fittings, assessments and footprints need."""
    return consents_give(customer)


@pytest.fixture
def other_customer(other_customer):
    return consents_give(other_customer)


@pytest.fixture
def custom_variant(db):
    """A custom orthotic made in 5 working days."""
    product = ProductFactory(
        kind=ProductKind.CUSTOM_ORTHOTIC, name="Custom orthotic", slug="custom-orthotic", production_days=5
    )
    return VariantFactory(product=product, sku="CUSTOM-42", price=Decimal("249.00"), stock=50)


def make_footprint(owner, side, arch="flat"):
    drawn = draw_print(arch, size=(300, 400))
    return footprint_create(owner=owner, upload=encode(drawn.image, format="PNG"), mm_per_px=0.9, side=side)


def make_assessment(owner, **answers):
    return assessment_create(
        owner=owner,
        answers={
            "arch_type_self": "flat",
            "pain_areas": ["heel", "low_back"],
            "leg_length_difference_mm": Decimal("8.0"),
            "short_side": "left",
            "shoe_type": "athletic",
            **answers,
        },
    )


@pytest.fixture
def footprints(customer):
    return make_footprint(customer, "left", "flat"), make_footprint(customer, "right", "normal")


@pytest.fixture
def assessment(customer):
    return make_assessment(customer)


@pytest.fixture
def complete_fitting(customer, assessment, footprints):
    left, right = footprints
    return fitting_create(
        owner=customer,
        assessment_id=assessment.pk,
        footprint_left_id=left.pk,
        footprint_right_id=right.pk,
        foot_length_mm=Decimal("265.0"),
        foot_width_mm=Decimal("98.0"),
        shoe_type="athletic",
    )


@pytest.fixture
def kit_fitting(customer, assessment):
    return fitting_create(
        owner=customer, assessment_id=assessment.pk, shoe_type="casual", impression_kit=True
    )


@pytest.fixture
def variant(db):
    return VariantFactory(stock=10)
