"""Reads for foot-type matching: the memoised matching catalogue (products, rules, exercises), owned objects."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from catalogue.cache import catalogue_memoised
from catalogue.choices import ProductKind
from catalogue.expressions import first_image_annotations
from catalogue.matching.models import Assessment, Exercise, Footprint, HealthRecordAccess, MatchingRule
from catalogue.matching.profile import FootProfile
from catalogue.matching.scoring import (
    Candidate,
    ExerciseOption,
    RankableProduct,
    Rule,
    VariantOption,
    candidates_for,
)
from catalogue.matching.sizing import SizeSet
from catalogue.models import Product, ProductImage
from catalogue.stock import in_stock_variants
from shop.exceptions import NotFound

RANKED_KINDS = (ProductKind.INSOLE, ProductKind.CUSTOM_ORTHOTIC)
_THUMBNAIL_STORAGE = ProductImage._meta.get_field("thumbnail").storage
_PRODUCT_FIELDS = (
    *("id", "slug", "name", "kind", "arch_support", "rigidity", "posting", "heel_cup", "heel_lift_mm"),
    *("met_pad", "cushioning", "length", "volume", "activities", "shoe_types"),
)


@dataclass(frozen=True)
class MatchingCatalogue:
    """What ranking reads from the catalogue, as plain values."""

    products: tuple[RankableProduct, ...]
    rules: tuple[Rule, ...]
    exercises: tuple[ExerciseOption, ...]


def matching_catalogue() -> MatchingCatalogue:
    """Return the rankable products, the active rules and exercises, kept until the catalogue next changes.

    Built in four queries (products, their variants in stock, rules, exercises with their conditions)
    and kept in each process's memory; a read costs one cache round trip, for the catalogue version.
    Stock moves that customers can see, such as a variant selling out, change that version
    (``catalogue.cache.catalogue_stock_changed``), so a sold-out variant is never offered.
    """
    return catalogue_memoised("matching-catalogue", _matching_catalogue)


def _matching_catalogue() -> MatchingCatalogue:
    return MatchingCatalogue(
        products=tuple(_rankable_products()),
        rules=tuple(_matching_rules()),
        exercises=tuple(_exercise_options()),
    )


def _rankable_products() -> list[RankableProduct]:
    """Return the active insoles and custom orthotics with a variant in stock, in two queries."""
    variants: dict[int, list[tuple]] = defaultdict(list)
    variant_rows = (
        in_stock_variants()
        .filter(product__kind__in=RANKED_KINDS)
        .order_by("product_id", "position", "eu_min", "sku")
        .values_list("product_id", "sku", "size_label", "eu_min", "eu_max", "width", "price")
    )
    for product_id, *variant in variant_rows:
        variants[product_id].append(variant)
    products = (
        Product.objects.filter(is_active=True, kind__in=RANKED_KINDS)
        .annotate(**first_image_annotations())
        .order_by("id")
        .values(*_PRODUCT_FIELDS, "first_image", "first_thumbnail")
    )
    thumbnail_url = _THUMBNAIL_STORAGE.url  # resolved once: the storage is a lazy object
    rankable = []
    for product in products:
        offered = variants.get(product["id"])
        if not offered:
            continue
        thumbnail = product["first_thumbnail"] or product["first_image"]
        any_size = Candidate(
            product_id=product["id"],
            slug=product["slug"],
            name=product["name"],
            kind=product["kind"],
            price=min(price for *_, price in offered),
            arch_support=product["arch_support"],
            rigidity=product["rigidity"],
            posting=product["posting"],
            heel_cup=product["heel_cup"],
            heel_lift_mm=product["heel_lift_mm"],
            met_pad=product["met_pad"],
            cushioning=product["cushioning"],
            length=product["length"],
            volume=product["volume"],
            activities=tuple(product["activities"] or ()),
            thumbnail_url=thumbnail_url(thumbnail) if thumbnail else None,
        )
        rankable.append(
            RankableProduct(
                any_size=any_size,
                shoe_types=frozenset(product["shoe_types"] or ()),
                variants=tuple(
                    VariantOption(any_size, sku, size_label, eu_min, eu_max, width, price)
                    for sku, size_label, eu_min, eu_max, width, price in offered
                ),
            )
        )
    return rankable


def candidate_products(
    *,
    profile: FootProfile,
    size: SizeSet | None,
    foot_width: str | None = None,
    products: Sequence[RankableProduct] | None = None,
) -> list[Candidate]:
    """Return the products that pass the hard filters for this customer, as plain values.

    Hard filters: active insoles and custom orthotics, in stock in the customer's size, made for
    their shoe type, with a heel lift no higher than they need and than fits in a shoe. ``products``
    defaults to those of ``matching_catalogue()``.
    """
    if profile.heel_lift_mm:
        max_lift = min(
            profile.heel_lift_mm + settings.MATCHING_HEEL_LIFT_STEP_MM,
            settings.MATCHING_HEEL_LIFT_IN_SHOE_MAX_MM,
        )
    else:
        max_lift = 0
    return candidates_for(
        products=matching_catalogue().products if products is None else products,
        size_eu=size.eu if size is not None else None,
        shoe_type=profile.shoe_type,
        max_heel_lift_mm=max_lift,
        foot_width=foot_width,
    )


def _matching_rules() -> list[Rule]:
    return [
        Rule(
            code=rule.code,
            when={name: tuple(values) for name, values in rule.when.items()},
            attribute=rule.attribute,
            preferred=tuple(rule.preferred or ()),
            weight=rule.weight,
            contraindication=rule.contraindication,
            reason=rule.reason,
        )
        for rule in MatchingRule.objects.filter(is_active=True).order_by("position", "code")
    ]


def _exercise_options() -> list[ExerciseOption]:
    """Return the active exercises in one query: a row per exercise and condition it serves."""
    exercises: dict[str, dict] = {}
    rows = (
        Exercise.objects.filter(is_active=True)
        .order_by("position", "slug")
        .values_list("slug", "name", "instructions", "position", "conditions__slug")
    )
    for slug, name, instructions, position, condition in rows:
        exercise = exercises.setdefault(
            slug, {"name": name, "instructions": instructions, "position": position, "conditions": []}
        )
        if condition is not None:
            exercise["conditions"].append(condition)
    return [
        ExerciseOption(
            slug=slug,
            name=exercise["name"],
            instructions=exercise["instructions"],
            conditions=tuple(sorted(exercise["conditions"])),
            position=exercise["position"],
        )
        for slug, exercise in exercises.items()
    ]


def owned_or_anonymous(user) -> Q:
    """Anonymous objects are readable by whoever holds their (unguessable) id; owned ones by their owner only."""
    if user is not None and user.is_authenticated:
        return Q(owner__isnull=True) | Q(owner=user)
    return Q(owner__isnull=True)


def footprint_get(*, footprint_id, user) -> Footprint:
    """Return the footprint if the user may see it, else raise ``NotFound`` (never 403)."""
    footprint = Footprint.objects.filter(owned_or_anonymous(user), pk=footprint_id).first()
    if footprint is None:
        raise NotFound("No such footprint.")
    return footprint


def assessment_get(*, assessment_id, user) -> Assessment:
    """Return the assessment if the user may see it, else raise ``NotFound`` (never 403)."""
    assessment = Assessment.objects.filter(owned_or_anonymous(user), pk=assessment_id).first()
    if assessment is None:
        raise NotFound("No such assessment.")
    return assessment


def foot_profile_latest(*, user) -> dict | None:
    """Return the profile of the customer's latest assessment, with its id and time, or None."""
    if user is None or not user.is_authenticated:
        return None
    assessment = (
        Assessment.objects.filter(owner=user)
        .only("id", "profile", "created_at")
        .order_by("-created_at")
        .first()
    )
    if assessment is None:
        return None
    return {
        "assessment": str(assessment.pk),
        "assessed_at": assessment.created_at.isoformat(),
        **assessment.profile,
    }


def health_record_accesses(*, customer):
    """Return every time staff opened one of ``customer``'s health records, newest first."""
    return HealthRecordAccess.objects.filter(customer=customer).select_related("staff")
