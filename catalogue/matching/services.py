"""Writes for foot-type matching: measure a footprint, take an assessment. Nothing is stored on refusal."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from catalogue.images import make_renditions, open_validated_image
from catalogue.matching import selectors
from catalogue.matching.footprint import METHOD, analyse_footprint
from catalogue.matching.models import Assessment, Footprint, HealthRecordAccess
from catalogue.matching.profile import FootprintReading, profile_from_answers, referral_for
from catalogue.matching.scoring import exercises_for, rank_candidates
from catalogue.matching.sizing import SizeSet, length_for_size, sizes_for_length
from shop.exceptions import InvalidInput, NotFound

MM_PER_INCH = 25.4


def footprint_create(
    *, owner, upload, mm_per_px: float | None = None, dpi: int | None = None, side: str = ""
) -> Footprint:
    """Validate and measure an uploaded footprint and store it with its overlay; store nothing if refused."""
    image = open_validated_image(upload, attr="image")
    scale = Footprint.Scale.NONE
    if mm_per_px:
        scale = Footprint.Scale.MM_PER_PX
    elif dpi:
        scale, mm_per_px = Footprint.Scale.DPI, MM_PER_INCH / dpi
    analysis = analyse_footprint(image=image, mm_per_px=mm_per_px)
    renditions = make_renditions(image, basename="footprint")
    footprint = Footprint(
        id=uuid.uuid4(),
        owner=owner if owner is not None and owner.is_authenticated else None,
        side=side or "",
        arch_index=analysis.arch_index,
        arch_type=analysis.arch_type,
        chippaux_smirak=analysis.chippaux_smirak,
        foot_length_mm=Decimal(str(analysis.foot_length_mm)) if analysis.foot_length_mm is not None else None,
        width_mm=Decimal(str(analysis.width_mm)) if analysis.width_mm is not None else None,
        scale=scale,
        mm_per_px=mm_per_px,
        method=METHOD,
        zone_areas_px=list(analysis.zone_areas_px),
        geometry=analysis.geometry,
    )
    with transaction.atomic():
        footprint.image.save(renditions.web.name, renditions.web, save=False)
        footprint.overlay.save("overlay.png", ContentFile(analysis.overlay_png), save=False)
        try:
            footprint.save(force_insert=True)
        except Exception:
            footprint.image.delete(save=False)
            footprint.overlay.delete(save=False)
            raise
    return footprint


def _in_range(length: Decimal) -> bool:
    return settings.MATCHING_FOOT_LENGTH_MIN_MM <= length <= settings.MATCHING_FOOT_LENGTH_MAX_MM


def _size(answers: dict, footprint: Footprint | None) -> tuple[SizeSet | None, list[str]]:
    """Return the customer's sizes from the measured length, else the footprint, else the shoe size."""
    if answers.get("foot_length_mm") is not None:
        return sizes_for_length(foot_length_mm=Decimal(answers["foot_length_mm"])), ["foot_length_mm"]
    if footprint is not None and footprint.foot_length_mm is not None and _in_range(footprint.foot_length_mm):
        return sizes_for_length(foot_length_mm=footprint.foot_length_mm), ["footprint"]
    if answers.get("shoe_size") is not None and answers.get("size_system"):
        length = length_for_size(size=answers["shoe_size"], system=answers["size_system"])
        return sizes_for_length(foot_length_mm=length), ["shoe_size", "size_system"]
    return None, []


def _json_safe(answers: dict) -> dict:
    return {
        name: float(value)
        if isinstance(value, Decimal)
        else str(value)
        if isinstance(value, uuid.UUID)
        else value
        for name, value in answers.items()
    }


def assessment_create(*, owner, answers: dict) -> Assessment:
    """Take an assessment: derive the profile, size, referral, ranked products and exercises, and store it.

    ``answers`` are validated values (``docs/matching.md``, The answers); ``footprint`` is an id the
    customer may see.
    """
    owner = owner if owner is not None and owner.is_authenticated else None
    footprint = None
    if answers.get("footprint"):
        try:
            footprint = selectors.footprint_get(footprint_id=answers["footprint"], user=owner)
        except NotFound:
            raise InvalidInput(
                "We could not find that footprint. Upload it again.",
                code="unknown_footprint",
                attr="footprint",
            ) from None
    reading = (
        FootprintReading(arch_type=footprint.arch_type, arch_index=footprint.arch_index)
        if footprint
        else None
    )
    profile = profile_from_answers(answers=answers, footprint=reading)
    size, size_sources = _size(answers, footprint)
    referral = referral_for(answers=answers)

    recommendations: list[dict] = []
    exercises: list[dict] = []
    if referral.urgency != "urgent":
        catalogue = selectors.matching_catalogue()
        ranked = rank_candidates(
            profile=profile,
            candidates=selectors.candidate_products(
                profile=profile, size=size, foot_width=answers.get("foot_width"), products=catalogue.products
            ),
            rules=catalogue.rules,
            urgency=referral.urgency,
            heel_lift_step_mm=settings.MATCHING_HEEL_LIFT_STEP_MM,
            limit=settings.MATCHING_RECOMMENDATIONS_MAX,
        )
        recommendations = [
            {
                "product": {
                    "slug": r.candidate.slug,
                    "name": r.candidate.name,
                    "kind": r.candidate.kind,
                    "price": str(r.candidate.price),
                    "thumbnail_url": r.candidate.thumbnail_url,
                },
                "score": r.score,
                "reasons": list(r.reasons),
                "cautions": list(r.cautions),
                "variant": (
                    {"sku": r.candidate.variant_sku, "size_label": r.candidate.variant_size_label}
                    if r.candidate.variant_sku
                    else None
                ),
            }
            for r in ranked
        ]
        exercises = [
            {"slug": e.slug, "name": e.name, "instructions": e.instructions}
            for e in exercises_for(
                profile=profile, exercises=catalogue.exercises, limit=settings.MATCHING_EXERCISES_MAX
            )
        ]
    profile_data = profile.as_dict()
    profile_data["derived_from"]["size"] = size_sources
    return Assessment.objects.create(
        owner=owner,
        footprint=footprint,
        answers=_json_safe(answers),
        profile=profile_data,
        referral=referral.as_dict(),
        size=size.as_dict() if size else None,
        recommendations=recommendations,
        exercises=exercises,
    )


def health_record_access_record(*, staff, customer, kind: str, record_id, via: str) -> HealthRecordAccess:
    """Record that ``staff`` opened ``customer``'s health record of ``kind`` (``HealthRecordKind``) now.

    ``customer`` is the record's owner, or None for a guest's record. Call it from every view that shows
    staff a record (fitting sheet, footprint, prescription, assessment, return photo), before answering.
    """
    return HealthRecordAccess.objects.create(
        customer=customer if getattr(customer, "pk", None) else None,
        staff=staff,
        kind=kind,
        record_id=str(record_id),
        via=via[:100],
        accessed_at=timezone.now(),
    )


def health_record_access_record_for_reader(
    *, reader, customer, kind: str, record_id, via: str
) -> HealthRecordAccess | None:
    """Record ``reader``'s view of ``customer``'s record when ``reader`` is staff and not its customer.

    For the API views that also let staff read a record: a customer (or a guest) reading their own
    record, or an anonymous one by its id, leaves no row; a member of staff reading someone else's does.
    """
    if not getattr(reader, "is_staff", False):
        return None
    if customer is not None and getattr(customer, "pk", None) == reader.pk:
        return None
    return health_record_access_record(
        staff=reader, customer=customer, kind=kind, record_id=record_id, via=via
    )
