"""Rank candidate products for a foot profile, with reasons; pure and deterministic (no ORM).

Each rule is ``(condition on the profile, product attribute, preferred values, weight, reason)``.
A rule applies when any profile field it names has one of its values. For a product, an applicable
rule earns its full weight on an exact match and half its weight one level off (on ordered scales
such as arch support); a contraindication rule costs its weight when the product has the value.
The score is the points earned over the points possible, clamped to 0-100. Ties break on fewer
contraindications, then price, then name. A full match gives the rule's sentence; a half match its
own sentence, saying what the product has and how far it is from what the rule prefers.

Before scoring, ``candidates_for`` applies the hard filters (size, shoe type, heel lift) to the
catalogue's rankable products, which are read once per catalogue version.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property
from operator import attrgetter

from catalogue.matching.safety import product_allowed

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
# The rules an accessory is ranked by: a feature an add-on delivers on its own.
ACCESSORY_ATTRIBUTES = ("met_pad", "heel_lift_mm")

# How a product's value reads in a sentence.
VALUE_WORDS = {
    "arch_support": {"none": "no", "low": "low", "medium": "medium", "high": "high"},
    "rigidity": {"soft": "soft", "semi_rigid": "semi-rigid", "rigid": "rigid"},
    "heel_cup": {"shallow": "shallow", "medium": "medium", "deep": "deep"},
    "cushioning": {"low": "low", "medium": "medium", "high": "high"},
    "volume": {"low": "low", "medium": "medium", "high": "high"},
    "length": {"heel": "heel-only", "three_quarter": "3/4-length", "full": "full-length"},
}
PREFERRED_WORDS = {
    "length": {"heel": "a heel-only insert", "three_quarter": "3/4 length", "full": "full length"}
}
# A half match: what the product has, one step off what the rule prefers.
PARTIAL_REASONS = {
    "arch_support": "{value} arch support, one step {direction} what we'd choose ({preferred}).",
    "rigidity": "A {value} shell, one step {direction} what we'd choose ({preferred}).",
    "heel_cup": "A {value} heel cup, one step {direction} what we'd choose ({preferred}).",
    "cushioning": "{value} cushioning, one step {direction} what we'd choose ({preferred}).",
    "volume": "{value} volume, one step {direction} what we'd choose ({preferred}).",
    "length": "A {value} insole where we'd choose {preferred}.",
    "heel_lift_mm": "A {value} mm heel lift, one step from the {preferred} mm we'd choose.",
}
DIRECTIONS = {
    "rigidity": ("softer than", "firmer than"),
    "heel_cup": ("shallower than", "deeper than"),
}

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
    suitable_for_children: bool = False
    variant_sku: str | None = None
    variant_size_label: str | None = None
    variant_width: str | None = None
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
    in_stock: bool = True

    def fits(self, eu: Decimal) -> bool:
        """Return whether a customer of EU size ``eu`` takes this variant."""
        if self.eu_min is None and self.eu_max is None:
            return True
        return self.eu_min is not None and self.eu_max is not None and self.eu_min <= eu <= self.eu_max

    @cached_property
    def candidate(self) -> Candidate:
        """Return the product offered in this variant, at its price (built once, on first use)."""
        return replace(
            self.product,
            price=self.price,
            variant_sku=self.sku,
            variant_size_label=self.size_label,
            variant_width=self.width,
        )


@dataclass(frozen=True)
class RankableProduct:
    """An active insole or custom orthotic with its variants in stock, in the shop's order of variants.

    Built once per catalogue version and kept, so that ``candidates_for`` only picks candidates.
    """

    any_size: Candidate  # for a customer of unknown size: no variant, the lowest price in stock
    shoe_types: frozenset[str]
    variants: tuple[VariantOption, ...]  # active ones, in stock or not (``in_stock``)

    @property
    def in_stock(self) -> bool:
        return any(variant.in_stock for variant in self.variants)


def _passes(product: RankableProduct, *, shoe_type: str | None, max_heel_lift_mm: int) -> bool:
    return product.any_size.heel_lift_mm <= max_heel_lift_mm and not (
        shoe_type and shoe_type not in product.shoe_types
    )


def _fitting(product: RankableProduct, size_eu: Decimal, foot_width: str | None, *, in_stock: bool) -> list:
    fitting = [v for v in product.variants if v.in_stock is in_stock and v.fits(size_eu)]
    if foot_width:
        fitting.sort(key=lambda variant: variant.width != foot_width)  # stable: keeps the order
    return fitting


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
        if not product.in_stock or not _passes(
            product, shoe_type=shoe_type, max_heel_lift_mm=max_heel_lift_mm
        ):
            continue
        if size_eu is None:
            candidates.append(product.any_size)
            continue
        fitting = _fitting(product, size_eu, foot_width, in_stock=True)
        if fitting:
            candidates.append(fitting[0].candidate)
    return candidates


def sold_out_for(
    *,
    products: Sequence[RankableProduct],
    size_eu: Decimal | None,
    shoe_type: str | None,
    max_heel_lift_mm: int,
    foot_width: str | None = None,
) -> list[Candidate]:
    """Return the products that would pass the hard filters but are out of stock in the customer's size.

    With no size: those out of stock in every size. Each is offered in the variant it would have had.
    """
    sold_out = []
    for product in products:
        if not _passes(product, shoe_type=shoe_type, max_heel_lift_mm=max_heel_lift_mm):
            continue
        if size_eu is None:
            if not product.in_stock:
                sold_out.append(product.any_size)
            continue
        if _fitting(product, size_eu, foot_width, in_stock=True):
            continue
        fitting = _fitting(product, size_eu, foot_width, in_stock=False)
        if fitting:
            sold_out.append(fitting[0].candidate)
    return sold_out


def allowed_for(*, profile, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Return the candidates that no product caution of the profile's flags rules out (``safety``)."""
    flags = set(getattr(profile, "flags", ()))
    return [candidate for candidate in candidates if product_allowed(candidate, flags)]


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


def _half_table(rule: Rule) -> dict:
    """Return, for an ordered scale, the values one step off a preferred one (half points)."""
    scale = ORDINAL_SCALES.get(rule.attribute)
    if not scale or rule.contraindication:
        return {}
    positions = [scale.index(value) for value in rule.preferred if value in scale]
    return {
        value: index
        for index, value in enumerate(scale)
        if value not in rule.preferred and positions and min(abs(index - p) for p in positions) == 1
    }


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
    table.update({value: half for value in _half_table(rule)})
    getter = attrgetter(rule.attribute)
    return lambda candidate: table.get(getter(candidate), 0)


def _value_words(attribute: str, value) -> str:
    return VALUE_WORDS.get(attribute, {}).get(value, str(value).replace("_", " "))


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _reason(rule: Rule, profile, candidate: Candidate | None = None) -> str:
    value = _value_words(rule.attribute, getattr(candidate, rule.attribute, "")) if candidate else ""
    return rule.reason.format_map(
        _ReasonValues(
            heel_lift_mm=profile.heel_lift_mm,
            short_side=SIDE_WORDS.get(profile.short_side, SIDE_WORDS[None]),
            activity=ACTIVITY_WORDS.get(profile.activity, profile.activity or ""),
            value=value,
            Value=_capitalised(value),
        )
    )


def _partial_reason(rule: Rule, profile, candidate: Candidate) -> str:
    """The sentence for a half match: what the product has, and what the rule would choose."""
    value = getattr(candidate, rule.attribute)
    if rule.attribute == "heel_lift_mm":
        return PARTIAL_REASONS["heel_lift_mm"].format(value=value, preferred=profile.heel_lift_mm)
    scale = ORDINAL_SCALES[rule.attribute]
    index = scale.index(value)
    nearest = min((scale.index(p) for p in rule.preferred if p in scale), key=lambda p: (abs(p - index), p))
    below, above = DIRECTIONS.get(rule.attribute, ("below", "above"))
    words = PREFERRED_WORDS.get(rule.attribute, VALUE_WORDS[rule.attribute])
    preferred = " or ".join(words[p] for p in scale if p in rule.preferred)
    sentence = PARTIAL_REASONS[rule.attribute].format(
        value=_value_words(rule.attribute, value),
        direction=below if index < nearest else above,
        preferred=preferred,
    )
    return _capitalised(sentence)


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

    An ``urgent`` referral ranks nothing. A ``soon`` one ranks as usual: a custom orthotic comes first
    only when it fits the profile best.
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
                continue
            earned += value
            if value < 2 * rule.weight:
                sentence = _partial_reason(rule, profile, candidate)
            elif "{value}" in rule.reason.lower():
                sentence = _reason(rule, profile, candidate)
            else:
                sentence = reason
            if sentence not in reasons:  # two rules half-met by one value say the same thing once
                reasons.append(sentence)
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
    ranked.sort(
        key=lambda r: (
            -r.score,
            r.contraindications,
            r.candidate.price,
            r.candidate.name,
            r.candidate.slug,
        )
    )
    return ranked[:limit] if limit is not None else ranked


def rank_accessories(
    *, profile, candidates: Sequence[Candidate], rules: Sequence[Rule], heel_lift_step_mm: int = 3, limit=None
) -> list[Recommendation]:
    """Return the accessories a rule calls for (a metatarsal pad, a heel lift), best first.

    They are scored by the applicable rules on ``ACCESSORY_ATTRIBUTES`` only, and listed when they earn
    points from one of them.
    """
    accessory_rules = [rule for rule in rules if rule.attribute in ACCESSORY_ATTRIBUTES]
    ranked = rank_candidates(
        profile=profile, candidates=candidates, rules=accessory_rules, heel_lift_step_mm=heel_lift_step_mm
    )
    ranked = [r for r in ranked if r.score > 0]
    return ranked[:limit] if limit is not None else ranked


@dataclass(frozen=True)
class ExerciseOption:
    slug: str
    name: str
    instructions: str
    conditions: tuple[str, ...]
    position: int = 0
    flags: tuple[str, ...] = ()  # profile flags it also serves
    contraindications: tuple[str, ...] = ()  # profile flags that rule it out
    caution: str = ""
    source: str = ""


def exercises_for(*, profile, exercises: Sequence[ExerciseOption], limit: int) -> list[ExerciseOption]:
    """Return the few exercises serving most of the profile's conditions and flags, in the articles' order.

    An exercise contraindicated by one of the profile's flags (numbness: no cold and no hard rolling,
    balance only held on to) is never chosen.
    """
    conditions, flags = set(profile.conditions), set(getattr(profile, "flags", ()))
    serving = [
        (len(conditions.intersection(e.conditions)) + len(flags.intersection(e.flags)), e)
        for e in exercises
        if not flags.intersection(e.contraindications)
    ]
    serving = [(count, e) for count, e in serving if count]
    serving.sort(key=lambda item: (-item[0], item[1].position, item[1].slug))
    return [exercise for _, exercise in serving[:limit]]
