"""What the assessment tells the customer besides the products: the outcome and its advice; pure.

The outcome is one of:
- ``see_a_professional_today``: an urgent red flag; nothing is sold and no exercise suggested;
- ``no_mechanical_reason``: nothing in the profile gives an insole something to do (low back pain
  alone, a leg-length difference below the lift threshold, a child's painless flat feet); no product
  is ranked as a match, general comfort products may be listed apart;
- ``nothing_suitable``: there is a reason for an insole, but nothing in stock passes the filters;
- ``matches``: products are ranked.

Each advice note comes from ``safety.ADVICE`` with its source.
"""

from dataclasses import dataclass

from django.conf import settings

from catalogue.matching.safety import ADVICE

FOOT_PAIN_AREAS = ("heel", "arch", "ball_of_foot", "toes", "ankle")
SUMMARIES = {
    "see_a_professional_today": "Please see a professional today, for the reasons given; we do not sell "
    "anything for this.",
    "no_mechanical_reason": ADVICE["no-mechanical-reason"].text,
    "nothing_suitable": "None of our products in stock fits what you told us.",
    "matches": "These fit what you told us, best first.",
    "matches_after_referral": "See a professional first, for the reasons given; if you go ahead, these fit "
    "what you told us, best first.",
}


@dataclass(frozen=True)
class Outcome:
    outcome: str
    summary: str
    notes: tuple[dict, ...] = ()

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "summary": self.summary, "notes": [dict(n) for n in self.notes]}


def _has_foot_pain(answers: dict) -> bool:
    return bool(answers.get("heel_pain_morning")) or bool(
        set(answers.get("pain_areas") or ()).intersection(FOOT_PAIN_AREAS)
    )


def mechanical_reason(*, profile, answers: dict) -> bool:
    """Tell whether the profile gives an insole something to do: a condition, or a foot that rolls.

    A child's arches without pain give none: flexible flat feet are normal in children.
    """
    if "child-heel-pain" in profile.flags:
        return True
    if "child" in profile.flags and not _has_foot_pain(answers):
        return False
    return bool(profile.conditions) or profile.pronation != "neutral"


def _note(code: str, **values) -> dict:
    advice = ADVICE[code]
    return {**advice.as_dict(), "text": advice.text.format(**values) if values else advice.text}


def outcome_for(*, profile, answers: dict, urgency: str, matched: bool) -> Outcome:
    """Return the outcome and the advice notes for this profile (``matched``: a product was ranked)."""
    if urgency == "urgent":
        return Outcome("see_a_professional_today", SUMMARIES["see_a_professional_today"])
    mechanical = mechanical_reason(profile=profile, answers=answers)
    flags = set(profile.flags)
    notes = []
    if "low-back-pain" in flags:
        notes.append(_note("low-back-pain-with-foot" if mechanical else "low-back-pain"))
        if answers.get("back_pain_worse_in_bad_shoes") or answers.get("back_pain_better_with_support"):
            notes.append(_note("back-pain-shoes"))
    difference = answers.get("leg_length_difference_mm")
    if difference is not None and not profile.heel_lift_mm:
        notes.append(_note("leg-length-small", mm=settings.MATCHING_LEG_LENGTH_MIN_MM))
    if "child" in flags and not mechanical and profile.arch_type != "normal":
        notes.append(_note("child-flat-feet"))
    if "child" in flags and mechanical and not matched:
        notes.append(_note("child-no-products"))
    if "diabetes" in flags:
        notes.append(_note("diabetes-foot-checks"))
    if "ankle-instability" in flags:
        notes.append(_note("ankle-instability"))
    if "previous-injury" in flags:
        notes.append(_note("previous-injury"))
    if "tight-calves" in flags:
        notes.append(_note("tight-calves"))
    if "heavier-body" in flags and "plantar-fasciitis" in profile.conditions:
        notes.append(_note("heavier-body-heel-pain"))
    if not mechanical:
        if "low-back-pain" not in flags and (_has_foot_pain(answers) or answers.get("pain_areas")):
            notes.append(_note("see-professional-if-persists"))
        return Outcome("no_mechanical_reason", SUMMARIES["no_mechanical_reason"], tuple(notes))
    if not matched:
        return Outcome("nothing_suitable", SUMMARIES["nothing_suitable"], tuple(notes))
    summary = SUMMARIES["matches_after_referral" if urgency == "soon" else "matches"]
    return Outcome("matches", summary, tuple(notes))
