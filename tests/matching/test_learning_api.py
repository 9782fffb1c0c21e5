"""Outcomes in an assessment: a product customers like this one kept moves up, within the bound, cites
them, and learning switched off gives the rules' ranking back."""

import pytest

from catalogue.matching.models import ProductEvidence
from tests.matching.test_api import ASSESSMENTS, FLAT_BACK_PAIN

pytestmark = pytest.mark.django_db

# FLAT_BACK_PAIN's segment: a flat arch, rolling in, flat feet, walking, athletic shoes.
SEGMENT = "flat|over|flat-feet|walking|athletic"


def ranking(client) -> list[tuple[str, int, dict | None]]:
    body = client.post(ASSESSMENTS, FLAT_BACK_PAIN, format="json").json()
    return [(r["product"]["slug"], r["score"], r["learning"]) for r in body["recommendations"]], body


def test_outcomes_move_a_product_within_the_bound_and_cite_the_evidence(
    api_client, catalogue_products, settings
):
    settings.CATALOGUE_CACHE_TIMEOUT = 0
    rules, _ = ranking(api_client)
    rule_scores = {slug: score for slug, score, _ in rules}
    assert [slug for slug, _, _ in rules][0] != "cloudstep"
    ProductEvidence.objects.create(product=catalogue_products["soft"], segment=SEGMENT, arch_type="flat",
                                   activity="walking", trials=40, successes=36)  # fmt: skip
    ProductEvidence.objects.create(product=catalogue_products["firm"], segment=SEGMENT, arch_type="flat",
                                   activity="walking", trials=30, successes=3, fit_returns=20,
                                   reasons={"too_firm": 18, "arch_too_high": 2})  # fmt: skip
    learned, body = ranking(api_client)
    by_slug = {slug: (score, learning) for slug, score, learning in learned}
    assert by_slug["cloudstep"][0] == min(100, rule_scores["cloudstep"] + 15)
    assert by_slug["cloudstep"][1]["adjustment"] == 15 and by_slug["cloudstep"][1]["outcomes"] == 40
    assert by_slug["archform-rigid"][0] == rule_scores["archform-rigid"] - 15
    assert by_slug["custom-everyday"] == (rule_scores["custom-everyday"], {"rule_score": rule_scores["custom-everyday"], "adjustment": 0, "outcomes": 0, "outcomes_wider": 0})  # fmt: skip
    reasons = {r["product"]["slug"]: r["reasons"] for r in body["recommendations"]}
    assert "Of 40 customers with flat feet who walked in it, 36 kept it after 8 weeks and said their pain was better." in reasons["cloudstep"]  # fmt: skip
    assert "Often found too firm by customers like you (18 of 30)." in reasons["archform-rigid"]

    settings.MATCHING_LEARNING = False
    off, body = ranking(api_client)
    assert [(slug, score) for slug, score, _ in off] == [(slug, score) for slug, score, _ in rules]
    assert all(learning is None for _, _, learning in off)


def test_outcomes_never_bring_back_what_a_red_flag_or_a_caution_excludes(api_client, catalogue_products):
    for product in catalogue_products.values():
        ProductEvidence.objects.create(product=product, segment=SEGMENT, arch_type="flat", activity="walking",
                                       trials=500, successes=500)  # fmt: skip
    urgent = api_client.post(ASSESSMENTS, {**FLAT_BACK_PAIN, "recent_injury_cannot_bear_weight": True},
                             format="json").json()  # fmt: skip
    assert urgent["recommendations"] == []
    numb = api_client.post(
        ASSESSMENTS, {**FLAT_BACK_PAIN, "numbness_or_tingling": True}, format="json"
    ).json()
    assert "archform-rigid" not in {r["product"]["slug"] for r in numb["recommendations"]}
