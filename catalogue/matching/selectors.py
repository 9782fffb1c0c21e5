"""Reads for foot-type matching: the memoised matching catalogue (products, rules, exercises), owned objects,
consents, and a customer's foot data for their export."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, Subquery
from django.utils import timezone

from catalogue.cache import catalogue_memoised
from catalogue.choices import ProductKind
from catalogue.expressions import first_image_annotations
from catalogue.matching.consent import CONSENT_TEXTS, ConsentPurpose
from catalogue.matching.exceptions import ConsentRequired
from catalogue.matching.learning import Evidence, EvidenceRow, LearningParams, Segment, evidence_by_product
from catalogue.matching.models import (
    Assessment,
    Consent,
    Exercise,
    Footprint,
    HealthRecordAccess,
    LearningSetting,
    MatchingRule,
    ProductEvidence,
)
from catalogue.matching.profile import FootProfile
from catalogue.matching.scoring import (
    Candidate,
    ExerciseOption,
    RankableProduct,
    Rule,
    VariantOption,
    candidates_for,
    sold_out_for,
)
from catalogue.matching.sizing import SizeSet
from catalogue.models import Product, ProductImage
from catalogue.pricing import variant_price_expression
from catalogue.stock import sellable_variants
from shop.exceptions import NotFound

RANKED_KINDS = (ProductKind.INSOLE, ProductKind.CUSTOM_ORTHOTIC)
# Read with them: accessories, ranked apart when a rule calls for one (a metatarsal pad).
MATCHED_KINDS = (*RANKED_KINDS, ProductKind.ACCESSORY)
_THUMBNAIL_STORAGE = ProductImage._meta.get_field("thumbnail").storage
_PRODUCT_FIELDS = (
    *("id", "slug", "name", "kind", "arch_support", "rigidity", "posting", "heel_cup", "heel_lift_mm"),
    *("met_pad", "cushioning", "length", "volume", "activities", "shoe_types", "suitable_for_children"),
)


@dataclass(frozen=True)
class MatchingCatalogue:
    """What ranking reads from the catalogue, as plain values."""

    products: tuple[RankableProduct, ...]
    rules: tuple[Rule, ...]
    exercises: tuple[ExerciseOption, ...]
    learning_switched_on: bool = True  # the staff switch (``LearningSetting``); see ``learning_on``


def matching_catalogue() -> MatchingCatalogue:
    """Return the rankable products, the active rules and exercises, kept until the catalogue next changes.

    Built in four queries (products, their variants in stock, rules, exercises with their conditions;
    the staff's learning switch is read in the products' query) and kept in each process's memory; a read costs one cache round trip, for the catalogue version.
    Stock moves that customers can see, such as a variant selling out, change that version
    (``catalogue.cache.catalogue_stock_changed``), so a sold-out variant is never offered.
    """
    return catalogue_memoised("matching-catalogue", _matching_catalogue)


def _matching_catalogue() -> MatchingCatalogue:
    products, switched_on = _rankable_products()
    return MatchingCatalogue(
        products=tuple(products),
        rules=tuple(_matching_rules()),
        exercises=tuple(_exercise_options()),
        learning_switched_on=switched_on,
    )


def learning_on(catalogue: MatchingCatalogue) -> bool:
    """Whether rankings learn from outcomes: ``MATCHING_LEARNING`` (the deploy's kill switch) and the staff's."""
    return bool(settings.MATCHING_LEARNING) and catalogue.learning_switched_on


def learning_setting() -> LearningSetting:
    """Return the staff switch as stored (an unsaved one, on, if it was never saved); for the admin."""
    return LearningSetting.objects.select_related("changed_by").filter(
        pk=LearningSetting.SINGLETON
    ).first() or (LearningSetting())


def _rankable_products() -> tuple[list[RankableProduct], bool]:
    """Return the active insoles, custom orthotics and accessories with their active variants, in two queries.

    Variants out of stock are kept (marked), so that the assessment can say when the best fit is sold out
    in the customer's size; a product with no active variant is left out. With them, whether the staff
    switched learning on (a scalar subquery on each product row, so it costs no query of its own; with
    no product there is nothing to rank, and it reads as on).
    """
    variants: dict[int, list[tuple]] = defaultdict(list)
    variant_rows = (
        sellable_variants()
        .filter(product__kind__in=MATCHED_KINDS)
        .annotate(unit_price=variant_price_expression())
        .order_by("product_id", "position", "eu_min", "sku")
        .values_list("product_id", "sku", "size_label", "eu_min", "eu_max", "width", "unit_price", "stock")
    )
    for product_id, *variant, stock in variant_rows:
        variants[product_id].append((*variant, stock > 0))
    products = (
        Product.objects.filter(is_active=True, kind__in=MATCHED_KINDS)
        .annotate(**first_image_annotations())
        .annotate(
            learning_switched_on=Subquery(
                LearningSetting.objects.filter(pk=LearningSetting.SINGLETON).values("enabled")[:1]
            )
        )
        .order_by("id")
        .values(*_PRODUCT_FIELDS, "first_image", "first_thumbnail", "learning_switched_on")
    )
    thumbnail_url = _THUMBNAIL_STORAGE.url  # resolved once: the storage is a lazy object
    rankable = []
    switched_on = True
    for product in products:
        switched_on = product["learning_switched_on"] is not False  # NULL: never saved, on
        offered = variants.get(product["id"])
        if not offered:
            continue
        thumbnail = product["first_thumbnail"] or product["first_image"]
        prices = [price for *_, price, in_stock in offered if in_stock] or [price for *_, price, _ in offered]
        any_size = Candidate(
            product_id=product["id"],
            slug=product["slug"],
            name=product["name"],
            kind=product["kind"],
            price=min(prices),
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
            suitable_for_children=product["suitable_for_children"],
            thumbnail_url=thumbnail_url(thumbnail) if thumbnail else None,
        )
        rankable.append(
            RankableProduct(
                any_size=any_size,
                shoe_types=frozenset(product["shoe_types"] or ()),
                variants=tuple(
                    VariantOption(any_size, sku, size_label, eu_min, eu_max, width, price, in_stock)
                    for sku, size_label, eu_min, eu_max, width, price, in_stock in offered
                ),
            )
        )
    return rankable, switched_on


def _max_heel_lift(profile: FootProfile) -> int:
    if not profile.heel_lift_mm:
        return 0
    return min(
        profile.heel_lift_mm + settings.MATCHING_HEEL_LIFT_STEP_MM, settings.MATCHING_HEEL_LIFT_IN_SHOE_MAX_MM
    )


def candidate_products(
    *,
    profile: FootProfile,
    size: SizeSet | None,
    foot_width: str | None = None,
    products: Sequence[RankableProduct] | None = None,
    kinds: Sequence[str] = RANKED_KINDS,
    sold_out: bool = False,
) -> list[Candidate]:
    """Return the products of ``kinds`` that pass the hard filters for this customer, as plain values.

    Hard filters: active products of those kinds (insoles and custom orthotics unless told), in stock
    in the customer's size, made for their shoe type, with a heel lift no higher than they need and
    than fits in a shoe. ``sold_out``: instead, those that pass every filter but stock in the size.
    ``products`` defaults to those of ``matching_catalogue()``.
    """
    products = matching_catalogue().products if products is None else products
    pick = sold_out_for if sold_out else candidates_for
    return pick(
        products=[product for product in products if product.any_size.kind in kinds],
        size_eu=size.eu if size is not None else None,
        shoe_type=profile.shoe_type,
        max_heel_lift_mm=_max_heel_lift(profile),
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
        .values_list("slug", "name", "instructions", "position", "flags", "contraindications", "caution",
                     "source", "conditions__slug")
    )  # fmt: skip
    for slug, name, instructions, position, flags, contraindications, caution, source, condition in rows:
        exercise = exercises.setdefault(
            slug,
            {"name": name, "instructions": instructions, "position": position, "conditions": [],
             "flags": tuple(flags or ()), "contraindications": tuple(contraindications or ()),
             "caution": caution, "source": source},
        )  # fmt: skip
        if condition is not None:
            exercise["conditions"].append(condition)
    return [
        ExerciseOption(
            slug=slug,
            name=exercise["name"],
            instructions=exercise["instructions"],
            conditions=tuple(sorted(exercise["conditions"])),
            position=exercise["position"],
            flags=exercise["flags"],
            contraindications=exercise["contraindications"],
            caution=exercise["caution"],
            source=exercise["source"],
        )
        for slug, exercise in exercises.items()
    ]


def learning_params() -> LearningParams:
    """Return the estimator's numbers (``MATCHING_LEARNING_*``)."""
    return LearningParams(
        prior_strength=settings.MATCHING_LEARNING_PRIOR_STRENGTH,
        segment_strength=settings.MATCHING_LEARNING_SEGMENT_STRENGTH,
        rate_at_0=settings.MATCHING_LEARNING_RATE_AT_0,
        rate_at_100=settings.MATCHING_LEARNING_RATE_AT_100,
        max_points=settings.MATCHING_LEARNING_MAX_POINTS,
        max_rank_move=settings.MATCHING_LEARNING_MAX_RANK_MOVE,
        cite_min=settings.MATCHING_LEARNING_CITE_MIN,
        reason_min=settings.MATCHING_LEARNING_REASON_MIN,
        reason_share=settings.MATCHING_LEARNING_REASON_SHARE,
    )


def _evidence(row: ProductEvidence | dict) -> Evidence:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return Evidence(
        trials=get("trials"),
        successes=get("successes"),
        fit_returns=get("fit_returns"),
        defects=get("defects"),
        reasons=dict(get("reasons") or {}),
    )


def segment_evidence(*, segment: Segment) -> dict[int, tuple[Evidence, Evidence]]:
    """Return per product ``(own, wider)`` evidence for a segment, in one query (its arch type and activity)."""
    rows = ProductEvidence.objects.filter(arch_type=segment.arch_type, activity=segment.activity).values(
        "product_id", "segment", "trials", "successes", "fit_returns", "defects", "reasons"
    )
    return evidence_by_product(
        (EvidenceRow(product_id=r["product_id"], segment=r["segment"], evidence=_evidence(r)) for r in rows),
        segment=segment,
    )


def evidence_of_row(row: ProductEvidence) -> Evidence:
    """Return a stored row as an ``Evidence`` value (for the admin)."""
    return _evidence(row)


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


def footprints_visible(*, footprint_ids, user) -> dict[str, Footprint]:
    """Return, by id, those of the footprints the user may see, in one query (ids may be None)."""
    wanted = [str(footprint_id) for footprint_id in footprint_ids if footprint_id is not None]
    if not wanted:
        return {}
    return {
        str(footprint.pk): footprint
        for footprint in Footprint.objects.filter(owned_or_anonymous(user), pk__in=wanted)
    }


def footprint_pick(footprints: dict[str, Footprint], footprint_id) -> Footprint | None:
    """Return the footprint ``footprint_id`` from ``footprints_visible``'s answer; None for no id.

    One the user may not see raises ``NotFound``, as ``footprint_get`` does.
    """
    if footprint_id is None:
        return None
    footprint = footprints.get(str(footprint_id))
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
    """Return the profile of the customer's latest assessment, with its id and time, or None.

    None too while the customer's ``foot_assessment`` consent is not in force: stored assessments are
    not used without it.
    """
    if not consent_active(user=user, purpose=ConsentPurpose.FOOT_ASSESSMENT):
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


# --- consents --------------------------------------------------------------------------------------------
def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def consent_in_force(*, user, purpose: str) -> Consent | None:
    """Return the customer's consent to ``purpose`` that is not withdrawn (of any text version), or None."""
    if not _signed_in(user):
        return None
    return Consent.objects.filter(user=user, purpose=purpose, withdrawn_at__isnull=True).first()


def consent_active(*, user, purpose: str) -> bool:
    """Tell whether the customer's consent to ``purpose`` is in force for the current text version."""
    if not _signed_in(user):
        return False
    version, _ = CONSENT_TEXTS[purpose]
    return Consent.objects.filter(
        user=user, purpose=purpose, text_version=version, withdrawn_at__isnull=True
    ).exists()


def consent_require(*, user, purpose: str) -> None:
    """Refuse (``consent_required``) a signed-in customer without the consent to ``purpose`` in force.

    Anonymous callers pass: without an account nothing ties the data to a person, and anonymous records
    are erased after the retention period (docs/privacy.md).
    """
    if _signed_in(user) and not consent_active(user=user, purpose=purpose):
        raise ConsentRequired(purpose=purpose)


def users_without_consent(*, user_ids, purpose: str) -> set:
    """Return those of ``user_ids`` whose consent to ``purpose`` is not in force for the current text."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return set()
    version, _ = CONSENT_TEXTS[purpose]
    given = Consent.objects.filter(
        user_id__in=wanted, purpose=purpose, text_version=version, withdrawn_at__isnull=True
    ).values_list("user_id", flat=True)
    return wanted - set(given)


def consents_state(*, user) -> list[dict]:
    """Return, for every purpose, its current text and version and the customer's consent to it.

    ``given`` is true when a consent to the current version is in force; ``given_version`` is the
    version of the consent in force, which may be an older text (then ``given`` is false).
    """
    in_force = {
        consent.purpose: consent for consent in Consent.objects.filter(user=user, withdrawn_at__isnull=True)
    }
    states = []
    for purpose in ConsentPurpose:
        version, text = CONSENT_TEXTS[purpose]
        consent = in_force.get(purpose.value)
        states.append(
            {
                "purpose": purpose.value,
                "title": purpose.label,
                "version": version,
                "text": text,
                "given": consent is not None and consent.text_version == version,
                "given_version": consent.text_version if consent else None,
                "given_at": consent.given_at if consent else None,
            }
        )
    return states


# --- a customer's foot data, for their export (docs/privacy.md) ------------------------------------
def _customer_assessments(*, user, assessment_ids=()):
    return Assessment.objects.filter(Q(owner=user) | Q(pk__in=list(assessment_ids))).order_by("created_at")


def _customer_footprints(*, user, footprint_ids=()):
    return Footprint.objects.filter(Q(owner=user) | Q(pk__in=list(footprint_ids))).order_by("created_at")


def export_path(field_file) -> str | None:
    """Return where a stored file goes in a data export (``files/<its storage name>``), or None."""
    return f"files/{field_file.name}" if field_file else None


def matching_export(*, user, assessment_ids=(), footprint_ids=()) -> dict:
    """Return the customer's foot data as plain values: assessments, footprints, consents, the access log.

    Also the assessments and footprints given by id (taken anonymously, then used in the customer's
    fittings). Files are named by their path in the export (``matching_export_files``).
    """
    assessments = [
        {
            "id": str(assessment.pk),
            "created_at": assessment.created_at.isoformat(),
            "footprint": str(assessment.footprint_id) if assessment.footprint_id else None,
            "answers": assessment.answers,
            "profile": assessment.profile,
            "referral": assessment.referral,
            "size": assessment.size,
            "recommendations": assessment.recommendations,
            "exercises": assessment.exercises,
            "outcome": assessment.outcome,
        }
        for assessment in _customer_assessments(user=user, assessment_ids=assessment_ids)
    ]
    footprints = [
        {
            "id": str(footprint.pk),
            "created_at": footprint.created_at.isoformat(),
            "side": footprint.side,
            "arch_index": footprint.arch_index,
            "arch_type": footprint.arch_type,
            "chippaux_smirak": footprint.chippaux_smirak,
            "foot_length_mm": _decimal(footprint.foot_length_mm),
            "width_mm": _decimal(footprint.width_mm),
            "scale": footprint.scale,
            "mm_per_px": footprint.mm_per_px,
            "method": footprint.method,
            "zone_areas_px": footprint.zone_areas_px,
            "geometry": footprint.geometry,
            "image": export_path(footprint.image),
            "overlay": export_path(footprint.overlay),
        }
        for footprint in _customer_footprints(user=user, footprint_ids=footprint_ids)
    ]
    consents = [
        {
            "purpose": consent.purpose,
            "text_version": consent.text_version,
            "given_at": consent.given_at.isoformat(),
            "method": consent.method,
            "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        }
        for consent in Consent.objects.filter(user=user).order_by("given_at", "id")
    ]
    # Which member of staff is named by an internal number, not by name (CJEU C-579/21): the shop can
    # tell who it was if the customer asks why.
    accesses = [
        {
            "accessed_at": access.accessed_at.isoformat(),
            "kind": access.kind,
            "record_id": access.record_id,
            "via": access.via,
            "staff_member": access.staff_id,
        }
        for access in health_record_accesses(customer=user).order_by("accessed_at", "id")
    ]
    return {
        "assessments": assessments,
        "footprints": footprints,
        "consents": consents,
        "health_record_accesses": accesses,
    }


def matching_export_files(*, user, footprint_ids=()) -> list[tuple[str, object]]:
    """Return the files of the customer's foot data: ``(path in the export, stored file)`` pairs."""
    files = []
    for footprint in _customer_footprints(user=user, footprint_ids=footprint_ids):
        for field_file in (footprint.image, footprint.overlay):
            if field_file:
                files.append((export_path(field_file), field_file))
    return files


def _decimal(value) -> str | None:
    return str(value) if value is not None else None


def health_data_retention_cutoff(*, now: datetime | None = None) -> datetime:
    """Return the instant before which anonymous health data has outlived its retention period.

    A record is kept to the end of the ``SHOP_HEALTH_DATA_RETENTION_DAYS``-th day after the day it was
    made, in the shop's time zone (as the return windows close at the end of a day): made on 1 March,
    with 30 days, it is kept through 31 March and erased from 1 April 00:00.
    """
    tz = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(now or timezone.now(), tz).date()
    first_day_kept = today - timedelta(days=settings.SHOP_HEALTH_DATA_RETENTION_DAYS)
    return datetime.combine(first_day_kept, time.min, tzinfo=tz)
