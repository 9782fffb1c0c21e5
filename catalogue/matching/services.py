"""Writes for foot-type matching: measure a footprint, take an assessment, consents, and the erasure of
foot data (a customer's, and anonymous data past its retention period). Nothing is stored on refusal."""

import uuid
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalogue.choices import ProductKind
from catalogue.images import make_renditions, open_validated_image
from catalogue.matching import selectors
from catalogue.matching.advice import mechanical_reason, outcome_for
from catalogue.matching.consent import CONSENT_TEXTS, ConsentMethod, ConsentPurpose
from catalogue.matching.exceptions import ConsentPurposeNotFound, ConsentTextOutdated
from catalogue.matching.footprint import METHOD, analyse_footprint
from catalogue.matching.learning import Estimate, rank_learned, segment_of
from catalogue.matching.models import Assessment, Consent, Footprint, HealthRecordAccess, LearningSetting
from catalogue.matching.profile import FootprintReading, profile_from_answers, referral_for
from catalogue.matching.scoring import (
    Recommendation,
    allowed_for,
    exercises_for,
    rank_accessories,
    rank_candidates,
)
from catalogue.matching.sizing import SizeSet, length_for_size, sizes_for_length
from shop.exceptions import InvalidInput, NotFound
from shop.files import files_delete_on_commit

MM_PER_INCH = 25.4


def footprint_create(
    *, owner, upload, mm_per_px: float | None = None, dpi: int | None = None, side: str = ""
) -> Footprint:
    """Validate and measure an uploaded footprint and store it with its overlay; store nothing if refused.

    A signed-in customer needs the ``foot_assessment`` consent in force (``consent_required``).
    """
    selectors.consent_require(user=owner, purpose=ConsentPurpose.FOOT_ASSESSMENT)
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
    customer may see. A signed-in customer needs the ``foot_assessment`` consent in force
    (``consent_required``).
    """
    owner = owner if owner is not None and owner.is_authenticated else None
    selectors.consent_require(user=owner, purpose=ConsentPurpose.FOOT_ASSESSMENT)
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
    accessories: list[dict] = []
    comfort: list[dict] = []
    sold_out: list[dict] = []
    foot_width = answers.get("foot_width")
    mechanical = False
    if referral.urgency != "urgent":
        catalogue = selectors.matching_catalogue()
        learning = selectors.learning_on(catalogue)
        mechanical = mechanical_reason(profile=profile, answers=answers)

        def candidates(**options):
            return allowed_for(
                profile=profile,
                candidates=selectors.candidate_products(
                    profile=profile, size=size, foot_width=foot_width, products=catalogue.products, **options
                ),
            )

        def rank(found):
            return rank_candidates(
                profile=profile,
                candidates=found,
                rules=catalogue.rules,
                urgency=referral.urgency,
                heel_lift_step_mm=settings.MATCHING_HEEL_LIFT_STEP_MM,
                limit=None if learning else settings.MATCHING_RECOMMENDATIONS_MAX,
            )

        insoles = candidates()
        if mechanical:
            ranked = rank(insoles)
            estimates: list = [None] * len(ranked)
            if learning and ranked:
                ranked, estimates = _learned(ranked, profile=profile)
            ranked = ranked[: settings.MATCHING_RECOMMENDATIONS_MAX]
            recommendations = [
                _recommendation(r, foot_width=foot_width, estimate=e)
                for r, e in zip(ranked, estimates, strict=False)
            ]
            accessories = [
                _recommendation(r, foot_width=foot_width)
                for r in rank_accessories(
                    profile=profile,
                    candidates=candidates(kinds=(ProductKind.ACCESSORY,)),
                    rules=catalogue.rules,
                    heel_lift_step_mm=settings.MATCHING_HEEL_LIFT_STEP_MM,
                    limit=settings.MATCHING_ACCESSORIES_MAX,
                )
            ]
            best = ranked[0].score if ranked else -1
            sold_out = [_sold_out(r, size) for r in rank(candidates(sold_out=True)) if r.score > best][
                : settings.MATCHING_SOLD_OUT_MAX
            ]
        else:
            comfort = _comfort_products(insoles)
        exercises = [
            {"slug": e.slug, "name": e.name, "instructions": e.instructions, "caution": e.caution,
             "source": e.source}
            for e in exercises_for(
                profile=profile, exercises=catalogue.exercises, limit=settings.MATCHING_EXERCISES_MAX
            )
        ]  # fmt: skip
    outcome = outcome_for(
        profile=profile,
        answers=answers,
        urgency=referral.urgency,
        matched=bool(recommendations or accessories),
    )
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
        outcome={
            "advice": outcome.as_dict(),
            "accessories": accessories,
            "comfort_products": comfort,
            "sold_out": sold_out,
        },
    )


WIDTH_WORDS = {"narrow": "narrow", "regular": "regular", "wide": "wide"}


def _product(candidate) -> dict:
    return {
        "slug": candidate.slug,
        "name": candidate.name,
        "kind": candidate.kind,
        "price": str(candidate.price),
        "thumbnail_url": candidate.thumbnail_url,
    }


def _variant(candidate) -> dict | None:
    if not candidate.variant_sku:
        return None
    return {"sku": candidate.variant_sku, "size_label": candidate.variant_size_label}


def learning_setting_change(*, enabled: bool, note: str = "", by) -> LearningSetting:
    """Switch learning from outcomes on or off for every ranking, recording who did it and when.

    Takes effect on the next assessment in every process (the save changes the catalogue version the
    matching catalogue, which carries the switch, is memoised under). ``MATCHING_LEARNING=false`` still
    keeps learning off whatever this says.
    """
    with transaction.atomic():
        setting, _ = LearningSetting.objects.select_for_update().get_or_create(pk=LearningSetting.SINGLETON)
        setting.enabled = enabled
        setting.note = note
        setting.changed_by = by if by is not None and by.is_authenticated else None
        setting.changed_at = timezone.now()
        setting.save()
    return setting


def _learned(ranked: list[Recommendation], *, profile) -> tuple[list[Recommendation], list[Estimate]]:
    """Re-rank by the outcomes of customers in the profile's segment (one query); return both lists."""
    segment = segment_of(profile)
    pairs = rank_learned(
        ranked,
        segment=segment,
        evidence=selectors.segment_evidence(segment=segment),
        params=selectors.learning_params(),
    )
    return [r for r, _ in pairs], [e for _, e in pairs]


def _learning(estimate: Estimate | None) -> dict | None:
    if estimate is None:
        return None
    return {
        "rule_score": estimate.rule_score,
        "adjustment": estimate.adjustment,
        "outcomes": estimate.own.trials,
        "outcomes_wider": estimate.wider.trials,
    }


def _recommendation(r: Recommendation, *, foot_width: str | None, estimate: Estimate | None = None) -> dict:
    """A ranked product as shown, with a note when it is not made in the customer's width."""
    candidate = r.candidate
    notes = []
    if foot_width and candidate.variant_width and candidate.variant_width != foot_width:
        notes.append(
            f"Not made in a {WIDTH_WORDS[foot_width]} fit in your size: this is the "
            f"{WIDTH_WORDS.get(candidate.variant_width, candidate.variant_width)} one."
        )
    return {
        "product": _product(candidate),
        "score": r.score,
        "reasons": list(r.reasons),
        "cautions": list(r.cautions),
        "notes": notes,
        "variant": _variant(candidate),
        "learning": _learning(estimate),
    }


def _sold_out(r: Recommendation, size) -> dict:
    candidate = r.candidate
    where = (
        f"in your size ({candidate.variant_size_label})" if candidate.variant_size_label else "in any size"
    )
    return {
        "product": _product(candidate),
        "score": r.score,
        "reasons": list(r.reasons),
        "variant": _variant(candidate),
        "note": f"{candidate.name} would fit you best, but it is out of stock {where}.",
    }


COMFORT_NOTE = (
    "For comfort only: {cushioning} cushioning underfoot. Nothing in your answers calls for an insole's "
    "support or correction."
)


def _comfort_products(candidates) -> list[dict]:
    """General comfort insoles, cheapest first, listed apart when nothing calls for an insole.

    Cushioned (medium or high) and nothing corrective: no high arch support, rigid shell, posting, lift or
    metatarsal pad.
    """
    comfort = sorted(
        (
            c
            for c in candidates
            if c.kind == ProductKind.INSOLE
            and c.cushioning in ("medium", "high")
            and c.arch_support != "high"
            and c.rigidity != "rigid"
            and c.posting == "none"
            and not c.heel_lift_mm
            and not c.met_pad
        ),
        key=lambda c: (c.price, c.name, c.slug),
    )
    return [
        {
            "product": _product(c),
            "variant": _variant(c),
            "note": COMFORT_NOTE.format(cushioning=c.cushioning),
        }
        for c in comfort[: settings.MATCHING_COMFORT_PRODUCTS_MAX]
    ]


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


# --- consents ------------------------------------------------------------------------------------------
def _current_version(purpose: str) -> int:
    if purpose not in CONSENT_TEXTS:
        raise ConsentPurposeNotFound()
    return CONSENT_TEXTS[purpose][0]


def consent_give(
    *, user, purpose: str, version: int, method: str = ConsentMethod.API
) -> tuple[Consent, bool]:
    """Record the customer's consent to ``purpose``'s current text; return ``(consent, created)``.

    ``version`` must be the current text's (``consent_text_outdated`` otherwise): the customer agrees
    to the text they were shown. Giving it again changes nothing (``created`` false); a consent in force
    for an older text is closed (withdrawn now) and the new one recorded.
    """
    current = _current_version(purpose)
    if version != current:
        raise ConsentTextOutdated(purpose=purpose, version=version)
    with transaction.atomic():
        # The account's row serialises two consents given at once (one in force per purpose).
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        in_force = Consent.objects.filter(user=user, purpose=purpose, withdrawn_at__isnull=True).first()
        if in_force is not None and in_force.text_version == current:
            return in_force, False
        now = timezone.now()
        if in_force is not None:
            in_force.withdrawn_at = now
            in_force.save(update_fields=["withdrawn_at"])
        consent = Consent.objects.create(
            user=user, purpose=purpose, text_version=current, given_at=now, method=method
        )
    return consent, True


def consent_withdraw(*, user, purpose: str) -> int:
    """Withdraw the customer's consent to ``purpose`` now; return how many consents were in force (0 or 1).

    From then on the data it covered is no longer used (docs/privacy.md); withdrawing again is a no-op.
    """
    _current_version(purpose)
    return Consent.objects.filter(user=user, purpose=purpose, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )


# --- erasure -------------------------------------------------------------------------------------------
def _footprint_files(footprints) -> list:
    return [field_file for footprint in footprints for field_file in (footprint.image, footprint.overlay)]


def _delete_assessments_and_footprints(*, assessments, footprints) -> tuple[int, int]:
    """Delete these assessments and footprints, their files once the transaction commits; return the counts."""
    footprints = list(footprints)
    files_delete_on_commit(_footprint_files(footprints))
    _, deleted = assessments.delete()
    footprint_count = Footprint.objects.filter(pk__in=[footprint.pk for footprint in footprints]).delete()[0]
    return deleted.get(Assessment._meta.label, 0), footprint_count


def matching_erase(*, user, assessment_ids=(), footprint_ids=()) -> dict:
    """Erase the customer's foot data; call inside the account's erasure (one transaction).

    Deleted: their assessments and footprints (photos and overlays once the transaction commits), and
    those given by id (taken anonymously, then used in their fittings). Kept without the person: the
    record that consents were given (withdrawn now if still in force), and the log of staff opening
    their health records. Return what was erased and what was kept, for the customer's answer.
    """
    now = timezone.now()
    assessments = Assessment.objects.filter(Q(owner=user) | Q(pk__in=list(assessment_ids)))
    footprints = Footprint.objects.filter(Q(owner=user) | Q(pk__in=list(footprint_ids))).only(
        "pk", "image", "overlay"
    )
    assessment_count, footprint_count = _delete_assessments_and_footprints(
        assessments=assessments, footprints=footprints
    )
    Consent.objects.filter(user=user, withdrawn_at__isnull=True).update(withdrawn_at=now)
    consent_count = Consent.objects.filter(user=user).update(user=None)
    access_count = HealthRecordAccess.objects.filter(customer=user).update(customer=None)
    return {
        "erased": [
            {
                "what": "assessments",
                "count": assessment_count,
                "description": "Your foot assessments: your answers (pain, diabetes, numbness and the "
                "others), the profile, sizes and recommendations made from them.",
            },
            {
                "what": "footprints",
                "count": footprint_count,
                "description": "Your footprints: the photos, their overlays and the measurements.",
            },
        ],
        "kept": [
            {
                "what": "consents",
                "count": consent_count,
                "description": "That a consent to each purpose was given and withdrawn, with the text "
                "version and the dates, no longer linked to you.",
                "reason": "The shop must be able to show that it had your consent for the health data it "
                "used while you had an account.",
                "legal_basis": "GDPR Art. 7(1) and Art. 5(2) (accountability)",
            },
            {
                "what": "health_record_accesses",
                "count": access_count,
                "description": "The log of when staff opened your health records, no longer linked to you.",
                "reason": "It shows who at the shop looked at health data and when; it is kept to check "
                "that staff use health records only as they must.",
                "legal_basis": "GDPR Art. 5(2) and Art. 32 (accountability, security of processing)",
            },
        ],
    }


def health_data_expired_erase(
    *, before: datetime, keep_assessments=(), keep_footprints=(), batch_size: int = 500
) -> dict[str, int]:
    """Erase anonymous assessments and footprints created before ``before``, but those to keep.

    ``keep_assessments`` and ``keep_footprints`` are sequences of id lists or subqueries (without
    nulls): the caller (``orders.fittings.services.health_data_expired_erase``) keeps those an order
    uses, read again at each batch. Rows are taken in batches, locked, and skipped while another run
    holds them, so two runs at once erase each row once; a second run finds nothing left. Files go once
    each batch commits. Return how many of each went.
    """
    counts = {"assessments": 0, "footprints": 0}
    while True:
        with transaction.atomic():
            assessments = Assessment.objects.select_for_update(skip_locked=True).filter(
                owner__isnull=True, created_at__lt=before
            )
            for ids in keep_assessments:
                assessments = assessments.exclude(pk__in=ids)
            footprints = Footprint.objects.select_for_update(skip_locked=True).filter(
                owner__isnull=True, created_at__lt=before
            )
            for ids in keep_footprints:
                footprints = footprints.exclude(pk__in=ids)
            assessment_ids = list(assessments.values_list("pk", flat=True)[:batch_size])
            batch = list(footprints.only("pk", "image", "overlay")[:batch_size])
            if not assessment_ids and not batch:
                return counts
            assessment_count, footprint_count = _delete_assessments_and_footprints(
                assessments=Assessment.objects.filter(pk__in=assessment_ids), footprints=batch
            )
        counts["assessments"] += assessment_count
        counts["footprints"] += footprint_count
        if not assessment_count and not footprint_count:  # another run deleted them first
            return counts
