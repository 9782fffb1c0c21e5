"""The estimator on small cases worked out by hand (docs/matching.md, Learning from outcomes).

Defaults: prior strength 20, segment strength 10, rates 0.2 at score 0 and 0.9 at 100 (0.7 per 100
points), at most 15 points either way.
"""

from decimal import Decimal

import pytest

from catalogue.matching.learning import (
    NO_EVIDENCE,
    Evidence,
    EvidenceRow,
    LearningParams,
    Segment,
    estimate,
    evidence_by_product,
    evidence_sentences,
    rank_learned,
    segment_of,
)
from catalogue.matching.scoring import Candidate, Recommendation

PARAMS = LearningParams()
HIGH_RUNNER = Segment("high", "under", ("high-arches",), "running", "athletic")


def test_no_evidence_leaves_the_rule_score_unchanged():
    for score in (0, 37, 50, 100):
        result = estimate(score=score, own=NO_EVIDENCE, wider=NO_EVIDENCE, params=PARAMS)
        assert result.adjustment == 0
        assert result.rate == pytest.approx(result.rule_rate)


def test_a_little_own_evidence_moves_a_little():
    # Score 50: p0 = 0.2 + 0.7 * 0.5 = 0.55. Two failures in the own segment, nothing else:
    # ps = (10 * 0.55 + 0) / (10 + 2) = 0.458333; (0.458333 - 0.55) * 100 / 0.7 = -13.1 -> -13.
    two_failures = Evidence(trials=2)
    result = estimate(score=50, own=two_failures, wider=two_failures, params=PARAMS)
    assert result.rate == pytest.approx(5.5 / 12)
    assert result.adjustment == -13


def test_the_wider_segment_is_the_prior_of_the_own_one():
    # Score 50 (p0 0.55). Wider segment, own left out: 20 trials, 18 successes:
    # pw = (20 * 0.55 + 18) / 40 = 0.725. Own: 1 trial, 1 success: ps = (10 * 0.725 + 1) / 11 = 0.75.
    # (0.75 - 0.55) * 100 / 0.7 = 28.6 -> bounded to +15.
    own = Evidence(trials=1, successes=1)
    wider = own + Evidence(trials=20, successes=18)
    result = estimate(score=50, own=own, wider=wider, params=PARAMS)
    assert result.rate == pytest.approx(0.75)
    assert result.adjustment == 15


def test_strong_evidence_moves_at_most_the_bound_either_way():
    great = Evidence(trials=500, successes=500)
    awful = Evidence(trials=500, successes=0)
    assert estimate(score=40, own=great, wider=great, params=PARAMS).adjustment == 15
    assert estimate(score=40, own=awful, wider=awful, params=PARAMS).adjustment == -15
    assert estimate(score=40, own=great, wider=great, params=LearningParams(max_points=5)).adjustment == 5


def test_a_contraindicated_product_is_never_moved_up():
    great = Evidence(trials=500, successes=500)
    awful = Evidence(trials=500)
    assert estimate(score=40, own=great, wider=great, params=PARAMS, contraindicated=True).adjustment == 0
    assert estimate(score=40, own=awful, wider=awful, params=PARAMS, contraindicated=True).adjustment == -15


def test_evidence_that_matches_the_rule_moves_nothing():
    # Score 100: p0 0.9; 9 of 10 kept is exactly that rate.
    matches = Evidence(trials=10, successes=9)
    assert estimate(score=100, own=matches, wider=matches, params=PARAMS).adjustment == 0


def test_rows_split_into_own_and_wider_evidence():
    rows = [
        EvidenceRow(1, HIGH_RUNNER.key, Evidence(trials=3, successes=2)),
        EvidenceRow(
            1, "high|under||running|casual", Evidence(trials=5, successes=1, reasons={"too_firm": 4})
        ),
        EvidenceRow(2, "high|neutral||running|athletic", Evidence(trials=1)),
    ]
    found = evidence_by_product(rows, segment=HIGH_RUNNER)
    assert found[1] == (
        Evidence(trials=3, successes=2),
        Evidence(trials=8, successes=3, reasons={"too_firm": 4}),
    )
    assert found[2] == (NO_EVIDENCE, Evidence(trials=1))


def test_sentences_cite_outcomes_only_when_there_are_enough():
    assert (
        evidence_sentences(segment=HIGH_RUNNER, wider=Evidence(trials=19, successes=15), params=PARAMS) == []
    )
    wider = Evidence(trials=34, successes=28, fit_returns=9, reasons={"too_firm": 9, "too_long": 2})
    assert evidence_sentences(segment=HIGH_RUNNER, wider=wider, params=PARAMS) == [
        "Of 34 customers with high arches who ran in it, 28 kept it after 8 weeks and said their pain "
        "was better.",
        "Often found too firm by customers like you (9 of 34).",
    ]
    # 8 of 34 is under a quarter: not "often".
    fewer = Evidence(trials=34, successes=28, reasons={"too_firm": 8})
    assert len(evidence_sentences(segment=HIGH_RUNNER, wider=fewer, params=PARAMS)) == 1


def _recommendation(product_id: int, score: int, contraindications: int = 0) -> Recommendation:
    candidate = Candidate(product_id=product_id, slug=f"p{product_id}", name=f"P{product_id}", kind="insole",
                          price=Decimal("30.00"))  # fmt: skip
    return Recommendation(candidate=candidate, score=score, reasons=("Rule.",), cautions=(),
                          contraindications=contraindications)  # fmt: skip


def test_learning_reorders_within_the_bound_and_keeps_the_rule_order_without_evidence():
    ranked = [_recommendation(1, 80), _recommendation(2, 70), _recommendation(3, 50)]
    awful = Evidence(trials=500)
    great = Evidence(trials=500, successes=500)
    evidence = {1: (awful, awful), 3: (great, great)}
    pairs = rank_learned(ranked, segment=HIGH_RUNNER, evidence=evidence, params=PARAMS)
    # 1: 80 - 15 = 65; 2: 70 unchanged; 3: 50 + 15 = 65, after 1 on the tie (the rules' order).
    assert [(r.candidate.product_id, r.score, e.adjustment) for r, e in pairs] == [
        (2, 70, 0), (1, 65, -15), (3, 65, 15)
    ]  # fmt: skip
    assert pairs[0][0].reasons == ("Rule.",)
    assert pairs[1][0].reasons[0] == "Rule." and "Of 500 customers with high arches" in pairs[1][0].reasons[1]
    assert [r.candidate.product_id for r, _ in rank_learned(ranked, segment=HIGH_RUNNER, evidence={},
                                                            params=PARAMS)] == [1, 2, 3]  # fmt: skip


def test_the_segment_of_a_stored_profile():
    profile = {"arch_type": "high", "pronation": "under", "conditions": ["plantar-fasciitis", "high-arches"],
               "activity": "running", "shoe_type": None}  # fmt: skip
    assert segment_of(profile).key == "high|under|high-arches,plantar-fasciitis|running|"
