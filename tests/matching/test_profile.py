"""Answers -> foot profile and referral (docs/matching.md); pure, no database."""

import pytest

from catalogue.matching.profile import FootprintReading, profile_from_answers, referral_for

FLAT_PRINT = FootprintReading(arch_type="flat", arch_index=0.3)
HIGH_PRINT = FootprintReading(arch_type="high", arch_index=0.15)

# answers, footprint, expected arch_type (sources), expected pronation (sources)
ARCH_AND_PRONATION = [
    ({}, None, ("normal", []), ("neutral", [])),
    ({"arch_type_self": "unknown"}, None, ("normal", []), ("neutral", [])),
    ({"rolls": "outward"}, None, ("high", ["rolls"]), ("under", ["rolls"])),
    ({"shoe_wear": "inner_edge"}, None, ("flat", ["shoe_wear"]), ("over", ["shoe_wear"])),
    ({"shoe_wear": "outer_edge", "rolls": "inward"}, None, ("high", ["shoe_wear"]), ("under", ["shoe_wear"])),
    ({"shoe_wear": "even"}, None, ("normal", []), ("neutral", ["shoe_wear"])),
    ({"arch_type_self": "flat"}, None, ("flat", ["arch_type_self"]), ("over", ["arch_type_self"])),
    ({"arch_type_self": "high", "shoe_wear": "inner_edge"}, None, ("high", ["arch_type_self"]), ("over", ["shoe_wear"])),
    ({"arch_type_self": "normal", "rolls": "inward"}, None, ("normal", ["arch_type_self"]), ("over", ["rolls"])),
    ({"arch_type_self": "high"}, FLAT_PRINT, ("flat", ["footprint"]), ("over", ["footprint"])),
    ({"shoe_wear": "inner_edge"}, HIGH_PRINT, ("high", ["footprint"]), ("over", ["shoe_wear"])),
    ({"rolls": "neither", "arch_type_self": "flat"}, None, ("flat", ["arch_type_self"]), ("neutral", ["rolls"])),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "footprint", "arch", "pronation"), ARCH_AND_PRONATION)
def test_arch_type_and_pronation_precedence(answers, footprint, arch, pronation):
    """Footprint > self-report > shoe wear > rolling for the arch; shoe wear > rolling > arch for pronation."""
    profile = profile_from_answers(answers=answers, footprint=footprint)
    assert (profile.arch_type, profile.derived_from["arch_type"]) == arch
    assert (profile.pronation, profile.derived_from["pronation"]) == pronation


# answers, expected {condition slug: sources}
CONDITIONS = [
    ({}, {}),
    ({"arch_type_self": "flat"}, {"flat-feet": ["arch_type_self"]}),
    ({"shoe_wear": "outer_edge"}, {"high-arches": ["shoe_wear"]}),
    ({"heel_pain_morning": True}, {"plantar-fasciitis": ["heel_pain_morning"]}),
    ({"pain_areas": ["heel"], "pain_after_standing_or_walking": True},
     {"plantar-fasciitis": ["pain_areas", "pain_after_standing_or_walking"]}),
    ({"pain_areas": ["heel"]}, {}),
    ({"heel_pain_morning": True, "pain_areas": ["heel"], "pain_after_standing_or_walking": True},
     {"plantar-fasciitis": ["heel_pain_morning"]}),
    ({"pain_areas": ["ball_of_foot"]}, {"metatarsalgia": ["pain_areas"]}),
    ({"shoe_wear": "ball_of_foot"}, {"metatarsalgia": ["shoe_wear"]}),
    ({"leg_length_difference_mm": 9, "short_side": "left"}, {"leg-length-discrepancy": ["leg_length_difference_mm"]}),
    ({"leg_length_difference_mm": 4}, {}),
    ({"one_leg_longer": True}, {"leg-length-discrepancy": ["one_leg_longer"]}),
    ({"pain_areas": ["low_back"]}, {}),
    # Back pain is no condition an insole is sold for: a flag (for exercises and advice) only.
    ({"pain_areas": ["low_back"], "back_pain_worse_in_bad_shoes": True}, {}),
    ({"pain_areas": ["low_back"], "back_pain_better_with_support": True, "arch_type_self": "flat"},
     {"flat-feet": ["arch_type_self"]}),
    # A child's heel pain is not plantar fasciitis.
    ({"age_band": "under_16", "heel_pain_morning": True, "pain_areas": ["heel"],
      "pain_after_standing_or_walking": True}, {}),
    ({"age_band": "16_to_64", "heel_pain_morning": True}, {"plantar-fasciitis": ["heel_pain_morning"]}),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "expected"), CONDITIONS)
def test_conditions_and_their_sources(answers, expected):
    """Each condition comes from the answers docs/matching.md names, and says which."""
    profile = profile_from_answers(answers=answers)
    assert profile.conditions == tuple(sorted(expected))
    assert profile.derived_from["conditions"] == expected


@pytest.mark.parametrize(
    ("answers", "lift", "side", "sources"),
    [
        ({}, 0, None, []),
        ({"leg_length_difference_mm": 9, "short_side": "left"}, 6, "left", ["leg_length_difference_mm"]),
        ({"leg_length_difference_mm": 5, "short_side": "right"}, 3, "right", ["leg_length_difference_mm"]),
        ({"leg_length_difference_mm": 20}, 10, None, ["leg_length_difference_mm"]),  # in-shoe limit
        ({"leg_length_difference_mm": 4.9, "short_side": "left"}, 0, None, []),  # below treatment threshold
        ({"one_leg_longer": True, "short_side": "right"}, 3, "right", ["one_leg_longer"]),
        ({"one_leg_longer": True, "leg_length_difference_mm": 12}, 8, None, ["leg_length_difference_mm"]),
    ],
)
def test_heel_lift_is_about_two_thirds_of_the_difference_within_the_shoe(answers, lift, side, sources):
    """A measured difference beats "one leg is longer"; the lift is 65 % of it, rounded, at most 10 mm."""
    profile = profile_from_answers(answers=answers)
    assert (profile.heel_lift_mm, profile.short_side, profile.derived_from["heel_lift_mm"]) == (
        lift,
        side,
        sources,
    )


def test_profile_as_dict_is_plain_json():
    profile = profile_from_answers(
        answers={"arch_type_self": "flat", "activity": "walking", "shoe_type": "dress"}
    )
    assert profile.as_dict() == {
        "arch_type": "flat",
        "pronation": "over",
        "conditions": ["flat-feet"],
        "flags": [],
        "heel_lift_mm": 0,
        "short_side": None,
        "activity": "walking",
        "shoe_type": "dress",
        "derived_from": {
            "arch_type": ["arch_type_self"],
            "pronation": ["arch_type_self"],
            "conditions": {"flat-feet": ["arch_type_self"]},
            "flags": {},
            "heel_lift_mm": [],
        },
        "conflicts": [],
    }


@pytest.mark.parametrize(
    ("answers", "urgency"),
    [
        ({}, "none"),
        ({"recent_injury_cannot_bear_weight": True}, "urgent"),
        ({"hot_swollen_joint_or_fever": True}, "urgent"),
        ({"diabetes": True, "wound_or_colour_change": True}, "urgent"),
        ({"diabetes": True, "numbness_or_tingling": True}, "soon"),
        ({"numbness_or_tingling": True}, "soon"),
        ({"night_or_rest_pain": True}, "soon"),
        ({"wound_or_colour_change": True}, "soon"),
        ({"diabetes": True}, "none"),
        ({"heel_pain_morning": True, "pain_duration_weeks": 7}, "soon"),
        ({"pain_areas": ["heel"], "pain_duration_weeks": 7}, "soon"),
        ({"heel_pain_morning": True, "pain_duration_weeks": 6}, "none"),
        ({"pain_duration_weeks": 30}, "none"),
        ({"leg_length_difference_mm": 13}, "soon"),
        ({"leg_length_difference_mm": 12}, "none"),
        ({"numbness_or_tingling": True, "recent_injury_cannot_bear_weight": True}, "urgent"),
    ],
)
def test_each_red_flag_alone_gives_its_urgency(answers, urgency):
    """Red flags (docs/matching.md, Referral) alone and in the combinations it lists."""
    referral = referral_for(answers=answers)
    assert referral.urgency == urgency
    assert referral.advised is (urgency != "none")
    assert bool(referral.reasons) is (urgency != "none")


def test_referral_reasons_are_plain_sentences():
    referral = referral_for(answers={"leg_length_difference_mm": 15, "night_or_rest_pain": True})
    assert referral.as_dict() == {
        "advised": True,
        "urgency": "soon",
        "reasons": [
            "Foot pain at night or at rest is not typical of overloading; see a podiatrist or your doctor soon.",
            "A leg-length difference over 12 mm is more than an insole can even out; a podiatrist can advise on "
            "a shoe raise.",
        ],
        "details": [
            {"code": "rest-pain", "reason": "Foot pain at night or at rest is not typical of overloading; see a "
             "podiatrist or your doctor soon.", "source": "NICE CG147 Peripheral arterial disease: diagnosis and "
             "management (2012, updated 2020)"},
            {"code": "leg-length-large", "reason": "A leg-length difference over 12 mm is more than an insole can "
             "even out; a podiatrist can advise on a shoe raise.", "source": "Brady RJ et al. Limb length "
             "inequality: clinical implications for assessment and intervention. J Orthop Sports Phys Ther "
             "2003;33(5):221-234"},
        ],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "flags"),
    [
        ({"age": 15, "heel_pain_morning": True}, {"child": ["age"], "child-heel-pain": ["age", "heel_pain_morning"]}),
        ({"age": 16, "heel_pain_morning": True}, {}),
        ({"age": 64}, {}),
        ({"age": 65}, {"older-adult": ["age"]}),
        ({"age_band": "under_16", "pain_areas": ["heel"]}, {"child": ["age_band"],
                                                             "child-heel-pain": ["age_band", "pain_areas"]}),
        ({"age_band": "65_and_over"}, {"older-adult": ["age_band"]}),
        ({"numbness_or_tingling": True, "diabetes": True, "weight_band": "over_90kg"},
         {"diabetes": ["diabetes"], "heavier-body": ["weight_band"], "reduced-sensation": ["numbness_or_tingling"]}),
        ({"weight_band": "60_to_90kg", "tight_calves": True}, {"tight-calves": ["tight_calves"]}),
        ({"pain_areas": ["low_back"], "back_pain_better_with_support": False},
         {"low-back-pain": ["pain_areas", "back_pain_better_with_support"]}),
    ],
)  # fmt: skip
def test_flags_and_the_age_boundaries(answers, flags):
    """Under 16 is a child (16 is not); 65 and over is an older adult (64 is not)."""
    profile = profile_from_answers(answers=answers)
    assert profile.flags == tuple(sorted(flags))
    assert profile.derived_from["flags"] == flags
    child_heel = "child-heel-pain" in flags
    assert ("plantar-fasciitis" in profile.conditions) is (
        bool(answers.get("heel_pain_morning")) and not child_heel
    )
