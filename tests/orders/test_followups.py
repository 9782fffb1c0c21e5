"""Follow-ups after delivery: the schedule at its exact boundaries, consent, once only, one tap from the
email, the full answer, and the evidence each outcome leaves for the rankings."""

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.core import mail

from catalogue.matching.models import Assessment, ProductEvidence
from catalogue.matching.services import consent_withdraw
from orders.outcomes.models import FollowUp, LineOutcome
from orders.outcomes.services import followups_send_due
from orders.returns.services import ReturnLineInput, return_request_cancel, return_request_create
from tests.conftest import client_for
from tests.factories import UserFactory, VariantFactory, consents_give
from tests.orders.factories import delivered_order

pytestmark = pytest.mark.django_db

DELIVERED = datetime.fromisoformat("2026-03-02T10:00:00+00:00")
SEGMENT = "high|under|high-arches|running|athletic"
TAP = "/api/v1/followups/tap/"


@pytest.fixture
def buyer(db):
    user = UserFactory()
    consents_give(user)
    return user


def assessed(user, *, when=DELIVERED - timedelta(days=5)) -> Assessment:
    with time_machine.travel(when, tick=False):
        return Assessment.objects.create(
            owner=user, answers={"pain_areas": ["heel", "arch"]}, referral={}, recommendations=[],
            profile={"arch_type": "high", "pronation": "under", "conditions": ["high-arches"],
                     "activity": "running", "shoe_type": "athletic"},
        )  # fmt: skip


def bought(user, staff):
    with time_machine.travel(DELIVERED - timedelta(days=3), tick=False):
        order = delivered_order(staff=staff, user=user, items=[(VariantFactory(stock=5), 1)])
    # Delivered at exactly DELIVERED (order_deliver refuses a time in the future, so set it there).
    with time_machine.travel(DELIVERED, tick=False):
        order.lines.update(delivered_at=DELIVERED)
        type(order).objects.filter(pk=order.pk).update(delivered_at=DELIVERED)
    return order


def send_at(moment, callbacks) -> int:
    with time_machine.travel(moment, tick=False), callbacks(execute=True):
        return followups_send_due()


def test_each_follow_up_goes_at_its_day_exactly_and_once(
    buyer, staff_user, django_capture_on_commit_callbacks
):
    assessed(buyer)
    order = bought(buyer, staff_user)
    mail.outbox.clear()
    two_weeks = DELIVERED + timedelta(days=14)
    eight_weeks = DELIVERED + timedelta(days=56)
    assert send_at(two_weeks - timedelta(microseconds=1), django_capture_on_commit_callbacks) == 0
    assert send_at(two_weeks, django_capture_on_commit_callbacks) == 1
    assert send_at(two_weeks, django_capture_on_commit_callbacks) == 0  # never twice
    assert send_at(two_weeks + timedelta(days=1), django_capture_on_commit_callbacks) == 0
    assert send_at(eight_weeks - timedelta(microseconds=1), django_capture_on_commit_callbacks) == 0
    assert send_at(eight_weeks, django_capture_on_commit_callbacks) == 1
    assert send_at(eight_weeks + timedelta(days=3), django_capture_on_commit_callbacks) == 0
    assert [m.to for m in mail.outbox] == [[buyer.email], [buyer.email]]
    assert mail.outbox[0].subject.endswith("after 2 weeks?") and mail.outbox[1].subject.endswith(
        "after 8 weeks?"
    )
    followups = FollowUp.objects.filter(order_line__order=order).order_by("days")
    assert [(f.days, f.final, f.due_at) for f in followups] == [
        (14, False, two_weeks),
        (56, True, eight_weeks),
    ]


def test_a_late_run_sends_only_the_latest_due_and_gives_up_two_weeks_after(
    buyer, staff_user, django_capture_on_commit_callbacks
):
    bought(buyer, staff_user)
    # The job was down for the whole two-week window: at eight weeks, only the eight-week one goes.
    assert send_at(DELIVERED + timedelta(days=56), django_capture_on_commit_callbacks) == 1
    assert list(FollowUp.objects.values_list("days", flat=True)) == [56]
    other = UserFactory()
    consents_give(other)
    bought(other, staff_user)
    # Fourteen days after it was due it is no longer sent (the instant itself excluded).
    assert send_at(DELIVERED + timedelta(days=70), django_capture_on_commit_callbacks) == 0
    assert (
        send_at(
            DELIVERED + timedelta(days=70) - timedelta(microseconds=1), django_capture_on_commit_callbacks
        )
        == 1
    )


def test_the_schedule_is_a_setting(buyer, staff_user, settings, django_capture_on_commit_callbacks):
    settings.SHOP_FOLLOWUP_DAYS = "7"
    bought(buyer, staff_user)
    assert send_at(DELIVERED + timedelta(days=7), django_capture_on_commit_callbacks) == 1
    assert FollowUp.objects.get().final is True


def test_no_consent_no_follow_up(staff_user, django_capture_on_commit_callbacks):
    silent = UserFactory()
    consents_give(silent, "foot_assessment")
    withdrawn = UserFactory()
    consents_give(withdrawn)
    consent_withdraw(user=withdrawn, purpose="outcome_followups")
    bought(silent, staff_user)
    bought(withdrawn, staff_user)
    mail.outbox.clear()
    assert send_at(DELIVERED + timedelta(days=14), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def _links(message) -> dict[str, str]:
    links = re.findall(r"(http\S+/api/v1/followups/tap/\?token=\S+)", message.body)
    return {answer: link for answer, link in zip(("better", "same", "stopped", "form"), links, strict=True)}


def _tap(client, link, *, at=DELIVERED + timedelta(days=57)):
    with time_machine.travel(at, tick=False):
        return client.get(TAP, {"token": parse_qs(urlparse(link).query)["token"][0]})


def test_one_tap_at_eight_weeks_is_a_success_for_the_segment(
    buyer, staff_user, api_client, django_capture_on_commit_callbacks
):
    assessment = assessed(buyer)
    order = bought(buyer, staff_user)
    mail.outbox.clear()
    send_at(DELIVERED + timedelta(days=56), django_capture_on_commit_callbacks)
    links = _links(mail.outbox[0])
    response = _tap(api_client, links["better"])
    assert response.status_code == 200, response.json()
    assert response.json()["still_wearing"] is True and response.json()["pain_better"] is True
    line = order.lines.get()
    outcome = LineOutcome.objects.get(order_line=line)
    assert (outcome.kind, outcome.assessment_id, outcome.segment) == ("success", assessment.pk, SEGMENT)
    evidence = ProductEvidence.objects.get(product=line.product)
    assert (evidence.segment, evidence.trials, evidence.successes, evidence.fit_returns) == (SEGMENT, 1, 1, 0)
    # Tapping again, or another link, corrects the answer: the line still counts once.
    _tap(api_client, links["stopped"])
    _tap(api_client, links["stopped"])
    evidence.refresh_from_db()
    assert (evidence.trials, evidence.successes) == (1, 0)


def test_a_forged_or_altered_link_records_nothing(
    buyer, staff_user, api_client, django_capture_on_commit_callbacks
):
    bought(buyer, staff_user)
    mail.outbox.clear()
    send_at(DELIVERED + timedelta(days=14), django_capture_on_commit_callbacks)
    token = parse_qs(urlparse(_links(mail.outbox[0])["better"]).query)["token"][0]
    with time_machine.travel(DELIVERED + timedelta(days=15), tick=False):
        response = api_client.get(TAP, {"token": token[:-2] + "xx"})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "invalid_token"
    # A genuine link stops working 60 days after it was sent.
    expired = _tap(
        api_client, _links(mail.outbox[0])["better"], at=DELIVERED + timedelta(days=14 + 60, seconds=1)
    )
    assert expired.status_code == 400
    assert FollowUp.objects.get().answered_at is None


def test_the_full_answer_by_api_with_pain_on_the_reported_areas(
    buyer, staff_user, django_capture_on_commit_callbacks
):
    assessed(buyer)
    order = bought(buyer, staff_user)
    send_at(DELIVERED + timedelta(days=56), django_capture_on_commit_callbacks)
    client = client_for(buyer)
    listed = client.get("/api/v1/followups/").json()["results"]
    assert [(f["days"], f["pain_areas"]) for f in listed] == [(56, ["heel", "arch"])]
    followup_id = listed[0]["id"]
    bad = client.post(f"/api/v1/followups/{followup_id}/answer/", {"comfort": 6, "still_wearing": True},
                      format="json")  # fmt: skip
    assert bad.status_code == 400
    for pain_now, message in [
        ({"heel": 11}, "Each pain score is a whole number from 0 to 10."),
        ({"heel": None}, "Each pain score is a whole number from 0 to 10."),
        ({"heel": 4.5}, "Each pain score is a whole number from 0 to 10."),
        ({"elbow": 3}, "Unknown pain area: elbow."),
        ([3], "An object of pain areas and their scores."),
    ]:
        refused = client.post(f"/api/v1/followups/{followup_id}/answer/",
                              {"comfort": 3, "still_wearing": True, "pain_now": pain_now}, format="json")  # fmt: skip
        assert refused.status_code == 400
        assert refused.json()["errors"] == [{"code": "invalid", "detail": message, "attr": "pain_now"}]
    answer = {"comfort": 2, "pain_before": {"heel": 6, "arch": 4}, "pain_now": {"heel": 6, "arch": 5},
              "still_wearing": True, "problems": ["too_firm"]}  # fmt: skip
    response = client.post(f"/api/v1/followups/{followup_id}/answer/", answer, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["pain_better"] is False
    evidence = ProductEvidence.objects.get(product=order.lines.get().product)
    assert (evidence.trials, evidence.successes, evidence.reasons) == (1, 0, {"too_firm": 1})
    # Someone else cannot answer it.
    stranger = client_for(UserFactory())
    assert stranger.post(f"/api/v1/followups/{followup_id}/answer/", answer, format="json").status_code == 404


def test_returns_count_fit_against_the_product_and_defects_apart(buyer, staff_user):
    assessed(buyer)
    fit = bought(buyer, staff_user)
    broken = bought(buyer, staff_user)
    with time_machine.travel(DELIVERED + timedelta(days=3), tick=False):
        fit_request = return_request_create(
            order=fit, kind="return", reason="too_firm", actor=buyer,
            lines=[ReturnLineInput(line_id=fit.lines.get().pk, quantity=1)],
        )  # fmt: skip
        return_request_create(
            order=broken, kind="replacement", reason="defective", actor=buyer,
            lines=[ReturnLineInput(line_id=broken.lines.get().pk, quantity=1)],
        )  # fmt: skip
    fit_evidence = ProductEvidence.objects.get(product=fit.lines.get().product)
    assert (fit_evidence.trials, fit_evidence.fit_returns, fit_evidence.reasons) == (1, 1, {"too_firm": 1})
    defect = ProductEvidence.objects.get(product=broken.lines.get().product)
    assert (defect.trials, defect.fit_returns, defect.defects) == (0, 0, 1)
    # A cancelled request no longer counts.
    return_request_cancel(return_request=fit_request, actor=buyer)
    fit_evidence.refresh_from_db()
    assert (fit_evidence.trials, fit_evidence.fit_returns, fit_evidence.reasons) == (0, 0, {})


def test_a_line_asked_back_gets_no_follow_up(buyer, staff_user, django_capture_on_commit_callbacks):
    order = bought(buyer, staff_user)
    with time_machine.travel(DELIVERED + timedelta(days=3), tick=False):
        return_request_create(order=order, kind="return", reason="too_long", actor=buyer,
                              lines=[ReturnLineInput(line_id=order.lines.get().pk, quantity=1)])  # fmt: skip
    assert send_at(DELIVERED + timedelta(days=14), django_capture_on_commit_callbacks) == 0


def test_the_job_and_the_command_send_what_is_due(buyer, staff_user, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from orders.jobs import followups_send_due as job

    bought(buyer, staff_user)
    with (
        time_machine.travel(DELIVERED + timedelta(days=14), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert job.call() == 1
        call_command("send_followups")
    assert FollowUp.objects.count() == 1


def test_without_the_pooling_consent_a_return_gives_no_evidence(staff_user):
    private = UserFactory()
    consents_give(private, "foot_assessment")
    assessed(private)
    order = bought(private, staff_user)
    with time_machine.travel(DELIVERED + timedelta(days=3), tick=False):
        return_request_create(order=order, kind="return", reason="too_firm", actor=private,
                              lines=[ReturnLineInput(line_id=order.lines.get().pk, quantity=1)])  # fmt: skip
    assert LineOutcome.objects.get().kind == "fit_return"
    assert not ProductEvidence.objects.exists()


def test_the_answers_are_exported_and_erased_with_the_account(
    buyer, staff_user, api_client, django_capture_on_commit_callbacks
):
    from accounts.selectors import account_export
    from accounts.services import user_erase

    assessed(buyer)
    order = bought(buyer, staff_user)
    mail.outbox.clear()
    send_at(DELIVERED + timedelta(days=56), django_capture_on_commit_callbacks)
    _tap(api_client, _links(mail.outbox[0])["better"])
    exported = account_export(user=buyer)["followups"]
    assert [(f["order"], f["days"], f["still_wearing"], f["pain_better"]) for f in exported] == [
        (order.number, 56, True, True)
    ]
    user_erase(user=buyer, erased_by=staff_user)
    assert not FollowUp.objects.exists()
    # The evidence is counts with no person in it: it stays.
    assert ProductEvidence.objects.get().successes == 1


def test_staff_see_the_evidence_with_its_adjustment_and_the_outcomes(buyer, staff_user, settings):
    from django.test import Client

    assessed(buyer)
    order = bought(buyer, staff_user)
    with time_machine.travel(DELIVERED + timedelta(days=3), tick=False):
        return_request_create(order=order, kind="return", reason="too_firm", actor=buyer,
                              lines=[ReturnLineInput(line_id=order.lines.get().pk, quantity=1)])  # fmt: skip
    client = Client()
    client.force_login(staff_user)
    page = client.get("/admin/matching/productevidence/")
    assert page.status_code == 200
    text = page.content.decode()
    # One fit return at rule score 50: ps = (10 * 0.55) / 11 = 0.5, (0.5 - 0.55) * 100 / 0.7 = -7.1 -> -7.
    assert (
        SEGMENT in text and "too firm 1" in text and "-7" in text and "Learning from outcomes is on" in text
    )
    settings.MATCHING_LEARNING = False
    assert "Learning from outcomes is off" in client.get("/admin/matching/productevidence/").content.decode()
    assert client.get("/admin/outcomes/lineoutcome/").status_code == 200
    assert client.get("/admin/outcomes/followup/").status_code == 200
