"""An assessment runs a small, constant number of SQL queries, cold or warm, whatever the catalogue's size.

Cold (the first assessment after the catalogue changed, or every one with the cache off): the products,
their variants in stock, the rules, the exercises with their conditions, the outcomes of the customer's
segment (learning), and the insert. Warm: the outcomes and the insert, everything else comes from the
memoised matching catalogue. With learning off, one query fewer.
"""

from decimal import Decimal

import pytest

from catalogue.cache import catalogue_changed
from catalogue.models import ProductImage
from tests.factories import ProductFactory, VariantFactory
from tests.matching.test_api import ASSESSMENTS, FLAT_BACK_PAIN

pytestmark = pytest.mark.django_db

COLD = 6
WARM = 2
WITHOUT_SIZE = {key: value for key, value in FLAT_BACK_PAIN.items() if key != "foot_length_mm"}
LEG_LENGTH = {**FLAT_BACK_PAIN, "one_leg_longer": True, "short_side": "left", "foot_width": "wide"}


def shelf(count: int) -> None:
    """Stock ``count`` insoles, each in four sizes and two widths, with two pictures."""
    for n in range(count):
        product = ProductFactory(shoe_types=["athletic"], heel_lift_mm=3 * (n % 2))
        for low in (37, 39, 41, 43):
            for width in ("regular", "wide"):
                VariantFactory(product=product, eu_min=Decimal(low), eu_max=Decimal(low) + Decimal("1.5"),
                               width=width, size_label=f"EU {low}-{low + 1}")  # fmt: skip
        for position in range(2):
            ProductImage.objects.create(product=product, image=f"p/{n}-{position}.jpg", width=800, height=600,
                                        thumbnail=f"p/{n}-{position}-t.jpg", position=position)  # fmt: skip


def assess(client, answers: dict) -> dict:
    response = client.post(ASSESSMENTS, answers, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.parametrize(
    "answers", [FLAT_BACK_PAIN, WITHOUT_SIZE, LEG_LENGTH], ids=["size", "no-size", "lift"]
)
@pytest.mark.parametrize("products", [1, 40])
def test_cold_and_warm_assessments_run_a_fixed_number_of_queries(
    api_client, settings, django_assert_num_queries, products, answers
):
    """Right after a catalogue change: six queries; then two (the outcomes, the insert); for 1 or 40 products."""
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    shelf(products)
    assess(api_client, answers)
    catalogue_changed()
    with django_assert_num_queries(COLD):
        cold = assess(api_client, answers)
    with django_assert_num_queries(WARM):
        warm = assess(api_client, answers)
    assert len(cold["recommendations"]) == min(products, settings.MATCHING_RECOMMENDATIONS_MAX)
    assert cold["recommendations"] == warm["recommendations"] and cold["exercises"] == warm["exercises"]


@pytest.mark.parametrize("products", [1, 40])
def test_with_the_cache_off_every_assessment_is_cold(
    api_client, settings, django_assert_num_queries, products
):
    settings.CATALOGUE_CACHE_TIMEOUT = 0
    shelf(products)
    for _ in range(2):
        with django_assert_num_queries(COLD):
            assess(api_client, FLAT_BACK_PAIN)


def test_an_urgent_referral_reads_nothing_but_stores_the_assessment(
    api_client, settings, django_assert_num_queries
):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    shelf(3)
    with django_assert_num_queries(1):
        body = assess(api_client, {**FLAT_BACK_PAIN, "recent_injury_cannot_bear_weight": True})
    assert body["referral"]["urgency"] == "urgent" and body["recommendations"] == []


def test_with_learning_off_the_outcomes_are_not_read(api_client, settings, django_assert_num_queries):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    settings.MATCHING_LEARNING = False
    shelf(3)
    assess(api_client, FLAT_BACK_PAIN)
    with django_assert_num_queries(WARM - 1):
        assess(api_client, FLAT_BACK_PAIN)
