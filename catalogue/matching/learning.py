"""Rankings that learn from what happened to earlier recommendations; pure (plain values in and out).

Each product's evidence for a profile segment counts *trials* (outcomes that say whether it worked: a
product kept at eight weeks, or one returned or exchanged for a fit reason, or kept without the pain
getting better), *successes* (kept at eight weeks with the pain better), fit returns and, apart,
defects (which say nothing about the fit and are never counted as trials).

The rule score stays the base. It implies a success rate, ``rule_rate``, a straight line from
``rate_at_0`` (score 0) to ``rate_at_100`` (score 100). That rate is the mean of a beta prior of
strength ``prior_strength`` (pseudo-trials); the evidence of the customer's *wider* segment (the same
arch type and activity, the customer's own segment left out) updates it, and the result is in turn the
prior, of strength ``segment_strength``, for the evidence of the customer's own segment. The estimate
read back as a score, minus the rule score, is the adjustment, bounded to ``max_points`` either way:

    p0 = rule_rate(score)
    pw = (prior_strength * p0 + s_wider) / (prior_strength + n_wider)
    ps = (segment_strength * pw + s_own) / (segment_strength + n_own)
    adjustment = clamp(round((ps - p0) * 100 / (rate_at_100 - rate_at_0)), -max_points, +max_points)

With no evidence the estimate is the rule's own rate and the adjustment 0. A product the rules caution
against (a contraindication) is never moved up, only down. Besides the points, the *rank* is bounded:
re-ranked by the adjusted scores, no product ends more than ``max_rank_move`` places above or below its
place in the rules' ranking (``bounded_order``). The hard filters and the red flags run
before, so a product they exclude never reaches this module.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

ARCH_WORDS = {"flat": "flat feet", "normal": "normal arches", "high": "high arches"}
ACTIVITY_CLAUSES = {
    "running": "who ran in it",
    "walking": "who walked in it",
    "hiking": "who hiked in it",
    "standing_work": "who stood at work in it",
    "everyday": "who wore it every day",
}
# How customers like this one describe a frequent fit reason; reasons not listed are not cited.
FIT_REASON_SENTENCES = {
    "too_firm": "Often found too firm by customers like you ({count} of {trials}).",
    "too_soft": "Often found too soft by customers like you ({count} of {trials}).",
    "arch_too_high": "Customers like you often found its arch too high ({count} of {trials}).",
    "arch_too_low": "Customers like you often found its arch too low ({count} of {trials}).",
    "too_long": "Customers like you often found it too long ({count} of {trials}): check the size.",
    "too_short": "Customers like you often found it too short ({count} of {trials}): check the size.",
    "too_wide": "Customers like you often found it too wide ({count} of {trials}).",
    "too_narrow": "Customers like you often found it too narrow ({count} of {trials}).",
    "does_not_fit_shoes": "Customers like you often found it did not fit their shoes ({count} of {trials}).",
    "pain_not_better": "Customers like you often said their pain was no better with it ({count} of {trials}).",
    "pain_worse": "Customers like you often said their pain was worse with it ({count} of {trials}).",
}


@dataclass(frozen=True)
class Segment:
    """The part of a foot profile outcomes are pooled by."""

    arch_type: str
    pronation: str
    conditions: tuple[str, ...]
    activity: str
    shoe_type: str

    @property
    def key(self) -> str:
        return "|".join(
            (self.arch_type, self.pronation, ",".join(self.conditions), self.activity, self.shoe_type)
        )


def _get(profile, name, default=None):
    if isinstance(profile, Mapping):
        return profile.get(name, default)
    return getattr(profile, name, default)


def segment_of(profile) -> Segment:
    """Return the segment of a profile (a ``FootProfile`` or its stored dict)."""
    return Segment(
        arch_type=_get(profile, "arch_type") or "normal",
        pronation=_get(profile, "pronation") or "neutral",
        conditions=tuple(sorted(_get(profile, "conditions") or ())),
        activity=_get(profile, "activity") or "",
        shoe_type=_get(profile, "shoe_type") or "",
    )


@dataclass(frozen=True)
class Evidence:
    """What happened to a product for a set of customers."""

    trials: int = 0
    successes: int = 0
    fit_returns: int = 0
    defects: int = 0
    reasons: Mapping[str, int] = field(default_factory=dict)  # fit reason -> count

    def __add__(self, other: "Evidence") -> "Evidence":
        reasons = dict(self.reasons)
        for reason, count in other.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + count
        return Evidence(
            trials=self.trials + other.trials,
            successes=self.successes + other.successes,
            fit_returns=self.fit_returns + other.fit_returns,
            defects=self.defects + other.defects,
            reasons=reasons,
        )

    def __sub__(self, other: "Evidence") -> "Evidence":
        return Evidence(
            trials=self.trials - other.trials,
            successes=self.successes - other.successes,
            fit_returns=self.fit_returns - other.fit_returns,
            defects=self.defects - other.defects,
            reasons={
                r: self.reasons.get(r, 0) - other.reasons.get(r, 0) for r in {*self.reasons, *other.reasons}
            },
        )


NO_EVIDENCE = Evidence()


@dataclass(frozen=True)
class LearningParams:
    prior_strength: float = 20.0
    segment_strength: float = 10.0
    rate_at_0: float = 0.2
    rate_at_100: float = 0.9
    max_points: int = 15
    max_rank_move: int = 3  # the most places outcomes can move a product from its rule rank, either way
    cite_min: int = 20  # outcomes of the wider segment before a reason cites them
    reason_min: int = 5  # a fit reason is cited from this many of them...
    reason_share: float = 0.25  # ...and this share of the trials


@dataclass(frozen=True)
class Estimate:
    rule_score: int
    rule_rate: float
    rate: float  # the estimated success rate
    adjustment: int  # points added to the rule score (bounded)
    own: Evidence
    wider: Evidence  # the same arch type and activity, the own segment included


def rule_rate(score: float, params: LearningParams) -> float:
    """Return the success rate a rule score implies: a straight line between the two end rates."""
    return params.rate_at_0 + (params.rate_at_100 - params.rate_at_0) * score / 100


def _round(value: float) -> int:
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def estimate(
    *, score: int, own: Evidence, wider: Evidence, params: LearningParams, contraindicated: bool = False
) -> Estimate:
    """Return the estimated success rate for a product of rule ``score`` and its bounded adjustment.

    ``wider`` includes ``own`` (it is the sum over the wider segment); ``own`` is taken out of it before
    it is used, so no outcome counts twice.
    """
    p0 = rule_rate(score, params)
    rest = wider - own
    pw = (params.prior_strength * p0 + rest.successes) / (params.prior_strength + rest.trials)
    ps = (params.segment_strength * pw + own.successes) / (params.segment_strength + own.trials)
    points = _round((ps - p0) * 100 / (params.rate_at_100 - params.rate_at_0))
    points = max(-params.max_points, min(params.max_points, points))
    if contraindicated:
        points = min(points, 0)
    return Estimate(rule_score=score, rule_rate=p0, rate=ps, adjustment=points, own=own, wider=wider)


def evidence_sentences(*, segment: Segment, wider: Evidence, params: LearningParams) -> list[str]:
    """Return the plain sentences citing the wider segment's outcomes, when there are enough of them."""
    if wider.trials < params.cite_min:
        return []
    who = ACTIVITY_CLAUSES.get(segment.activity, "who bought it")
    arch = ARCH_WORDS.get(segment.arch_type, segment.arch_type)
    sentences = [
        f"Of {wider.trials} customers with {arch} {who}, {wider.successes} kept it after 8 weeks "
        "and said their pain was better."
    ]
    frequent = sorted(
        (
            (count, reason)
            for reason, count in wider.reasons.items()
            if reason in FIT_REASON_SENTENCES
            and count >= params.reason_min
            and count >= params.reason_share * wider.trials
        ),
        key=lambda item: (-item[0], item[1]),
    )
    if frequent:
        count, reason = frequent[0]
        sentences.append(FIT_REASON_SENTENCES[reason].format(count=count, trials=wider.trials))
    return sentences


@dataclass(frozen=True)
class EvidenceRow:
    """One stored row: a product's evidence for one segment."""

    product_id: int
    segment: str
    evidence: Evidence


def evidence_by_product(
    rows: Iterable[EvidenceRow], *, segment: Segment
) -> dict[int, tuple[Evidence, Evidence]]:
    """Return, per product, ``(own, wider)`` evidence from the rows of the segment's arch type and activity."""
    found: dict[int, tuple[Evidence, Evidence]] = {}
    for row in rows:
        own, wider = found.get(row.product_id, (NO_EVIDENCE, NO_EVIDENCE))
        if row.segment == segment.key:
            own = own + row.evidence
        found[row.product_id] = (own, wider + row.evidence)
    return found


def bounded_order(learned: Sequence[int], *, max_move: int) -> list[int]:
    """Return ``learned`` (rule ranks, 0 first, in the order learning prefers) with no rank moved too far.

    The result is a ranking in which each item sits at most ``max_move`` places from its rule rank,
    as close to the learned order as that allows. Place by place from the top: an item that would
    otherwise fall more than ``max_move`` below its rule rank takes the place; else the first item in
    the learned order that does not rise more than ``max_move`` above its rule rank. Six items, the
    last lifted to first, ``max_move`` 3: ``[5, 0, 1, 2, 3, 4]`` -> ``[0, 1, 5, 2, 3, 4]`` (third).
    """
    if max_move < 0:
        raise ValueError("max_move must be 0 or more")
    preference = {rank: index for index, rank in enumerate(learned)}
    if sorted(preference) != list(range(len(learned))):
        raise ValueError("learned must hold each rule rank 0..n-1 once")
    waiting = list(learned)
    placed: list[int] = []
    for place in range(len(learned)):
        # At most one item is due here (ranks are distinct); one is always allowed (ranks 0..place+max_move).
        due = [rank for rank in waiting if rank + max_move <= place]
        pick = due[0] if due else next(rank for rank in waiting if rank - max_move <= place)
        waiting.remove(pick)
        placed.append(pick)
    return placed


def rank_learned(
    ranked: Sequence,
    *,
    segment: Segment,
    evidence: Mapping[int, tuple[Evidence, Evidence]],
    params: LearningParams,
    limit: int | None = None,
) -> list[tuple[object, Estimate]]:
    """Re-rank rule-ranked recommendations (``scoring.Recommendation``) by their adjusted scores.

    Each comes back with its estimate; its score is the rule score plus the adjustment (0-100), and its
    reasons end with the sentences citing the evidence. Ties keep the rule ranking's order. No product
    ends more than ``params.max_rank_move`` places from its place in ``ranked`` (``bounded_order``), so
    the order may then differ from that of the adjusted scores.
    """
    adjusted = []
    for position, recommendation in enumerate(ranked):
        own, wider = evidence.get(recommendation.candidate.product_id, (NO_EVIDENCE, NO_EVIDENCE))
        result = estimate(
            score=recommendation.score,
            own=own,
            wider=wider,
            params=params,
            contraindicated=recommendation.contraindications > 0,
        )
        score = max(0, min(100, recommendation.score + result.adjustment))
        sentences = evidence_sentences(segment=segment, wider=wider, params=params)
        adjusted.append(
            (
                -score,
                position,
                replace(recommendation, score=score, reasons=(*recommendation.reasons, *sentences)),
                result,
            )
        )
    adjusted.sort(key=lambda item: (item[0], item[1]))
    order = bounded_order([position for _, position, _, _ in adjusted], max_move=params.max_rank_move)
    by_position = {position: (recommendation, result) for _, position, recommendation, result in adjusted}
    pairs = [by_position[position] for position in order]
    return pairs[:limit] if limit is not None else pairs
