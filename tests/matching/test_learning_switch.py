"""Staff switch learning from outcomes off and on in the admin, and learning moves a product at most a
few places from its rank by the rules alone."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client

from catalogue.matching.learning import Evidence, LearningParams, Segment, bounded_order, rank_learned
from catalogue.matching.models import LearningSetting, ProductEvidence
from catalogue.matching.scoring import Candidate, Recommendation
from tests.factories import UserFactory
from tests.matching.test_api import ASSESSMENTS, FLAT_BACK_PAIN

# FLAT_BACK_PAIN's segment: a flat arch, rolling in, flat feet, walking, athletic shoes.
SEGMENT = "flat|over|flat-feet|walking|athletic"
SWITCH = "/admin/matching/learningsetting/"
CITED = "Of 40 customers with flat feet who walked in it, 36 kept it after 8 weeks and said their pain was better."

# --- the rank bound, by hand ---------------------------------------------------------------------


def test_a_product_lifted_from_sixth_to_first_ends_third():
    assert bounded_order([5, 0, 1, 2, 3, 4], max_move=3) == [0, 1, 5, 2, 3, 4]


def test_a_product_sunk_from_first_to_last_ends_fourth():
    assert bounded_order([1, 2, 3, 4, 5, 0], max_move=3) == [1, 2, 3, 0, 4, 5]


def test_a_reversed_ranking_moves_each_product_one_place_at_most():
    # Place 1: ranks 0 or 1 may go there, the learned order prefers 1; place 2: rank 0 is due (0 + 1);
    # place 3: ranks 2 and 3 left, 3 preferred; place 4: 2.
    assert bounded_order([3, 2, 1, 0], max_move=1) == [1, 0, 3, 2]


def test_no_move_allowed_keeps_the_rules_order_and_a_wide_bound_keeps_the_learned_one():
    assert bounded_order([5, 4, 3, 2, 1, 0], max_move=0) == [0, 1, 2, 3, 4, 5]
    assert bounded_order([5, 4, 3, 2, 1, 0], max_move=5) == [5, 4, 3, 2, 1, 0]
    assert bounded_order([], max_move=3) == []


def test_a_ranking_that_is_not_one_of_ranks_is_refused():
    with pytest.raises(ValueError):
        bounded_order([0, 0, 1], max_move=3)
    with pytest.raises(ValueError):
        bounded_order([0, 1], max_move=-1)


def _recommendation(product_id: int, score: int) -> Recommendation:
    candidate = Candidate(product_id=product_id, slug=f"p{product_id}", name=f"P{product_id}", kind="insole",
                          price=Decimal("30.00"))  # fmt: skip
    return Recommendation(
        candidate=candidate, score=score, reasons=("Rule.",), cautions=(), contraindications=0
    )


HIGH_RUNNER = Segment("high", "under", ("high-arches",), "running", "athletic")
SIX = [(1, 70), (2, 69), (3, 68), (4, 67), (5, 66), (6, 60)]


def test_learning_lifts_the_sixth_product_to_third_not_first():
    great = Evidence(trials=500, successes=500)
    pairs = rank_learned([_recommendation(*p) for p in SIX], segment=HIGH_RUNNER, evidence={6: (great, great)},
                         params=LearningParams())  # fmt: skip
    # Product 6 scores 60 + 15 = 75, above all: first by score, but at most three places up from sixth.
    assert [(r.candidate.product_id, r.score) for r, _ in pairs] == [
        (1, 70), (2, 69), (6, 75), (3, 68), (4, 67), (5, 66)
    ]  # fmt: skip


def test_learning_sinks_the_first_product_to_fourth_not_last():
    awful = Evidence(trials=500)
    pairs = rank_learned([_recommendation(*p) for p in SIX], segment=HIGH_RUNNER, evidence={1: (awful, awful)},
                         params=LearningParams())  # fmt: skip
    # Product 1 scores 70 - 15 = 55, below all; at most three places down from first.
    assert [(r.candidate.product_id, r.score) for r, _ in pairs] == [
        (2, 69), (3, 68), (4, 67), (1, 55), (5, 66), (6, 60)
    ]  # fmt: skip


def test_the_rank_bound_is_a_setting(settings):
    from catalogue.matching.selectors import learning_params

    settings.MATCHING_LEARNING_MAX_RANK_MOVE = 1
    great = Evidence(trials=500, successes=500)
    pairs = rank_learned([_recommendation(*p) for p in SIX], segment=HIGH_RUNNER, evidence={6: (great, great)},
                         params=learning_params())  # fmt: skip
    assert [r.candidate.product_id for r, _ in pairs] == [1, 2, 3, 4, 6, 5]


# --- the staff switch ----------------------------------------------------------------------------


def member(group: str, email: str):
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def switch(client: Client, *, enabled: bool, note: str = ""):
    """Open the switch in the admin (the list goes straight to its one row) and save it."""
    form = client.get(SWITCH, follow=True)
    assert form.status_code == 200
    data = {"note": note, **({"enabled": "on"} if enabled else {})}
    return client.post(form.redirect_chain[-1][0], data, follow=True)


def ranking(client) -> tuple[list[tuple[str, int, dict | None]], dict]:
    body = client.post(ASSESSMENTS, FLAT_BACK_PAIN, format="json").json()
    return [(r["product"]["slug"], r["score"], r["learning"]) for r in body["recommendations"]], body


def reasons_of(body: dict) -> list[str]:
    return [reason for r in body["recommendations"] for reason in r["reasons"]]


@pytest.mark.django_db
def test_staff_switch_learning_off_and_on_and_the_next_assessment_follows(
    api_client, catalogue_products, settings
):
    settings.CATALOGUE_CACHE_TIMEOUT = 300  # the switch travels in the memoised matching catalogue
    rules, _ = ranking(api_client)
    rule_scores = {slug: score for slug, score, _ in rules}
    ProductEvidence.objects.create(product=catalogue_products["soft"], segment=SEGMENT, arch_type="flat",
                                   activity="walking", trials=40, successes=36)  # fmt: skip
    learned, body = ranking(api_client)
    assert dict((slug, score) for slug, score, _ in learned)["cloudstep"] == min(
        100, rule_scores["cloudstep"] + 15
    )
    assert CITED in reasons_of(body)

    staff = Client()
    staff.force_login(member("Manager", "boss@example.com"))
    with time_machine.travel(datetime(2026, 12, 1, 9, 30, tzinfo=UTC), tick=False):
        saved = switch(staff, enabled=False, note="A supplier changed the foam.")
    assert saved.status_code == 200
    setting = LearningSetting.objects.get()
    assert (setting.enabled, setting.note) == (False, "A supplier changed the foam.")
    assert setting.changed_by.email == "boss@example.com"
    assert setting.changed_at == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)

    off, body = ranking(api_client)
    assert [(slug, score) for slug, score, _ in off] == [(slug, score) for slug, score, _ in rules]
    assert all(learning is None for _, _, learning in off)
    assert not any(reason.startswith("Of 40 customers") for reason in reasons_of(body))
    page = staff.get("/admin/matching/productevidence/").content.decode()
    assert "Learning from outcomes is switched off by boss@example.com on 2026-12-01 09:30 UTC" in page

    switch(staff, enabled=True)
    on, body = ranking(api_client)
    assert [(slug, score) for slug, score, _ in on] == [(slug, score) for slug, score, _ in learned]
    assert CITED in reasons_of(body)
    assert "Learning from outcomes is on." in staff.get("/admin/matching/productevidence/").content.decode()


@pytest.mark.django_db
def test_the_deploy_setting_keeps_learning_off_whatever_staff_say(api_client, catalogue_products, settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 0
    ProductEvidence.objects.create(product=catalogue_products["soft"], segment=SEGMENT, arch_type="flat",
                                   activity="walking", trials=40, successes=36)  # fmt: skip
    LearningSetting.objects.create(enabled=True)
    settings.MATCHING_LEARNING = False
    off, body = ranking(api_client)
    assert all(learning is None for _, _, learning in off) and CITED not in reasons_of(body)
    staff = Client()
    staff.force_login(member("Manager", "boss@example.com"))
    page = staff.get("/admin/matching/productevidence/").content.decode()
    assert "Learning from outcomes is off for this deployment (MATCHING_LEARNING=false)" in page


@pytest.mark.django_db
def test_with_learning_switched_off_a_warm_assessment_only_stores_itself(
    api_client, catalogue_products, settings, django_assert_num_queries
):
    settings.CATALOGUE_CACHE_TIMEOUT = 300
    LearningSetting.objects.create(enabled=False)
    ranking(api_client)
    with django_assert_num_queries(1):  # the insert: the outcomes are not read
        ranking(api_client)


@pytest.mark.django_db
def test_only_staff_allowed_to_change_it_may_switch_it(catalogue_products):
    service = Client()
    service.force_login(member("Customer service", "help@example.com"))
    assert service.post(f"{SWITCH}add/", {"note": "no"}).status_code == 403
    assert not LearningSetting.objects.exists()
    manager = Client()
    manager.force_login(member("Manager", "boss@example.com"))
    switch(manager, enabled=False)
    assert manager.get(f"{SWITCH}add/").status_code == 403  # one row: no second one
    assert manager.post(f"{SWITCH}1/delete/").status_code == 403
    assert LearningSetting.objects.get().enabled is False
