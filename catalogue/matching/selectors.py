"""Reads for foot-type matching: candidate products as plain values, rules, exercises, owned objects."""

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from catalogue.cache import catalogue_memoised
from catalogue.choices import ProductKind
from catalogue.matching.models import Assessment, Exercise, Footprint, MatchingRule
from catalogue.matching.profile import FootProfile
from catalogue.matching.scoring import Candidate, ExerciseOption, Rule
from catalogue.matching.sizing import SizeSet
from catalogue.models import Condition, Product, ProductImage, ProductVariant
from catalogue.selectors import first_image_annotations
from shop.exceptions import NotFound

RANKED_KINDS = (ProductKind.INSOLE, ProductKind.CUSTOM_ORTHOTIC)
_THUMBNAIL_STORAGE = ProductImage._meta.get_field("thumbnail").storage


def _json_list_contains(field: str, value: str) -> Q:
    # Portable across SQLite and PostgreSQL: each value is a quoted token in the stored JSON text.
    return Q(**{f"{field}__icontains": f'"{value}"'})


def _fitting_variants(*, size: SizeSet | None) -> QuerySet[ProductVariant]:
    variants = ProductVariant.objects.filter(is_active=True, stock__gt=0)
    if size is not None:
        one_size = Q(eu_min__isnull=True, eu_max__isnull=True)
        variants = variants.filter(one_size | Q(eu_min__lte=size.eu, eu_max__gte=size.eu))
    return variants


def candidate_products(
    *, profile: FootProfile, size: SizeSet | None, foot_width: str | None = None
) -> list[Candidate]:
    """Return the products that pass the hard filters, as plain values, in three queries.

    Hard filters: active insoles and custom orthotics, in stock in the customer's size, made for
    their shoe type, with a heel lift no higher than they need and than fits in a shoe.
    """
    fitting = _fitting_variants(size=size)
    if profile.heel_lift_mm:
        max_lift = min(
            profile.heel_lift_mm + settings.MATCHING_HEEL_LIFT_STEP_MM,
            settings.MATCHING_HEEL_LIFT_IN_SHOE_MAX_MM,
        )
    else:
        max_lift = 0
    products = (
        Product.objects.filter(is_active=True, kind__in=RANKED_KINDS, heel_lift_mm__lte=max_lift)
        .filter(Exists(fitting.filter(product=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "variants", queryset=fitting.order_by("position", "eu_min", "sku"), to_attr="fitting_variants"
            ),
        )
        .annotate(**first_image_annotations())
        .order_by("id")
    )
    if profile.shoe_type:
        products = products.filter(_json_list_contains("shoe_types", profile.shoe_type))
    candidates = []
    for product in products:
        variants = product.fitting_variants
        if foot_width:
            variants = sorted(variants, key=lambda v: v.width != foot_width)  # stable: keeps the order
        variant = variants[0] if size is not None else None
        price = variant.price if variant is not None else min(v.price for v in variants)
        thumbnail = product.first_thumbnail or product.first_image
        candidates.append(
            Candidate(
                product_id=product.pk,
                slug=product.slug,
                name=product.name,
                kind=product.kind,
                price=price,
                arch_support=product.arch_support,
                rigidity=product.rigidity,
                posting=product.posting,
                heel_cup=product.heel_cup,
                heel_lift_mm=product.heel_lift_mm,
                met_pad=product.met_pad,
                cushioning=product.cushioning,
                length=product.length,
                volume=product.volume,
                activities=tuple(product.activities or ()),
                variant_sku=variant.sku if variant else None,
                variant_size_label=variant.size_label if variant else None,
                thumbnail_url=_THUMBNAIL_STORAGE.url(thumbnail) if thumbnail else None,
            )
        )
    return candidates


def matching_rules() -> list[Rule]:
    """Return the active rules as plain values (kept in the cache until the catalogue changes)."""
    return catalogue_memoised("matching-rules", _matching_rules)


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


def exercise_options() -> list[ExerciseOption]:
    """Return the active exercises with the condition slugs each serves (cached like the rules)."""
    return catalogue_memoised("matching-exercises", _exercise_options)


def _exercise_options() -> list[ExerciseOption]:
    exercises = Exercise.objects.filter(is_active=True).prefetch_related(
        Prefetch("conditions", queryset=Condition.objects.only("id", "slug"))
    )
    return [
        ExerciseOption(
            slug=exercise.slug,
            name=exercise.name,
            instructions=exercise.instructions,
            conditions=tuple(sorted(condition.slug for condition in exercise.conditions.all())),
            position=exercise.position,
        )
        for exercise in exercises
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
