"""Turn assessment answers into a foot profile and a referral; pure (plain values in and out).

Precedence (``docs/matching.md``, The foot profile): the arch type comes from a footprint's arch
index, else the self-reported wet test, else the shoe-wear pattern, else what the customer sees when
walking; pronation from the shoe wear, else what the customer sees, else the arch type. Every field
says in ``derived_from`` which answers produced it (an empty list: nothing did, the neutral default
applies). When the footprint's arch class disagrees with ``arch_type_self``, ``conflicts`` says so,
naming both and which one was used (the footprint: it is measured).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

ARCH_FROM_SHOE_WEAR = {"inner_edge": "flat", "outer_edge": "high"}
ARCH_FROM_ROLLS = {"inward": "flat", "outward": "high"}
PRONATION_FROM_SHOE_WEAR = {"inner_edge": "over", "outer_edge": "under", "even": "neutral"}
PRONATION_FROM_ROLLS = {"inward": "over", "outward": "under", "neither": "neutral"}
PRONATION_FROM_ARCH = {"flat": "over", "high": "under", "normal": "neutral"}


@dataclass(frozen=True)
class FootprintReading:
    """What a footprint tells the profile."""

    arch_type: str
    arch_index: float


@dataclass(frozen=True)
class FootProfile:
    arch_type: str = "normal"
    pronation: str = "neutral"
    conditions: tuple[str, ...] = ()
    heel_lift_mm: int = 0
    short_side: str | None = None
    activity: str | None = None
    shoe_type: str | None = None
    # For each field the answers that produced it; for ``conditions``, per condition slug.
    derived_from: dict[str, list[str] | dict[str, list[str]]] = field(default_factory=dict)
    # Sources that disagree: each names the field, both values, the one used and a sentence.
    conflicts: tuple[dict, ...] = ()

    def as_dict(self) -> dict:
        return {
            "arch_type": self.arch_type,
            "pronation": self.pronation,
            "conditions": list(self.conditions),
            "heel_lift_mm": self.heel_lift_mm,
            "short_side": self.short_side,
            "activity": self.activity,
            "shoe_type": self.shoe_type,
            "derived_from": {
                name: dict(sources) if isinstance(sources, dict) else list(sources)
                for name, sources in self.derived_from.items()
            },
            "conflicts": [dict(conflict) for conflict in self.conflicts],
        }


@dataclass(frozen=True)
class Referral:
    urgency: str  # "none" | "soon" | "urgent"
    reasons: tuple[str, ...] = ()

    @property
    def advised(self) -> bool:
        return self.urgency != "none"

    def as_dict(self) -> dict:
        return {"advised": self.advised, "urgency": self.urgency, "reasons": list(self.reasons)}


def _arch_type(answers: dict, footprint: FootprintReading | None) -> tuple[str, list[str]]:
    if footprint is not None:
        return footprint.arch_type, ["footprint"]
    if answers.get("arch_type_self") in ("flat", "normal", "high"):
        return answers["arch_type_self"], ["arch_type_self"]
    if answers.get("shoe_wear") in ARCH_FROM_SHOE_WEAR:
        return ARCH_FROM_SHOE_WEAR[answers["shoe_wear"]], ["shoe_wear"]
    if answers.get("rolls") in ARCH_FROM_ROLLS:
        return ARCH_FROM_ROLLS[answers["rolls"]], ["rolls"]
    return "normal", []


def _arch_conflicts(answers: dict, footprint: FootprintReading | None) -> tuple[dict, ...]:
    said = answers.get("arch_type_self")
    if footprint is None or said not in ("flat", "normal", "high") or said == footprint.arch_type:
        return ()
    return (
        {
            "field": "arch_type",
            "footprint": footprint.arch_type,
            "arch_index": footprint.arch_index,
            "arch_type_self": said,
            "used": "footprint",
            "note": f"Your footprint measures a {footprint.arch_type} arch (arch index "
            f"{footprint.arch_index:.2f}) but you said {said}; the footprint is used, as it is measured.",
        },
    )


def _pronation(answers: dict, arch_type: str, arch_sources: list[str]) -> tuple[str, list[str]]:
    if answers.get("shoe_wear") in PRONATION_FROM_SHOE_WEAR:
        return PRONATION_FROM_SHOE_WEAR[answers["shoe_wear"]], ["shoe_wear"]
    if answers.get("rolls") in PRONATION_FROM_ROLLS:
        return PRONATION_FROM_ROLLS[answers["rolls"]], ["rolls"]
    if arch_sources:
        return PRONATION_FROM_ARCH[arch_type], list(arch_sources)
    return "neutral", []


def _heel_lift(answers: dict) -> tuple[int, list[str]]:
    difference = answers.get("leg_length_difference_mm")
    if difference is not None:
        if Decimal(str(difference)) < Decimal(str(settings.MATCHING_LEG_LENGTH_MIN_MM)):
            return 0, ["leg_length_difference_mm"]
        lift = (
            Decimal(str(difference)) * Decimal(str(settings.MATCHING_HEEL_LIFT_FRACTION))
        ).to_integral_value(rounding=ROUND_HALF_UP)
        return min(int(lift), settings.MATCHING_HEEL_LIFT_IN_SHOE_MAX_MM), ["leg_length_difference_mm"]
    if answers.get("one_leg_longer"):
        return settings.MATCHING_HEEL_LIFT_UNMEASURED_MM, ["one_leg_longer"]
    return 0, []


def _conditions(
    answers: dict, *, arch_type: str, arch_sources: list[str], heel_lift_mm: int, lift_sources: list[str]
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    pain_areas = set(answers.get("pain_areas") or ())
    if arch_type == "flat":
        found["flat-feet"] = list(arch_sources)
    if arch_type == "high":
        found["high-arches"] = list(arch_sources)
    if answers.get("heel_pain_morning"):
        found["plantar-fasciitis"] = ["heel_pain_morning"]
    elif "heel" in pain_areas and answers.get("pain_after_standing_or_walking"):
        found["plantar-fasciitis"] = ["pain_areas", "pain_after_standing_or_walking"]
    if heel_lift_mm > 0:
        found["leg-length-discrepancy"] = list(lift_sources)
    if "ball_of_foot" in pain_areas:
        found["metatarsalgia"] = ["pain_areas"]
    elif answers.get("shoe_wear") == "ball_of_foot":
        found["metatarsalgia"] = ["shoe_wear"]
    signs = [
        name
        for name in ("back_pain_worse_in_bad_shoes", "back_pain_better_with_support")
        if answers.get(name)
    ]
    if "low_back" in pain_areas and signs:
        found["foot-related-back-pain"] = ["pain_areas", *signs]
    return dict(sorted(found.items()))


def profile_from_answers(*, answers: dict, footprint: FootprintReading | None = None) -> FootProfile:
    """Return the foot profile the answers (and a footprint, when given) point to, with its sources."""
    arch_type, arch_sources = _arch_type(answers, footprint)
    pronation, pronation_sources = _pronation(answers, arch_type, arch_sources)
    heel_lift_mm, lift_sources = _heel_lift(answers)
    conditions = _conditions(
        answers,
        arch_type=arch_type,
        arch_sources=arch_sources,
        heel_lift_mm=heel_lift_mm,
        lift_sources=lift_sources,
    )
    short_side = answers.get("short_side") if heel_lift_mm > 0 else None
    derived_from = {
        "arch_type": arch_sources,
        "pronation": pronation_sources,
        "conditions": conditions,
        "heel_lift_mm": lift_sources if heel_lift_mm > 0 else [],
    }
    return FootProfile(
        arch_type=arch_type,
        pronation=pronation,
        conditions=tuple(conditions),
        heel_lift_mm=heel_lift_mm,
        short_side=short_side,
        activity=answers.get("activity"),
        shoe_type=answers.get("shoe_type"),
        derived_from=derived_from,
        conflicts=_arch_conflicts(answers, footprint),
    )


URGENT_REASONS = {
    "recent_injury_cannot_bear_weight": "You cannot put weight on the foot after an injury: have it checked "
    "today (urgent care or A&E) before using any insole.",
    "hot_swollen_joint_or_fever": "A hot, swollen joint or a fever needs a doctor today, not an insole.",
    "diabetic_wound": "With diabetes, a wound or a change of colour on the foot needs your doctor or "
    "podiatrist today.",
}
SOON_REASONS = {
    "numbness_or_tingling": "Numbness or tingling in the feet should be looked at by a podiatrist or "
    "your doctor soon.",
    "night_or_rest_pain": "Foot pain at night or at rest is not typical of overloading; see a podiatrist "
    "or your doctor soon.",
    "wound_or_colour_change": "A wound or a change of colour on the foot should be seen by a podiatrist "
    "or your doctor soon.",
    "heel_pain_long": "Heel pain that has lasted more than {weeks} weeks deserves a podiatrist's assessment.",
    "leg_length_large": "A leg-length difference over {mm} mm is more than an insole can even out; a "
    "podiatrist can advise on a shoe raise.",
}


def referral_for(*, answers: dict) -> Referral:
    """Return whether, and how soon, the customer should see a professional, with the reasons."""
    urgent = []
    if answers.get("recent_injury_cannot_bear_weight"):
        urgent.append(URGENT_REASONS["recent_injury_cannot_bear_weight"])
    if answers.get("hot_swollen_joint_or_fever"):
        urgent.append(URGENT_REASONS["hot_swollen_joint_or_fever"])
    if answers.get("diabetes") and answers.get("wound_or_colour_change"):
        urgent.append(URGENT_REASONS["diabetic_wound"])
    if urgent:
        return Referral(urgency="urgent", reasons=tuple(urgent))

    soon = []
    if answers.get("numbness_or_tingling"):
        soon.append(SOON_REASONS["numbness_or_tingling"])
    if answers.get("night_or_rest_pain"):
        soon.append(SOON_REASONS["night_or_rest_pain"])
    if answers.get("wound_or_colour_change"):
        soon.append(SOON_REASONS["wound_or_colour_change"])
    weeks = settings.MATCHING_REFERRAL_HEEL_PAIN_WEEKS
    heel_pain = answers.get("heel_pain_morning") or "heel" in (answers.get("pain_areas") or ())
    if heel_pain and (answers.get("pain_duration_weeks") or 0) > weeks:
        soon.append(SOON_REASONS["heel_pain_long"].format(weeks=weeks))
    limit = settings.MATCHING_REFERRAL_LEG_LENGTH_MM
    difference = answers.get("leg_length_difference_mm")
    if difference is not None and Decimal(str(difference)) > Decimal(str(limit)):
        soon.append(SOON_REASONS["leg_length_large"].format(mm=limit))
    if soon:
        return Referral(urgency="soon", reasons=tuple(soon))
    return Referral(urgency="none")
