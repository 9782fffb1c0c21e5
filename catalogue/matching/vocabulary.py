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
# Under 16 is a child: NICE CKS treats heel pain from 8 to 15 as calcaneal apophysitis (Sever's
# disease) first, and NICE NG59 (low back pain) covers people aged 16 and over.
AGE_BANDS = ("under_16", "16_to_64", "65_and_over")
PRONATIONS = ("over", "neutral", "under")
CONDITION_SLUGS = (
    "plantar-fasciitis",
    "heel-spur",
    "flat-feet",
    "high-arches",
    "leg-length-discrepancy",
    "metatarsalgia",
)
# What else the profile knows about the customer that is not a condition products are sold for:
# it chooses exercises and advice, filters products and exercises, and rules may test it.
FLAGS = (
    "child",  # age band under_16
    "child-heel-pain",  # a child's heel pain: Sever's disease first, not plantar fasciitis
    "older-adult",  # age band 65_and_over
    "diabetes",
    "reduced-sensation",  # numbness or tingling: a foot that may not feel cold, pressure or a wobble
    "ankle-instability",
    "previous-injury",
    "tight-calves",
    "foot-fatigue",
    "low-back-pain",
    "heavier-body",  # weight band over_90kg
)
# The profile fields a matching rule may test, and what a value there may be.
RULE_PROFILE_FIELDS = {
    "arch_type": ARCH_TYPES,
    "pronation": PRONATIONS,
    "conditions": CONDITION_SLUGS,
    "flags": FLAGS,
    "activity": ACTIVITIES,
    "shoe_type": SHOE_TYPES,
}
