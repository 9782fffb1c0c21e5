"""Ranking with the seeded rules over fixed products: exact ranks, scores and reasons; pure, no database."""

import importlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue.matching.profile import profile_from_answers
from catalogue.matching.scoring import (
    Candidate,
    ExerciseOption,
    Rule,
    exercises_for,
    rank_candidates,
    rule_applies,
)

SEED = importlib.import_module("catalogue.matching.migrations.0005_clinical_safety")
RULES = [
    Rule(code=code, when={k: tuple(v) for k, v in when.items()}, attribute=attribute, preferred=tuple(preferred),
         weight=weight, contraindication=contra, reason=reason)
    for code, when, attribute, preferred, weight, contra, reason, _source in SEED.RULES
]  # fmt: skip
REASON = {rule.code: rule.reason for rule in RULES}


def product(slug, price, kind="insole", **attributes) -> Candidate:
    name = slug.replace("-", " ").title()
    return Candidate(
        product_id=hash(slug) % 1000, slug=slug, name=name, kind=kind, price=Decimal(price), **attributes
    )


ARCHFORM_RIGID = product(
    "archform-rigid",
    "49.90",
    arch_support="high",
    rigidity="rigid",
    posting="medial",
    heel_cup="deep",
    cushioning="medium",
    length="full",
    volume="medium",
    activities=("walking", "standing_work", "hiking", "everyday"),
)
STABILITY_RUN = product(
    "stabilityrun-pro",
    "54.90",
    arch_support="high",
    rigidity="semi_rigid",
    posting="medial",
    heel_cup="deep",
    cushioning="high",
    length="full",
    volume="high",
    activities=("running", "walking"),
)
STABILITY_RUN_NEUTRAL = product(
    "stabilityrun-neutral",
    "54.90",
    arch_support="high",
    rigidity="semi_rigid",
    heel_cup="deep",
    cushioning="high",
    length="full",
    volume="high",
    activities=("running", "walking"),
)
CLOUDSTEP = product(
    "cloudstep-neutral",
    "34.90",
    arch_support="medium",
    rigidity="soft",
    heel_cup="medium",
    cushioning="high",
    length="full",
    volume="medium",
    activities=("walking", "everyday"),
)
HIGHARCH_CUSHION = product(
    "higharch-cushion-plus",
    "42.90",
    arch_support="high",
    rigidity="soft",
    heel_cup="deep",
    cushioning="high",
    length="full",
    volume="medium",
    activities=("walking", "running", "everyday"),
)
HEELGUARD = product(
    "heelguard-pf",
    "39.90",
    arch_support="medium",
    rigidity="semi_rigid",
    heel_cup="deep",
    cushioning="high",
    length="full",
    volume="medium",
    activities=("walking", "standing_work", "everyday"),
)
WORKDAY = product(
    "workday-support",
    "39.90",
    arch_support="medium",
    rigidity="semi_rigid",
    heel_cup="deep",
    cushioning="high",
    length="full",
    volume="high",
    activities=("standing_work",),
)
SPUR_CUP = product(
    "spurrelief-heel-cup",
    "19.90",
    arch_support="none",
    rigidity="soft",
    heel_cup="deep",
    cushioning="high",
    length="heel",
    volume="low",
    activities=("walking", "standing_work", "everyday"),
)
CUSTOM = product(
    "custom-everyday",
    "249.00",
    kind="custom_orthotic",
    arch_support="high",
    rigidity="semi_rigid",
    heel_cup="deep",
    cushioning="medium",
    length="full",
    volume="medium",
    activities=("walking", "standing_work", "everyday", "hiking"),
)
SLIM_HEELS = product(
    "slimline-heels",
    "24.90",
    arch_support="low",
    rigidity="soft",
    heel_cup="shallow",
    cushioning="low",
    length="three_quarter",
    volume="low",
    met_pad=True,
    activities=("everyday",),
)
SLIM_DRESS = product(
    "slimline-dress-34",
    "32.90",
    arch_support="medium",
    rigidity="semi_rigid",
    heel_cup="shallow",
    cushioning="low",
    length="three_quarter",
    volume="low",
    activities=("everyday", "walking"),
)
GEL_34 = product(
    "heelguard-gel-34",
    "29.90",
    arch_support="medium",
    rigidity="soft",
    heel_cup="deep",
    cushioning="high",
    length="three_quarter",
    volume="low",
    activities=("everyday", "walking"),
)
METAPAD = product(
    "metapad-insole",
    "36.90",
    arch_support="medium",
    rigidity="semi_rigid",
    heel_cup="medium",
    cushioning="medium",
    length="full",
    volume="medium",
    met_pad=True,
    activities=("walking", "standing_work", "everyday"),
)
LIFTS = {
    mm: product(f"heel-lift-{mm}", price, heel_lift_mm=mm, rigidity="semi_rigid", heel_cup="medium",
                cushioning="medium", length="heel", volume=volume, activities=("walking", "everyday"))
    for mm, price, volume in ((3, "14.90", "low"), (6, "15.90", "medium"), (9, "16.90", "high"))
}  # fmt: skip


def ranking(answers, candidates, urgency="none"):
    profile = profile_from_answers(answers=answers)
    ranked = rank_candidates(profile=profile, candidates=candidates, rules=RULES, urgency=urgency)
    return [(r.candidate.slug, r.score, list(r.reasons), list(r.cautions)) for r in ranked]


def test_flat_feet_with_back_pain():
    """Firm, deep-cupped, posted insoles first; a tie at 100 goes to the cheaper one; back pain adds no claim.

    A sentence names what the product has ("a rigid shell", "a semi-rigid shell"); a half match says how
    far off it is.
    """
    answers = {"arch_type_self": "flat", "pain_areas": ["low_back"], "back_pain_worse_in_bad_shoes": True,
               "activity": "walking", "shoe_type": "athletic"}  # fmt: skip
    support, cup, posting = (REASON[c] for c in ("flat-arch-support", "flat-heel-cup", "flat-medial-posting"))
    rigid = "A rigid shell keeps its shape under a low arch."
    semi = "A semi-rigid shell keeps its shape under a low arch."
    medium_support = "Medium arch support, one step below what we'd choose (high)."
    soft = "A soft shell, one step softer than what we'd choose (semi-rigid or rigid)."
    medium_cup = "A medium heel cup, one step shallower than what we'd choose (deep)."
    extra = [REASON["sports-length"], "Made for walking."]
    assert ranking(
        answers, [CLOUDSTEP, HEELGUARD, CUSTOM, STABILITY_RUN, HIGHARCH_CUSHION, ARCHFORM_RIGID]
    ) == [
        ("archform-rigid", 100, [support, rigid, cup, posting, *extra], []),
        ("stabilityrun-pro", 100, [support, semi, cup, posting, *extra], []),
        ("custom-everyday", 90, [support, semi, cup, *extra], []),
        ("higharch-cushion-plus", 80, [support, soft, cup, *extra], []),
        ("heelguard-pf", 75, [medium_support, semi, cup, *extra], []),
        ("cloudstep-neutral", 55, [medium_support, soft, medium_cup, *extra], []),
    ]


def test_high_arches_rank_medial_posting_below_neutral():
    """Cushioned full-contact insoles first; medial posting is a contraindication with a caution."""
    answers = {"arch_type_self": "high", "activity": "running", "shoe_type": "athletic"}
    fill, cushion, posting = (
        REASON["high-arch-fill"],
        REASON["high-cushioning"],
        REASON["high-no-medial-posting"],
    )
    full, running, impact = REASON["sports-length"], "Made for running.", REASON["impact-cushioning"]
    medium_support = "Medium arch support, one step below what we'd choose (high)."
    # Medium cushioning half-meets both cushioning rules: the sentence is said once.
    medium_cushion = "Medium cushioning, one step below what we'd choose (high)."
    assert ranking(
        answers, [ARCHFORM_RIGID, STABILITY_RUN, CLOUDSTEP, HIGHARCH_CUSHION, STABILITY_RUN_NEUTRAL]
    ) == [
        ("higharch-cushion-plus", 100, [fill, cushion, full, running, impact], []),
        ("stabilityrun-neutral", 100, [fill, cushion, full, running, impact], []),
        ("cloudstep-neutral", 72, [medium_support, cushion, full, impact], []),
        ("stabilityrun-pro", 56, [fill, cushion, full, running, impact], [posting]),
        ("archform-rigid", 22, [fill, medium_cushion, full], [posting]),
    ]


def test_a_contraindicated_product_ranks_below_a_neutral_one_even_with_nothing_else_in_its_favour():
    """Clamped at 0, the contraindication still breaks the tie against a product that earns nothing."""
    posted = product("posted", "10.00", posting="medial")
    plain = product("plain", "90.00")
    ranked = ranking({"arch_type_self": "high"}, [posted, plain])
    assert [(slug, score) for slug, score, _, _ in ranked] == [("plain", 0), ("posted", 0)]


def test_plantar_fasciitis_in_work_boots():
    """Deep heel cup, cushioning, arch support; a ready-made insole before the custom one."""
    answers = {"heel_pain_morning": True, "activity": "standing_work", "shoe_type": "work_boot"}
    heel = [REASON[c] for c in ("heel-pain-heel-cup", "heel-pain-cushioning", "heel-pain-arch-support")]
    prefab, roomy, full = REASON["heel-pain-prefabricated"], REASON["roomy-volume"], REASON["sports-length"]
    standing, impact = "Made for standing at work.", REASON["impact-cushioning"]
    medium_volume = "Medium volume, one step below what we'd choose (high)."
    medium_cushion = "Medium cushioning, one step below what we'd choose (high)."
    assert ranking(answers, [SPUR_CUP, CUSTOM, HEELGUARD, WORKDAY]) == [
        ("workday-support", 100, [*heel, prefab, roomy, full, standing, impact], []),
        ("heelguard-pf", 96, [*heel, prefab, medium_volume, full, standing, impact], []),
        ("custom-everyday", 83, [*heel, medium_volume, full, standing, medium_cushion], []),
        ("spurrelief-heel-cup", 67, [heel[0], heel[1], prefab, standing, impact], []),
    ]


def test_nine_mm_leg_length_difference_on_the_left():
    """A 6 mm lift (65 % of 9) scores full; 3 and 9 mm one step off score half; the reason names the side."""
    answers = {
        "leg_length_difference_mm": 9,
        "short_side": "left",
        "activity": "walking",
        "shoe_type": "casual",
    }
    lift = "A heel lift of about 6 mm under the left heel evens out part of the difference."
    assert ranking(answers, [CLOUDSTEP, LIFTS[9], LIFTS[3], LIFTS[6]]) == [
        ("heel-lift-6", 83, [lift, "Made for walking."], []),
        (
            "heel-lift-3",
            50,
            ["A 3 mm heel lift, one step from the 6 mm we'd choose.", "Made for walking."],
            [],
        ),
        (
            "heel-lift-9",
            50,
            ["A 9 mm heel lift, one step from the 6 mm we'd choose.", "Made for walking."],
            [],
        ),
        ("cloudstep-neutral", 33, [REASON["sports-length"], "Made for walking."], []),
    ]


def test_ball_of_foot_pain_in_dress_shoes():
    """A slim 3/4, low-volume insole with a metatarsal pad first; ties at 63 go to the cheaper one."""
    answers = {"pain_areas": ["ball_of_foot"], "shoe_type": "dress", "activity": "everyday"}
    pad, length, volume = REASON["ball-of-foot-met-pad"], REASON["dress-length"], REASON["dress-volume"]
    everyday = "Made for everyday wear."
    assert ranking(answers, [SLIM_DRESS, METAPAD, GEL_34, SLIM_HEELS]) == [
        ("slimline-heels", 100, [pad, length, volume, everyday], []),
        (
            "metapad-insole",
            75,
            [
                pad,
                "A full-length insole where we'd choose 3/4 length.",
                "Medium volume, one step above what we'd choose (low).",
                everyday,
            ],
            [],
        ),  # fmt: skip
        ("heelguard-gel-34", 63, [length, volume, everyday], []),
        ("slimline-dress-34", 63, [length, volume, everyday], []),
    ]


CUSTOM_DRESS = product("custom-dress", "229.00", kind="custom_orthotic", arch_support="medium", rigidity="rigid",
                       heel_cup="medium", cushioning="low", length="three_quarter", volume="low")  # fmt: skip


def test_urgent_referral_ranks_nothing_and_soon_ranks_custom_orthotics_by_their_fit():
    """At ``soon`` a custom orthotic is not first by default: a rigid dress one that fits a heel badly is last."""
    answers = {"arch_type_self": "flat"}
    assert ranking(answers, [ARCHFORM_RIGID, CUSTOM], urgency="urgent") == []
    ranked = ranking(answers, [ARCHFORM_RIGID, CLOUDSTEP, CUSTOM, CUSTOM_DRESS], urgency="soon")
    # flat rules, 8 points: archform 3+2+2+1; custom 3+2+2; cloudstep 1.5+1+1; custom dress 1.5+2+1
    assert [(slug, score) for slug, score, *_ in ranked] == [
        ("archform-rigid", 100),
        ("custom-everyday", 88),
        ("custom-dress", 56),
        ("cloudstep-neutral", 44),
    ]
    heel = ranking({"heel_pain_morning": True}, [HEELGUARD, CUSTOM_DRESS], urgency="soon")
    # heel rules, 8 points: heelguard 3+2+2+1; custom dress 1.5 (medium cup) + 1 (low cushioning, one
    # step off medium) + 2 (medium arch support) + 0 (not ready-made) = 4.5
    assert [(slug, score) for slug, score, *_ in heel] == [("heelguard-pf", 100), ("custom-dress", 56)]


def test_ties_break_on_contraindications_then_price_then_name():
    rule = Rule(code="r", when={"arch_type": ("flat",)}, attribute="met_pad", preferred=(True,), weight=1)
    contra = Rule(code="c", when={"arch_type": ("flat",)}, attribute="posting", preferred=("lateral",), weight=1,
                  contraindication=True)  # fmt: skip
    profile = profile_from_answers(answers={"arch_type_self": "flat"})
    candidates = [
        product("b", "10.00", met_pad=True),
        product("a", "10.00", met_pad=True),
        product("cheap-but-contra", "1.00", met_pad=True, posting="lateral"),
        product("dear", "20.00", met_pad=True),
    ]
    ranked = rank_candidates(profile=profile, candidates=candidates, rules=[rule, contra])
    assert [(r.candidate.slug, r.score) for r in ranked] == [
        ("a", 100),
        ("b", 100),
        ("dear", 100),
        ("cheap-but-contra", 0),
    ]


def test_no_applicable_rule_scores_zero_and_orders_by_price():
    ranked = rank_candidates(
        profile=profile_from_answers(answers={}), candidates=[CUSTOM, CLOUDSTEP], rules=RULES
    )
    assert [(r.candidate.slug, r.score) for r in ranked] == [("cloudstep-neutral", 0), ("custom-everyday", 0)]


def test_rule_applies_on_any_named_field():
    profile = profile_from_answers(answers={"shoe_wear": "inner_edge", "pain_areas": ["ball_of_foot"]})
    assert rule_applies(rule=Rule("x", {"pronation": ("over",)}, "kind"), profile=profile)
    assert rule_applies(
        rule=Rule("x", {"arch_type": ("high",), "conditions": ("metatarsalgia",)}, "kind"), profile=profile
    )
    assert not rule_applies(rule=Rule("x", {"shoe_type": ("dress",)}, "kind"), profile=profile)


def test_ranking_is_deterministic_whatever_the_input_order():
    answers = {"arch_type_self": "flat", "activity": "walking"}
    candidates = [
        CLOUDSTEP,
        HEELGUARD,
        CUSTOM,
        STABILITY_RUN,
        HIGHARCH_CUSHION,
        ARCHFORM_RIGID,
        *LIFTS.values(),
    ]
    assert ranking(answers, candidates) == ranking(answers, list(reversed(candidates)))


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ((), []),
        (("plantar-fasciitis",), ["towel-scrunch", "arch-roll", "heel-raises"]),
        (("flat-feet", "plantar-fasciitis"), ["towel-scrunch", "heel-raises", "toe-curls-and-spreads"]),
    ],
)
def test_exercises_serving_most_conditions_first(conditions, expected):
    options = [
        ExerciseOption(slug=slug, name=name, instructions=text, conditions=tuple(slugs), position=position)
        for position, (slug, name, text, slugs, *_) in enumerate(SEED.EXERCISES)
    ]
    profile = profile_from_answers(answers={})
    profile = type(profile)(conditions=conditions)
    assert [e.slug for e in exercises_for(profile=profile, exercises=options, limit=3)] == expected


def test_reasons_make_no_cure_claims():
    """Health claims stay honest: no rule or exercise text promises to cure or treat back pain."""
    texts = [rule.reason for rule in RULES] + [instructions for _, _, instructions, *_ in SEED.EXERCISES]
    for text in texts:
        assert "cure" not in text.lower() and "back pain" not in text.lower()


ATTRIBUTE_VALUES = {
    "arch_support": ("none", "low", "medium", "high"),
    "rigidity": ("", "soft", "semi_rigid", "rigid"),
    "posting": ("none", "medial", "lateral"),
    "heel_cup": ("", "shallow", "medium", "deep"),
    "heel_lift_mm": (0, 3, 6, 9),
    "met_pad": (False, True),
    "cushioning": ("", "low", "medium", "high"),
    "length": ("", "heel", "three_quarter", "full"),
    "volume": ("", "low", "medium", "high"),
    "kind": ("insole", "custom_orthotic"),
}
candidate_strategy = st.builds(
    lambda n, price, attributes: product(f"p-{n}", f"{price}.00", **attributes),
    st.integers(0, 10_000),
    st.integers(1, 300),
    st.fixed_dictionaries({name: st.sampled_from(values) for name, values in ATTRIBUTE_VALUES.items()}),
)
answers_strategy = st.fixed_dictionaries(
    {},
    optional={
        "arch_type_self": st.sampled_from(["flat", "normal", "high", "unknown"]),
        "shoe_wear": st.sampled_from(["inner_edge", "outer_edge", "even", "ball_of_foot", "unknown"]),
        "heel_pain_morning": st.booleans(),
        "pain_areas": st.lists(st.sampled_from(["heel", "ball_of_foot", "low_back"]), unique=True),
        "back_pain_better_with_support": st.booleans(),
        "leg_length_difference_mm": st.integers(0, 20),
        "activity": st.sampled_from(["walking", "running", "standing_work", "hiking", "everyday"]),
        "shoe_type": st.sampled_from(["athletic", "casual", "dress", "work_boot", "high_heel"]),
    },
)


@settings(max_examples=150, deadline=None)
@given(answers_strategy, st.lists(candidate_strategy, max_size=12, unique_by=lambda c: c.slug))
def test_any_profile_and_products_give_scores_in_range_best_first(answers, candidates):
    """Scores stay within 0-100, the list is best first, and the input order never matters."""
    profile = profile_from_answers(answers=answers)
    ranked = rank_candidates(profile=profile, candidates=candidates, rules=RULES)
    assert all(0 <= r.score <= 100 for r in ranked)
    keys = [(-r.score, r.contraindications, r.candidate.price, r.candidate.name) for r in ranked]
    assert keys == sorted(keys)
    assert ranked == rank_candidates(profile=profile, candidates=candidates[::-1], rules=RULES)
    assert all(r.reasons or r.score == 0 for r in ranked)
