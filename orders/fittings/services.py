"""Custom orthotics: fittings from cart to order line, the move into production, the lab's build, remakes,
and the erasure of fittings (a customer's, and anonymous ones past their retention period).

A fitting holds what the lab needs to make one pair (``orders.fittings.models``). The rules of
completeness live in ``fitting_missing`` alone: the fitting API reports them, the cart warns with
them, and checkout refuses with them (``fittings_checkout_validate``, the one call it makes).
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from catalogue.choices import ProductKind
from catalogue.documents import validated_document
from catalogue.matching.consent import ConsentPurpose
from catalogue.matching.exceptions import ConsentRequired
from catalogue.matching.models import Footprint
from catalogue.matching.selectors import (
    assessment_get,
    consent_require,
    footprint_pick,
    footprints_visible,
    health_data_retention_cutoff,
    users_without_consent,
)
from catalogue.matching.services import health_data_expired_erase as matching_expired_erase
from catalogue.models import ProductVariant
from orders.fittings.exceptions import (
    BuildAlreadyMade,
    FittingConflict,
    FittingIncomplete,
    FittingInUse,
    FittingNotApplicable,
    FootprintWrongSide,
    ImpressionNotExpected,
    NothingToCarryForward,
    NotInProduction,
)
from orders.fittings.models import Fitting, OrthoticBuild
from orders.fittings.selectors import (
    customer_fittings,
    fitting_get,
    health_records_used_by_orders,
    related_or_none,
)
from orders.models import CartItem, Order, OrderLine
from orders.redaction import redact
from orders.services.transitions import Actor, actor_user, order_flag, order_lock, order_transition
from orders.statuses import OrderStatus, Role
from shop.files import files_delete_on_commit
from shop.locks import job_lock

# Fields the lab always needs, and those that an impression kit replaces.
ALWAYS_REQUIRED = ("assessment", "shoe_type")
WITHOUT_KIT_REQUIRED = ("footprint_left", "footprint_right", "foot_length_mm", "foot_width_mm")


def fitting_missing(*, fitting: Fitting | None) -> list[str]:
    """Return what the fitting still lacks for the lab to make the pair (``["fitting"]`` when there is none).

    Always: the assessment (arch, conditions, heel lift) and the shoe type. Without an impression
    kit also a footprint of each foot and the foot's length and width; with a kit, the lab takes
    those from the impression.
    """
    if fitting is None:
        return ["fitting"]
    values = {
        "assessment": fitting.assessment_id,
        "shoe_type": fitting.shoe_type,
        "footprint_left": fitting.footprint_left_id,
        "footprint_right": fitting.footprint_right_id,
        "foot_length_mm": fitting.foot_length_mm,
        "foot_width_mm": fitting.foot_width_mm,
    }
    required = ALWAYS_REQUIRED + (() if fitting.impression_kit else WITHOUT_KIT_REQUIRED)
    return [name for name in required if values[name] in (None, "")]


def _footprint_side_check(footprint: Footprint | None, side: str) -> Footprint | None:
    if footprint is None:
        return None
    if footprint.side and footprint.side != side:
        raise FootprintWrongSide(
            f"The footprint given as footprint_{side} was taken of the {footprint.side} foot.",
            attr=f"footprint_{side}",
        )
    return footprint


def _measured(values) -> Decimal | None:
    measured = [value for value in values if value is not None]
    return max(measured) if measured else None


def fitting_create(
    *,
    owner: Actor,
    shoe_type: str = "",
    impression_kit: bool = False,
    assessment_id=None,
    footprint_left_id=None,
    footprint_right_id=None,
    foot_length_mm: Decimal | None = None,
    foot_width_mm: Decimal | None = None,
    prescription=None,
) -> Fitting:
    """Create a fitting from the customer's own assessment and footprints; store nothing if anything is refused.

    The assessment and footprints must be visible to ``owner`` (theirs or anonymous), else 404. A
    footprint taken of the other foot is refused. Length and width default to the larger of the
    two footprints' measurements. The prescription (PDF or image) is checked by content before
    anything is written. A signed-in customer needs the ``lab_sharing`` consent in force
    (``consent_required``): a fitting exists to go to the lab.
    """
    user = actor_user(owner)
    consent_require(user=user, purpose=ConsentPurpose.LAB_SHARING)
    document = validated_document(prescription, attr="prescription") if prescription is not None else None
    assessment = assessment_get(assessment_id=assessment_id, user=user) if assessment_id else None
    visible = footprints_visible(footprint_ids=[footprint_left_id, footprint_right_id], user=user)
    left = _footprint_side_check(footprint_pick(visible, footprint_left_id), "left")
    right = _footprint_side_check(footprint_pick(visible, footprint_right_id), "right")
    if left is not None and right is not None and left.pk == right.pk:
        raise FootprintWrongSide("Send a different footprint for each foot.", attr="footprint_right")
    prints = [footprint for footprint in (left, right) if footprint is not None]
    leg_length = (assessment.answers or {}).get("leg_length_difference_mm") if assessment else None
    if foot_length_mm is None:
        foot_length_mm = _measured(footprint.foot_length_mm for footprint in prints)
    if foot_width_mm is None:
        foot_width_mm = _measured(footprint.width_mm for footprint in prints)
    fitting = Fitting(
        owner=user,
        assessment=assessment,
        footprint_left=left,
        footprint_right=right,
        profile=dict(assessment.profile) if assessment else {},
        leg_length_difference_mm=Decimal(str(leg_length)) if leg_length not in (None, "") else None,
        foot_length_mm=foot_length_mm,
        foot_width_mm=foot_width_mm,
        shoe_type=shoe_type or "",
        impression_kit=impression_kit,
        prescription_kind=document.kind if document else "",
    )
    with transaction.atomic():
        if document is not None:
            fitting.prescription.save(document.content.name, document.content, save=False)
        try:
            fitting.save(force_insert=True)
        except Exception:
            if document is not None:
                fitting.prescription.delete(save=False)
            raise
    return fitting


def fitting_for_cart_item(*, variant: ProductVariant, fitting_id, user: Actor) -> Fitting | None:
    """Return the fitting to attach with a cart item, or None; refuse one for anything but a custom orthotic."""
    if fitting_id is None:
        return None
    if variant.product.kind != ProductKind.CUSTOM_ORTHOTIC:
        raise FittingNotApplicable(attr="fitting")
    return fitting_get(fitting_id=fitting_id, user=actor_user(user))


def fitting_attach_to_cart_item(*, fitting: Fitting, item: CartItem) -> Fitting:
    """Attach the fitting to the cart item (moving it from another cart if need be); call inside a transaction.

    Refused when the fitting was already ordered (``fitting_in_use``) or when the item already has
    another fitting (``fitting_conflict``).
    """
    locked = Fitting.objects.select_for_update().get(pk=fitting.pk)
    if locked.order_line_id is not None:
        raise FittingInUse(attr="fitting")
    current = Fitting.objects.filter(cart_item=item).exclude(pk=locked.pk).first()
    if current is not None:
        raise FittingConflict(attr="fitting")
    if locked.cart_item_id != item.pk:
        locked.cart_item = item
        locked.save(update_fields=["cart_item", "updated_at"])
    return locked


def fittings_checkout_validate(*, items: list[CartItem], user: Actor = None) -> dict[int, Fitting]:
    """Return the fittings of the cart's custom orthotics by item id, locked; refuse if any is missing or incomplete.

    Raises ``FittingIncomplete`` (409 ``fitting_incomplete``) naming, per SKU, what is missing, and
    ``ConsentRequired`` (409 ``consent_required``) when the fitting's owner, or the signed-in customer
    checking out, has no ``lab_sharing`` consent in force: a paid order sends its fittings to the lab.
    Call inside the checkout transaction, with ``items`` loaded with ``variant__product``.
    """
    custom = [item for item in items if item.variant.product.kind == ProductKind.CUSTOM_ORTHOTIC]
    if not custom:
        return {}
    fittings = {
        fitting.cart_item_id: fitting
        for fitting in Fitting.objects.select_for_update()
        .filter(cart_item__in=[item.pk for item in custom])
        .order_by("pk")
    }
    incomplete = []
    for item in custom:
        fitting = fittings.get(item.pk)
        if fitting is not None and fitting.order_line_id is not None:
            raise FittingInUse(
                f"The fitting for {item.variant.sku} already belongs to an order.", attr="cart"
            )
        missing = fitting_missing(fitting=fitting)
        if missing:
            incomplete.append(
                {
                    "item_id": item.pk,
                    "sku": item.variant.sku,
                    "fitting": str(fitting.pk) if fitting else None,
                    "missing": missing,
                }
            )
    if incomplete:
        raise FittingIncomplete(lines=incomplete)
    buyer = actor_user(user)
    people = {fitting.owner_id for fitting in fittings.values()} | {buyer.pk if buyer else None}
    if users_without_consent(user_ids=people, purpose=ConsentPurpose.LAB_SHARING):
        raise ConsentRequired(purpose=ConsentPurpose.LAB_SHARING)
    return fittings


def _initial_heel_lifts(fitting: Fitting) -> tuple[int, int]:
    """Return the heel lift per side that the profile asks for (on the short leg's side)."""
    lift = int((fitting.profile or {}).get("heel_lift_mm") or 0)
    side = (fitting.profile or {}).get("short_side")
    return (lift if side == "left" else 0, lift if side == "right" else 0)


def fittings_attach_to_order_lines(
    *, items: list[CartItem], lines: list[OrderLine], fittings: dict[int, Fitting]
) -> list[OrthoticBuild]:
    """Link each custom line to its item's fitting and open its build record with the promised production time.

    ``items`` and ``lines`` are in the same order (line ``n`` was made from item ``n``); the lines
    are saved. Call inside the checkout transaction.
    """
    builds = []
    for item, line in zip(items, lines, strict=True):
        fitting = fittings.get(item.pk)
        if fitting is None:
            continue
        fitting.order_line = line
        fitting.save(update_fields=["order_line", "updated_at"])
        left, right = _initial_heel_lifts(fitting)
        builds.append(
            OrthoticBuild(
                order_line=line,
                production_days=item.variant.product.production_days,
                heel_lift_left_mm=left,
                heel_lift_right_mm=right,
            )
        )
    return OrthoticBuild.objects.bulk_create(builds)


def _order_fittings(order: Order) -> list[Fitting]:
    return list(Fitting.objects.filter(order_line__order=order).order_by("pk"))


LAB_CONSENT_MISSING = (
    "The customer's lab_sharing consent is not in force: the fitting was not sent to the lab. Contact the "
    "customer, or cancel and refund the order."
)


def _lab_consent_missing(*, order: Order, fittings: list[Fitting]) -> bool:
    """Tell whether a person the fittings belong to has no ``lab_sharing`` consent; if so, flag the order.

    Checkout refuses without it; this catches a consent withdrawn between checkout and the fitting
    going to the lab. Call with the order locked.
    """
    people = {fitting.owner_id for fitting in fittings} | {order.user_id}
    if not users_without_consent(user_ids=people, purpose=ConsentPurpose.LAB_SHARING):
        return False
    order_flag(order=order, note=LAB_CONSENT_MISSING)
    return True


def fitting_order_paid(*, order: Order) -> Order:
    """Start production of a paid order with custom orthotics (call right after it became ``paid``).

    It goes to ``awaiting_impression`` while an impression kit has not come back, else to
    ``in_production``. Other orders are left as they are. Replacement orders for remakes call it
    too once they are ``paid``. A fitting whose owner's ``lab_sharing`` consent is no longer in force
    is not sent to the lab: the order stays ``paid``, flagged for staff.
    """
    if order.status != OrderStatus.PAID:
        return order
    fittings = _order_fittings(order)
    if not fittings:
        return order
    waiting = [
        fitting for fitting in fittings if fitting.impression_kit and fitting.impression_received_at is None
    ]
    if waiting:
        return order_transition(
            order=order,
            to_status=OrderStatus.AWAITING_IMPRESSION,
            role=Role.SYSTEM,
            note="Impression kit posted; production starts when the impression arrives.",
        )
    if _lab_consent_missing(order=order, fittings=fittings):
        return order
    return order_transition(
        order=order, to_status=OrderStatus.IN_PRODUCTION, role=Role.SYSTEM, note="Sent to the lab."
    )


def fitting_impression_receive(*, fitting: Fitting, actor: Actor) -> Fitting:
    """Record that the customer's impression arrived; when the order has all it waits for, start production.

    Repeating it changes nothing. Refused (``impression_not_expected``) for a fitting without an
    impression kit or not yet ordered. Without the owner's ``lab_sharing`` consent in force the
    impression is recorded but nothing goes to the lab: the order waits, flagged for staff.
    """
    with transaction.atomic():
        if fitting.order_line_id is None:
            raise ImpressionNotExpected("This fitting is not on an order yet.")
        order = order_lock(
            order_id=OrderLine.objects.values_list("order_id", flat=True).get(pk=fitting.order_line_id)
        )
        locked = Fitting.objects.select_for_update().get(pk=fitting.pk)
        if not locked.impression_kit:
            raise ImpressionNotExpected()
        if locked.impression_received_at is None:
            locked.impression_received_at = timezone.now()
            locked.impression_received_by = actor_user(actor)
            locked.save(update_fields=["impression_received_at", "impression_received_by", "updated_at"])
        still_waiting = Fitting.objects.filter(
            order_line__order=order, impression_kit=True, impression_received_at__isnull=True
        ).exists()
        if (
            order.status == OrderStatus.AWAITING_IMPRESSION
            and not still_waiting
            and not _lab_consent_missing(order=order, fittings=_order_fittings(order))
        ):
            order_transition(
                order=order,
                to_status=OrderStatus.IN_PRODUCTION,
                actor=actor,
                role=Role.STAFF,
                note="Impression received; sent to the lab.",
            )
    return locked


BUILD_FIELDS = ("shell", "posting", "top_cover", "heel_lift_left_mm", "heel_lift_right_mm", "lab_notes")


def orthotic_build_record(*, build: OrthoticBuild, actor: Actor, **values) -> OrthoticBuild:
    """Record what the lab makes (shell, posting, top cover, heel lift per side, notes); refused once made."""
    unknown = set(values) - set(BUILD_FIELDS)
    if unknown:
        raise TypeError(f"Unknown build fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = OrthoticBuild.objects.select_for_update().get(pk=build.pk)
        if locked.made_at is not None:
            raise BuildAlreadyMade()
        for field, value in values.items():
            setattr(locked, field, value)
        locked.full_clean(exclude=["order_line", "remake_of", "made_by"])
        locked.save(update_fields=[*values, "updated_at"])
    return locked


def orthotic_build_mark_made(*, build: OrthoticBuild, actor: Actor) -> OrthoticBuild:
    """Mark the pair made (the order must be in production); refused when already made."""
    with transaction.atomic():
        order = order_lock(
            order_id=OrderLine.objects.values_list("order_id", flat=True).get(pk=build.order_line_id)
        )
        if order.status != OrderStatus.IN_PRODUCTION:
            raise NotInProduction(
                f"Order {order.number} is {order.get_status_display().lower()}, not in production."
            )
        locked = OrthoticBuild.objects.select_for_update().get(pk=build.pk)
        if locked.made_at is not None:
            raise BuildAlreadyMade()
        locked.made_at = timezone.now()
        locked.made_by = actor_user(actor)
        locked.save(update_fields=["made_at", "made_by", "updated_at"])
    return locked


def fitting_carry_forward(*, original_line: OrderLine, replacement_line: OrderLine, comment: str) -> Fitting:
    """Give a remake's order line the original pair's fitting, linked to it, with the customer's comment.

    The new fitting copies the original's measurements, footprints, profile, prescription and
    impression (the lab keeps it) and points back at it (``original``); the new build starts from
    the original build's shell, posting, top cover and heel lifts and points back at it
    (``remake_of``), so the lab sees what was made and records what it changes in ``lab_notes``.
    Repeating it for the same replacement line returns the fitting already carried forward.
    """
    with transaction.atomic():
        existing = Fitting.objects.filter(order_line=replacement_line).first()
        if existing is not None:
            return existing
        original = Fitting.objects.select_related("order_line").filter(order_line=original_line).first()
        if original is None:
            raise NothingToCarryForward()
        if replacement_line.product_kind != ProductKind.CUSTOM_ORTHOTIC:
            raise FittingNotApplicable("A remake must be a custom orthotic.", attr="replacement_line")
        fitting = Fitting.objects.create(
            owner=original.owner,
            assessment=original.assessment,
            footprint_left=original.footprint_left,
            footprint_right=original.footprint_right,
            profile=original.profile,
            leg_length_difference_mm=original.leg_length_difference_mm,
            foot_length_mm=original.foot_length_mm,
            foot_width_mm=original.foot_width_mm,
            shoe_type=original.shoe_type,
            impression_kit=original.impression_kit,
            impression_received_at=original.impression_received_at,
            impression_received_by=original.impression_received_by,
            prescription=original.prescription.name,
            prescription_kind=original.prescription_kind,
            order_line=replacement_line,
            original=original,
            remake_comment=comment,
        )
        original_build = related_or_none(original_line, "orthotic_build")
        OrthoticBuild.objects.create(
            order_line=replacement_line,
            remake_of=original_build,
            production_days=original_build.production_days
            if original_build
            else (replacement_line.product.production_days if replacement_line.product else 0),
            shell=original_build.shell if original_build else "",
            posting=original_build.posting if original_build else "",
            top_cover=original_build.top_cover if original_build else "",
            heel_lift_left_mm=original_build.heel_lift_left_mm if original_build else 0,
            heel_lift_right_mm=original_build.heel_lift_right_mm if original_build else 0,
        )
    return fitting


# --- erasure ---------------------------------------------------------------------------------------------
MDR_BASIS = (
    "EU Medical Device Regulation 2017/745, Art. 52(8) and Annex XIII: the maker of a custom-made device "
    "keeps its documentation for at least 10 years"
)
# What a fitting holds about the person's body and health; cleared on a fitting an order keeps.
_FITTING_HEALTH_FIELDS = {
    "assessment": None,
    "footprint_left": None,
    "footprint_right": None,
    "profile": {},
    "leg_length_difference_mm": None,
    "foot_length_mm": None,
    "foot_width_mm": None,
    "prescription": "",
    "prescription_kind": "",
    "remake_comment": "",
}


def _prescriptions_delete_on_commit(fittings: list[Fitting]) -> int:
    """Delete the prescriptions of these fittings after commit, but a file another fitting still names.

    A remake's fitting names the original's file (``fitting_carry_forward``). Return how many go.
    """
    ids = [fitting.pk for fitting in fittings]
    names = {fitting.prescription.name: fitting.prescription for fitting in fittings if fitting.prescription}
    shared = set(
        Fitting.objects.filter(prescription__in=list(names))
        .exclude(pk__in=ids)
        .values_list("prescription", flat=True)
    )
    return files_delete_on_commit(file for name, file in names.items() if name not in shared)


def fittings_erase(*, user, pattern) -> dict:
    """Erase the customer's fittings; call inside the account's erasure (one transaction).

    A fitting no order uses is deleted. A fitting on an order stays as part of the custom device's
    record, without the person: no owner, no assessment, footprints, measurements, profile,
    prescription or comment. The lab's build record stays as it is (materials, posting, heel lifts, when
    made), with names and addresses replaced by ``[erased]`` in its notes. Prescription files go once
    the transaction commits. Return what was erased and what was kept, for the customer's answer.
    """
    fittings = list(customer_fittings(user=user).select_for_update(of=("self",)).order_by("pk"))
    prescriptions = _prescriptions_delete_on_commit(fittings)
    unordered = [fitting.pk for fitting in fittings if fitting.order_line_id is None]
    ordered = [fitting.pk for fitting in fittings if fitting.order_line_id is not None]
    Fitting.objects.filter(pk__in=unordered).delete()
    Fitting.objects.filter(pk__in=ordered).update(
        owner=None, updated_at=timezone.now(), **_FITTING_HEALTH_FIELDS
    )
    builds = list(OrthoticBuild.objects.filter(order_line__order__user=user).order_by("pk"))
    for build in builds:
        build.lab_notes = redact(build.lab_notes, pattern)
    OrthoticBuild.objects.bulk_update(builds, ["lab_notes"])
    return {
        "erased": [
            {
                "what": "fittings",
                "count": len(unordered),
                "description": "Your fittings that were never ordered.",
            },
            {
                "what": "fitting_measurements",
                "count": len(ordered),
                "description": "The measurements, foot profile and comments of the fittings of your custom "
                "orthotics, and the links to your assessments and footprints.",
            },
            {"what": "prescriptions", "count": prescriptions, "description": "Your prescriptions."},
        ],
        "kept": [
            {
                "what": "custom_device_records",
                "count": len(builds),
                "description": "The lab's record of each custom orthotic made for you (materials, posting, "
                "heel lifts, the lab's notes, when it was made), under its order number, without your "
                "name or your measurements.",
                "reason": "The maker of a custom-made medical device must keep what it made and how.",
                "legal_basis": MDR_BASIS + "; GDPR Art. 17(3)(b)",
            },
        ],
    }


def health_data_expired_erase(*, now: datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """Erase the anonymous health data past its retention period that no order uses (docs/privacy.md).

    Anonymous fittings not on an order, then anonymous assessments and footprints that no ordered
    fitting was made from, all made before ``health_data_retention_cutoff``. Safe to run twice at
    once (a second run waits for the first, ``job_lock``, then finds nothing; rows are also locked
    and skipped while another transaction holds them) and again (it finds nothing). Return how many
    of each kind went.
    """
    with job_lock("health_data_expired_erase"):
        return _health_data_expired_erase(now=now, batch_size=batch_size)


def _health_data_expired_erase(*, now: datetime | None, batch_size: int) -> dict[str, int]:
    before = health_data_retention_cutoff(now=now)
    fittings = 0
    while True:
        with transaction.atomic():
            batch = list(
                Fitting.objects.select_for_update(skip_locked=True)
                .filter(owner__isnull=True, order_line__isnull=True, created_at__lt=before)
                .only("pk", "prescription")[:batch_size]
            )
            if not batch:
                break
            _prescriptions_delete_on_commit(batch)
            deleted = Fitting.objects.filter(pk__in=[fitting.pk for fitting in batch]).delete()[0]
        fittings += deleted
        if not deleted:
            break
    keep_assessments, keep_footprints = health_records_used_by_orders()
    counts = matching_expired_erase(
        before=before,
        keep_assessments=keep_assessments,
        keep_footprints=keep_footprints,
        batch_size=batch_size,
    )
    return {"fittings": fittings, **counts}
