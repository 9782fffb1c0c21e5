"""Rank candidate products for a foot profile, with reasons; pure and deterministic (no ORM).

Each rule is ``(condition on the profile, product attribute, preferred values, weight, reason)``.
A rule applies when any profile field it names has one of its values. For a product, an applicable
rule earns its full weight on an exact match and half its weight one level off (on ordered scales
such as arch support); a contraindication rule costs its weight when the product has the value.
The score is the points earned over the points possible, clamped to 0-100. Ties break on fewer
contraindications, then price, then name.

Before scoring, ``candidates_for`` applies the hard filters (size, shoe type, heel lift) to the
catalogue's rankable products, which are read once per catalogue version.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property
from operator import attrgetter

from catalogue.choices import ProductKind

# Ordered scales: one step along them is "one level off".
ORDINAL_SCALES: dict[str, tuple[str, ...]] = {
    "arch_support": ("none", "low", "medium", "high"),
    "rigidity": ("soft", "semi_rigid", "rigid"),
    "heel_cup": ("shallow", "medium", "deep"),
    "cushioning": ("low", "medium", "high"),
    "volume": ("low", "medium", "high"),
    "length": ("heel", "three_quarter", "full"),
}
NOMINAL_ATTRIBUTES = ("posting", "met_pad", "kind")
# Compared with the profile rather than with preferred values.
PROFILE_ATTRIBUTES = ("heel_lift_mm", "activities")
RULE_ATTRIBUTES = (*ORDINAL_SCALES, *NOMINAL_ATTRIBUTES, *PROFILE_ATTRIBUTES)

SIDE_WORDS = {"left": "left", "right": "right", None: "shorter leg's"}
ACTIVITY_WORDS = {
    "walking": "walking",
    "running": "running",
    "standing_work": "standing at work",
    "hiking": "hiking",
    "everyday": "everyday wear",
}


@dataclass(frozen=True)
class Candidate:
    """A product that passed the hard filters, as plain values."""

    product_id: int
    slug: str
    name: str
    kind: str
    price: Decimal
    arch_support: str = "none"
    rigidity: str = ""
    posting: str = "none"
    heel_cup: str = ""
    heel_lift_mm: int = 0
    met_pad: bool = False
    cushioning: str = ""
    length: str = ""
    volume: str = ""
    activities: tuple[str, ...] = ()
    variant_sku: str | None = None
    variant_size_label: str | None = None
    thumbnail_url: str | None = None


@dataclass(frozen=True)
class VariantOption:
    """An active variant in stock, as plain values; no size band (``eu_min`` and ``eu_max`` None) is one size."""

    product: Candidate  # the product, without a variant
    sku: str
    size_label: str
    eu_min: Decimal | None
    eu_max: Decimal | None
    width: str
    price: Decimal

    def fits(self, eu: Decimal) -> bool:
        """Return whether a customer of EU size ``eu`` takes this variant."""
        if self.eu_min is None and self.eu_max is None:
            return True
        return self.eu_min is not None and self.eu_max is not None and self.eu_min <= eu <= self.eu_max

    @cached_property
    def candidate(self) -> Candidate:
        """Return the product offered in this variant, at its price (built once, on first use)."""
        return replace(
            self.product, price=self.price, variant_sku=self.sku, variant_size_label=self.size_label
        )


@dataclass(frozen=True)
class RankableProduct:
    """An active insole or custom orthotic with its variants in stock, in the shop's order of variants.

    Built once per catalogue version and kept, so that ``candidates_for`` only picks candidates.
    """

    any_size: Candidate  # for a customer of unknown size: no variant, the lowest price
    shoe_types: frozenset[str]
    variants: tuple[VariantOption, ...]


def candidates_for(
    *,
    products: Sequence[RankableProduct],
    size_eu: Decimal | None,
    shoe_type: str | None,
    max_heel_lift_mm: int,
    foot_width: str | None = None,
) -> list[Candidate]:
    """Return the products that pass the hard filters, as candidates, in the order given.

    Hard filters: a variant in stock in the customer's size (any size when it is unknown), made for
    their shoe type, a heel lift no higher than ``max_heel_lift_mm``. With a size, the candidate is the
    product in the first variant that fits, one in the customer's width first.
    """
    candidates = []
    for product in products:
        if product.any_size.heel_lift_mm > max_heel_lift_mm or (
            shoe_type and shoe_type not in product.shoe_types
        ):
            continue
        if size_eu is None:
            candidates.append(product.any_size)
            continue
        fitting = [variant for variant in product.variants if variant.fits(size_eu)]
        if not fitting:
            continue
        if foot_width:
            fitting.sort(key=lambda variant: variant.width != foot_width)  # stable: keeps the order
        candidates.append(fitting[0].candidate)
    return candidates


@dataclass(frozen=True)
class Rule:
    code: str
    when: Mapping[str, Sequence[str]]
    attribute: str
    preferred: tuple = ()
    weight: int = 1
    contraindication: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Recommendation:
    candidate: Candidate
    score: int
    reasons: tuple[str, ...]
    cautions: tuple[str, ...]
    contraindications: int


class _ReasonValues(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def rule_applies(*, rule: Rule, profile) -> bool:
    """Return whether any profile field named by the rule holds one of the rule's values."""
    for field_name, values in rule.when.items():
        current = getattr(profile, field_name, None)
        if isinstance(current, tuple | list | set | frozenset):
            if any(item in values for item in current):
                return True
        elif current is not None and current in values:
            return True
    return False


def _points(rule: Rule, profile, *, heel_lift_step_mm: int) -> Callable[[Candidate], int]:
    """Return a function giving a candidate's points for the rule, in half-weight units."""
    full, half = 2 * rule.weight, rule.weight
    if rule.attribute == "heel_lift_mm":
        needed = profile.heel_lift_mm

        def heel_lift_points(candidate: Candidate) -> int:
            off = abs(candidate.heel_lift_mm - needed)
            if candidate.heel_lift_mm == 0:
                return 0
            return full if off == 0 else half if off <= heel_lift_step_mm else 0

        return heel_lift_points
    if rule.attribute == "activities":
        activity = profile.activity
        return lambda candidate: full if activity in candidate.activities else 0

    table: dict = {value: full for value in rule.preferred}
    scale = ORDINAL_SCALES.get(rule.attribute)
    if scale and not rule.contraindication:
        positions = [scale.index(value) for value in rule.preferred if value in scale]
        for index, value in enumerate(scale):
            if value not in table and positions and min(abs(index - p) for p in positions) == 1:
                table[value] = half
    getter = attrgetter(rule.attribute)
    return lambda candidate: table.get(getter(candidate), 0)


def _reason(rule: Rule, profile) -> str:
    return rule.reason.format_map(
        _ReasonValues(
            heel_lift_mm=profile.heel_lift_mm,
            short_side=SIDE_WORDS.get(profile.short_side, SIDE_WORDS[None]),
            activity=ACTIVITY_WORDS.get(profile.activity, profile.activity or ""),
        )
    )


def rank_candidates(
    *,
    profile,
    candidates: Sequence[Candidate],
    rules: Sequence[Rule],
    urgency: str = "none",
    heel_lift_step_mm: int = 3,
    limit: int | None = None,
) -> list[Recommendation]:
    """Return the candidates best match first, each with its 0-100 score and reasons.

    An ``urgent`` referral ranks nothing; a ``soon`` referral puts custom orthotics first.
    """
    if urgency == "urgent":
        return []
    applicable = [rule for rule in rules if rule_applies(rule=rule, profile=profile)]
    scorers = [
        (rule, _points(rule, profile, heel_lift_step_mm=heel_lift_step_mm), _reason(rule, profile))
        for rule in applicable
    ]
    possible = sum(2 * rule.weight for rule in applicable if not rule.contraindication)
    ranked = []
    for candidate in candidates:
        earned = 0
        reasons: list[str] = []
        cautions: list[str] = []
        for rule, points, reason in scorers:
            value = points(candidate)
            if not value:
                continue
            if rule.contraindication:
                earned -= value
                cautions.append(reason)
            else:
                earned += value
                reasons.append(reason)
        # Round half up in integers: 100 * earned / possible.
        score = (100 * 2 * max(earned, 0) + possible) // (2 * possible) if possible else 0
        ranked.append(
            Recommendation(
                candidate=candidate,
                score=min(score, 100),
                reasons=tuple(reasons),
                cautions=tuple(cautions),
                contraindications=len(cautions),
            )
        )
    custom_first = urgency == "soon"
    ranked.sort(
        key=lambda r: (
            custom_first and r.candidate.kind != ProductKind.CUSTOM_ORTHOTIC,
            -r.score,
            r.contraindications,
            r.candidate.price,
            r.candidate.name,
            r.candidate.slug,
        )
    )
    return ranked[:limit] if limit is not None else ranked


@dataclass(frozen=True)
class ExerciseOption:
    slug: str
    name: str
    instructions: str
    conditions: tuple[str, ...]
    position: int = 0


def exercises_for(*, profile, exercises: Sequence[ExerciseOption], limit: int) -> list[ExerciseOption]:
    """Return the few exercises serving most of the profile's conditions, in the articles' order."""
    wanted = set(profile.conditions)
    serving = [(len(wanted.intersection(e.conditions)), e) for e in exercises]
    serving = [(count, e) for count, e in serving if count]
    serving.sort(key=lambda item: (-item[0], item[1].position, item[1].slug))
    return [exercise for _, exercise in serving[:limit]]
