"""Turn assessment answers into a foot profile and a referral; pure (plain values in and out).

Precedence (``docs/matching.md``, The foot profile): the arch type comes from a footprint's arch
index, else the self-reported wet test, else the shoe-wear pattern, else what the customer sees when
walking; pronation from the shoe wear, else what the customer sees, else the arch type. Every field
says in ``derived_from`` which answers produced it (an empty list: nothing did, the neutral default
applies). When the footprint's arch class disagrees with ``arch_type_self``, ``conflicts`` says so,
naming both and which one was used (the footprint: it is measured); answers that contradict each
other (a high arch that wears the inner edge of the shoe) are listed there too.

``flags`` are what else the answers tell about the customer that is not a condition sold for (a
child, diabetes, numbness, a weak ankle...): they choose exercises and advice and filter products.
A child's heel pain is a flag, not plantar fasciitis (``safety.CKS_SEVER``). The referral comes from
the red flags in ``safety.RED_FLAGS``.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from catalogue.matching.safety import RED_FLAGS

# A child is under 16 (NICE CKS: heel pain in children is Sever's disease first; NICE NG59 is for 16 and
# over); from 65, balance work is held on to.
CHILD_UNDER_YEARS = 16
OLDER_FROM_YEARS = 65
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
    flags: tuple[str, ...] = ()
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
            "flags": list(self.flags),
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
    # For each reason, the red flag's code and source, in the same order.
    details: tuple[dict, ...] = ()

    @property
    def advised(self) -> bool:
        return self.urgency != "none"

    def as_dict(self) -> dict:
        return {
            "advised": self.advised,
            "urgency": self.urgency,
            "reasons": list(self.reasons),
            "details": [dict(detail) for detail in self.details],
        }


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
    if _is_child(answers):
        pass  # a child's heel pain is Sever's disease first: a flag, not plantar fasciitis
    elif answers.get("heel_pain_morning"):
        found["plantar-fasciitis"] = ["heel_pain_morning"]
    elif "heel" in pain_areas and answers.get("pain_after_standing_or_walking"):
        found["plantar-fasciitis"] = ["pain_areas", "pain_after_standing_or_walking"]
    if heel_lift_mm > 0:
        found["leg-length-discrepancy"] = list(lift_sources)
    if "ball_of_foot" in pain_areas:
        found["metatarsalgia"] = ["pain_areas"]
    elif answers.get("shoe_wear") == "ball_of_foot":
        found["metatarsalgia"] = ["shoe_wear"]
    return dict(sorted(found.items()))


def age_band(answers: dict) -> tuple[str | None, list[str]]:
    """Return the customer's age band (from ``age`` in years, else ``age_band``) and its source."""
    age = answers.get("age")
    if age is not None:
        band = (
            "under_16"
            if age < CHILD_UNDER_YEARS
            else "65_and_over"
            if age >= OLDER_FROM_YEARS
            else "16_to_64"
        )
        return band, ["age"]
    if answers.get("age_band"):
        return answers["age_band"], ["age_band"]
    return None, []


def _is_child(answers: dict) -> bool:
    return age_band(answers)[0] == "under_16"


def _has_heel_pain(answers: dict) -> bool:
    return bool(answers.get("heel_pain_morning")) or "heel" in (answers.get("pain_areas") or ())


# flag: the boolean answer that raises it
FLAG_ANSWERS = {
    "diabetes": "diabetes",
    "reduced-sensation": "numbness_or_tingling",
    "ankle-instability": "ankle_instability",
    "previous-injury": "previous_foot_injury",
    "tight-calves": "tight_calves",
    "foot-fatigue": "foot_fatigue",
}


def _flags(answers: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    band, band_sources = age_band(answers)
    if band == "under_16":
        found["child"] = list(band_sources)
        if _has_heel_pain(answers):
            heel = [name for name in ("heel_pain_morning",) if answers.get(name)]
            if "heel" in (answers.get("pain_areas") or ()):
                heel.append("pain_areas")
            found["child-heel-pain"] = [*band_sources, *heel]
    if band == "65_and_over":
        found["older-adult"] = list(band_sources)
    for flag, answer in FLAG_ANSWERS.items():
        if answers.get(answer):
            found[flag] = [answer]
    if "low_back" in (answers.get("pain_areas") or ()):
        signs = [
            name
            for name in ("back_pain_worse_in_bad_shoes", "back_pain_better_with_support")
            if answers.get(name) is not None
        ]
        found["low-back-pain"] = ["pain_areas", *signs]
    if answers.get("weight_band") == "over_90kg":
        found["heavier-body"] = ["weight_band"]
    return dict(sorted(found.items()))


WEAR_WORDS = {"inner_edge": "wear on the inner edge of your shoes", "outer_edge": "wear on the outer edge of "
              "your shoes"}  # fmt: skip
ROLL_WORDS = {"inward": "seeing your feet roll in", "outward": "seeing your feet roll out"}


def _answer_conflicts(answers: dict, footprint: FootprintReading | None) -> tuple[dict, ...]:
    """Answers that point opposite ways: a high arch that rolls in, or a flat one that rolls out."""
    conflicts = []
    said = answers.get("arch_type_self")
    wear, rolls = answers.get("shoe_wear"), answers.get("rolls")
    if footprint is None and said in ("flat", "high"):
        opposite = "flat" if said == "high" else "high"
        for name, value, words, arch_from in (
            ("shoe_wear", wear, WEAR_WORDS, ARCH_FROM_SHOE_WEAR),
            ("rolls", rolls, ROLL_WORDS, ARCH_FROM_ROLLS),
        ):
            if arch_from.get(value) == opposite:
                direction = "rolling in" if opposite == "flat" else "rolling out"
                conflicts.append(
                    {
                        "field": "arch_type",
                        "answers": {"arch_type_self": said, name: value},
                        "used": "arch_type_self",
                        "note": f"You said your arch is {said}, but {words[value]} suggests {direction}: "
                        "a footprint would settle it. Until then we go by what you said for the arch and "
                        "by what you see for the rolling, so some reasons below pull different ways.",
                    }
                )
                break
    if (
        ARCH_FROM_SHOE_WEAR.get(wear)
        and ARCH_FROM_ROLLS.get(rolls)
        and (ARCH_FROM_SHOE_WEAR[wear] != ARCH_FROM_ROLLS[rolls])
    ):
        conflicts.append(
            {
                "field": "pronation",
                "answers": {"shoe_wear": wear, "rolls": rolls},
                "used": "shoe_wear",
                "note": f"{WEAR_WORDS[wear].capitalize()} points the opposite way to {ROLL_WORDS[rolls]}; "
                "we go by the shoe wear, but a footprint or a podiatrist would settle it.",
            }
        )
    return tuple(conflicts)


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
    flags = _flags(answers)
    short_side = answers.get("short_side") if heel_lift_mm > 0 else None
    derived_from = {
        "arch_type": arch_sources,
        "pronation": pronation_sources,
        "conditions": conditions,
        "flags": flags,
        "heel_lift_mm": lift_sources if heel_lift_mm > 0 else [],
    }
    return FootProfile(
        arch_type=arch_type,
        pronation=pronation,
        conditions=tuple(conditions),
        flags=tuple(flags),
        heel_lift_mm=heel_lift_mm,
        short_side=short_side,
        activity=answers.get("activity"),
        shoe_type=answers.get("shoe_type"),
        derived_from=derived_from,
        conflicts=_arch_conflicts(answers, footprint) + _answer_conflicts(answers, footprint),
    )


def _signs(answers: dict) -> set[str]:
    """The true answers, and the signs the red flags derive from the answers."""
    signs = {name for name, value in answers.items() if value is True}
    if _has_heel_pain(answers):
        if (answers.get("pain_duration_weeks") or 0) > settings.MATCHING_REFERRAL_HEEL_PAIN_WEEKS:
            signs.add("heel_pain_long")
        if _is_child(answers):
            signs.add("child_heel_pain")
    difference = answers.get("leg_length_difference_mm")
    if difference is not None and Decimal(str(difference)) > Decimal(
        str(settings.MATCHING_REFERRAL_LEG_LENGTH_MM)
    ):
        signs.add("leg_length_large")
    return signs


def referral_for(*, answers: dict) -> Referral:
    """Return whether, and how soon, the customer should see a professional, with the reasons.

    The urgent red flags, when any fires, are the only reasons given; otherwise those asking for soon.
    """
    signs = _signs(answers)
    fired = [flag for flag in RED_FLAGS if flag.fires(signs)]
    for urgency in ("urgent", "soon"):
        flags = [flag for flag in fired if flag.urgency == urgency]
        if flags:
            reasons = tuple(
                flag.reason.format(
                    weeks=settings.MATCHING_REFERRAL_HEEL_PAIN_WEEKS,
                    mm=settings.MATCHING_REFERRAL_LEG_LENGTH_MM,
                )
                for flag in flags
            )
            details = tuple(
                {"code": flag.code, "reason": reason, "source": flag.source}
                for flag, reason in zip(flags, reasons, strict=True)
            )
            return Referral(urgency=urgency, reasons=reasons, details=details)
    return Referral(urgency="none")
