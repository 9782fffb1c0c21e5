"""Writes of the follow-ups and outcomes: send what is due, record answers, keep the evidence in step.

Every fact about an order line (a follow-up answered, a return or exchange requested, one cancelled)
calls ``line_outcome_refresh``, which classifies the line from all its facts (``policy.line_outcome``)
and moves its product's evidence for its segment by the difference, under the outcome row's lock, so
each line counts once, as its latest outcome.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalogue.choices import ProductKind
from catalogue.matching.consent import ConsentPurpose
from catalogue.matching.learning import Evidence, segment_of
from catalogue.matching.models import Assessment, ProductEvidence
from catalogue.matching.selectors import users_without_consent
from orders.models import OrderLine
from orders.outcomes import policy
from orders.outcomes.models import FollowUp, LineOutcome
from orders.outcomes.notifications import followup_notify_on_commit
from orders.returns.models import ReturnLine
from orders.returns.statuses import RETURN_RELEASED
from orders.statuses import OrderStatus

FOLLOWED_KINDS = (ProductKind.INSOLE, ProductKind.CUSTOM_ORTHOTIC)


def followup_days() -> tuple[int, ...]:
    """Return the schedule, ``SHOP_FOLLOWUP_DAYS`` (days after delivery, e.g. 14 and 56)."""
    return policy.parse_days(settings.SHOP_FOLLOWUP_DAYS)


def assessment_for_line(*, line: OrderLine) -> Assessment | None:
    """Return the assessment behind a line: the customer's latest one taken before the order was placed.

    Checkout does not carry an assessment id, so the link is made here, by the customer: their profile
    at the time they bought is the segment the outcome counts for, whether or not that assessment
    listed the product (``LineOutcome.recommended`` says whether it did).
    """
    user_id = line.order.user_id
    if user_id is None:
        return None
    return (
        Assessment.objects.filter(owner_id=user_id, created_at__lte=line.order.created_at)
        .only("id", "profile", "recommendations", "created_at")
        .order_by("-created_at")
        .first()
    )


def _recommended(assessment: Assessment | None, product_slug: str | None) -> bool:
    if assessment is None or not product_slug:
        return False
    return any((r.get("product") or {}).get("slug") == product_slug for r in assessment.recommendations or [])


# --- sending ---------------------------------------------------------------------------------------
def followups_send_due(*, now: datetime | None = None) -> int:
    """Send every follow-up due now, each once; return how many were sent.

    Due: a line of a delivered order of an insole or custom orthotic, to a customer whose follow-up
    consent is in force, not asked back in a request still standing, at a day of the schedule
    (``policy.followup_due``). The unique row per line and day makes a second run, or two at once,
    send nothing twice: the email goes once the row is committed.
    """
    now = now or timezone.now()
    days = followup_days()
    earliest = now - timedelta(days=days[-1] + policy.LATEST_AFTER_DUE_DAYS)
    latest = now - timedelta(days=days[0])
    lines = list(
        OrderLine.objects.annotate(delivered=Coalesce("delivered_at", "order__delivered_at"))
        .filter(
            order__status=OrderStatus.DELIVERED,
            order__user__isnull=False,
            product_kind__in=FOLLOWED_KINDS,
            delivered__gt=earliest,
            delivered__lte=latest,
        )
        .exclude(return_lines__in=ReturnLine.objects.exclude(return_request__status__in=RETURN_RELEASED))
        .select_related("order", "product")
        .order_by("id")
    )
    refused = users_without_consent(
        user_ids={line.order.user_id for line in lines}, purpose=ConsentPurpose.OUTCOME_FOLLOWUPS
    )
    sent_days: dict[int, list[int]] = {}
    for line_id, day in FollowUp.objects.filter(order_line__in=[line.pk for line in lines]).values_list(
        "order_line_id", "days"
    ):
        sent_days.setdefault(line_id, []).append(day)
    sent = 0
    for line in lines:
        if line.order.user_id in refused:
            continue
        day = policy.followup_due(
            delivered_at=line.delivered, now=now, days=days, sent=sent_days.get(line.pk, [])
        )
        if day is None:
            continue
        if _followup_create(line=line, day=day, final=day == days[-1], now=now) is not None:
            sent += 1
    return sent


def _followup_create(*, line: OrderLine, day: int, final: bool, now: datetime) -> FollowUp | None:
    try:
        with transaction.atomic():
            followup = FollowUp.objects.create(
                order_line=line,
                user_id=line.order.user_id,
                assessment=assessment_for_line(line=line),
                days=day,
                final=final,
                due_at=line.delivered + timedelta(days=day),
                sent_at=now,
            )
            followup_notify_on_commit(followup_id=followup.pk)
    except IntegrityError:  # another run sent it first
        return None
    return followup


# --- answers ---------------------------------------------------------------------------------------
def followup_answer(
    *,
    followup: FollowUp,
    comfort: int | None = None,
    pain_before: dict | None = None,
    pain_now: dict | None = None,
    pain_better: bool | None = None,
    still_wearing: bool | None = None,
    problems: Iterable[str] = (),
    now: datetime | None = None,
) -> FollowUp:
    """Record (or correct) the answers to a follow-up, then its line's outcome and evidence.

    ``pain_better`` is worked out from the pain scores when they are given on the same areas.
    """
    computed = policy.pain_better(pain_before=pain_before, pain_now=pain_now)
    with transaction.atomic():
        followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
        followup.comfort = comfort
        followup.pain_before = pain_before or {}
        followup.pain_now = pain_now or {}
        followup.pain_better = computed if computed is not None else pain_better
        followup.still_wearing = still_wearing
        followup.problems = list(dict.fromkeys(problems))
        followup.answered_at = now or timezone.now()
        followup.save()
        line_outcome_refresh(order_line_id=followup.order_line_id)
    return followup


# One tap from the email: what each link records.
QUICK_ANSWERS = {
    "better": {"comfort": 4, "still_wearing": True, "pain_better": True},
    "same": {"comfort": 3, "still_wearing": True, "pain_better": False},
    "stopped": {"still_wearing": False, "pain_better": False},
}


def followup_answer_quick(*, followup: FollowUp, answer: str) -> FollowUp:
    """Record one of ``QUICK_ANSWERS`` (a tap on a link of the email)."""
    return followup_answer(followup=followup, **QUICK_ANSWERS[answer])


# --- outcomes and evidence --------------------------------------------------------------------------
def _answers(line_id: int) -> list[policy.Answer]:
    return [
        policy.Answer(
            final=f.final,
            comfort=f.comfort,
            pain_before=f.pain_before,
            pain_now=f.pain_now,
            pain_better=f.pain_better,
            still_wearing=f.still_wearing,
            problems=tuple(f.problems or ()),
        )
        for f in FollowUp.objects.filter(order_line_id=line_id, answered_at__isnull=False).order_by(
            "days", "id"
        )
    ]


def _returns(line_id: int) -> list[tuple[str, str]]:
    return list(
        ReturnLine.objects.filter(order_line_id=line_id)
        .exclude(return_request__status__in=RETURN_RELEASED)
        .order_by("return_request__requested_at", "id")
        .values_list("return_request__kind", "return_request__reason")
    )


def _evidence_move(*, outcome: LineOutcome, delta: Evidence) -> None:
    if not outcome.segment or outcome.product_id is None or delta == Evidence():
        return
    evidence, _ = ProductEvidence.objects.select_for_update().get_or_create(
        product_id=outcome.product_id,
        segment=outcome.segment,
        defaults={"arch_type": outcome.arch_type, "activity": outcome.activity},
    )
    reasons = dict(evidence.reasons or {})
    for reason, count in delta.reasons.items():
        reasons[reason] = reasons.get(reason, 0) + count
        if not reasons[reason]:
            del reasons[reason]
    ProductEvidence.objects.filter(pk=evidence.pk).update(
        trials=F("trials") + delta.trials,
        successes=F("successes") + delta.successes,
        fit_returns=F("fit_returns") + delta.fit_returns,
        defects=F("defects") + delta.defects,
        reasons=reasons,
        updated_at=timezone.now(),
    )


def line_outcome_refresh(*, order_line_id: int) -> LineOutcome:
    """Classify an order line from all its facts and move its evidence by the change; in a transaction.

    The first time, the line is linked to its assessment (``assessment_for_line``); the segment is that
    assessment's profile, once the customer's consent to pooling is in force (``_segment_set``). A line
    with no segment keeps its outcome but gives no evidence. The evidence is counts per product and
    segment, with no person in it: a consent withdrawn later stops new outcomes, it does not unpick them.
    """
    with transaction.atomic():
        line = (
            OrderLine.objects.select_related("order", "product")
            .select_for_update(of=("self",))
            .get(pk=order_line_id)
        )
        outcome = LineOutcome.objects.select_for_update().filter(order_line=line).first()
        if outcome is None:
            assessment = assessment_for_line(line=line)
            outcome = LineOutcome.objects.create(
                order_line=line,
                product_id=line.product_id,
                assessment=assessment,
                recommended=_recommended(assessment, getattr(line.product, "slug", None)),
                updated_at=timezone.now(),
            )
        # What the line gave so far: nothing while it had no segment.
        before = (
            policy.contribution(policy.Outcome(outcome.kind, tuple(outcome.reasons or ())))
            if outcome.segment
            else Evidence()
        )
        if not outcome.segment:
            _segment_set(outcome=outcome, user_id=line.order.user_id)
        found = policy.line_outcome(returns=_returns(line.pk), answers=_answers(line.pk))
        after = policy.contribution(found)
        _evidence_move(outcome=outcome, delta=after - before)
        outcome.kind, outcome.reasons, outcome.updated_at = found.kind, list(found.reasons), timezone.now()
        outcome.save(update_fields=["kind", "reasons", "updated_at", "segment", "arch_type", "activity"])
    return outcome


def _segment_set(*, outcome: LineOutcome, user_id: int | None) -> None:
    """Give the outcome its segment when it may count: an assessment, and the customer's consent to
    pooling (``outcome_followups``) in force. Otherwise it is kept, but gives no evidence."""
    if outcome.assessment_id is None or user_id is None:
        return
    if users_without_consent(user_ids={user_id}, purpose=ConsentPurpose.OUTCOME_FOLLOWUPS):
        return
    segment = segment_of(outcome.assessment.profile)
    outcome.segment, outcome.arch_type, outcome.activity = segment.key, segment.arch_type, segment.activity


def return_lines_outcome_refresh(*, order_line_ids: Iterable[int]) -> None:
    """Refresh the outcomes of lines a return, replacement or exchange request names (made or released)."""
    for line_id in sorted(set(order_line_ids)):
        line_outcome_refresh(order_line_id=line_id)


def outcomes_erase(*, user) -> dict:
    """Erase the customer's follow-up answers (comfort, pain); call inside the account's erasure.

    Kept: what each order line's outcome was, without the assessment (erased with the foot data), and
    the evidence, which is counts per product and segment with no person in it.
    """
    count, _ = FollowUp.objects.filter(user=user).delete()
    LineOutcome.objects.filter(order_line__order__user=user).update(assessment=None)
    return {
        "erased": [
            {
                "what": "followups",
                "count": count,
                "description": "Your answers to the follow-up questions: comfort, pain before and now, "
                "whether you still wore the insoles, what was wrong.",
            }
        ],
        "kept": [],
    }
