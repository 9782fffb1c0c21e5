"""The answer values of the assessment (``docs/matching.md``, The answers)."""

from catalogue.choices import Activity, ShoeType

ARCH_TYPES_SELF = ("flat", "normal", "high", "unknown")
ARCH_TYPES = ("flat", "normal", "high")
SHOE_WEAR = ("inner_edge", "outer_edge", "even", "ball_of_foot", "unknown")
ROLLS = ("inward", "outward", "neither", "unknown")
PAIN_AREAS = ("heel", "arch", "ball_of_foot", "toes", "ankle", "knee", "hip", "low_back")
SIDES = ("left", "right")
ACTIVITIES = tuple(Activity.values)
SHOE_TYPES = tuple(ShoeType.values)
FOOT_WIDTHS = ("narrow", "regular", "wide")
WEIGHT_BANDS = ("under_60kg", "60_to_90kg", "over_90kg")
PRONATIONS = ("over", "neutral", "under")
CONDITION_SLUGS = (
    "plantar-fasciitis",
    "heel-spur",
    "flat-feet",
    "high-arches",
    "leg-length-discrepancy",
    "metatarsalgia",
    "foot-related-back-pain",
)
# The profile fields a matching rule may test, and what a value there may be.
RULE_PROFILE_FIELDS = {
    "arch_type": ARCH_TYPES,
    "pronation": PRONATIONS,
    "conditions": CONDITION_SLUGS,
    "activity": ACTIVITIES,
    "shoe_type": SHOE_TYPES,
}
