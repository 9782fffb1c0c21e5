"""Reads for custom orthotics: who may see a fitting, the order's production estimate, the lab sheet, and a
customer's fittings and builds for their export."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from catalogue.choices import ProductKind
from catalogue.matching.selectors import export_path, owned_or_anonymous
from orders.fittings.exceptions import FittingNotFound
from orders.fittings.lead_time import estimated_ship_date
from orders.fittings.models import Fitting, OrthoticBuild
from orders.models import OrderLine
from orders.statuses import OrderStatus

# Statuses in which the order still waits to ship, so an estimate means something.
_ESTIMATED_STATUSES = frozenset(
    {
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAYMENT_FAILED,
        OrderStatus.PAID,
        OrderStatus.AWAITING_IMPRESSION,
        OrderStatus.IN_PRODUCTION,
    }
)


def fitting_get(*, fitting_id, user) -> Fitting:
    """Return the fitting if ``user`` may use it, else raise ``FittingNotFound`` (404, never 403)."""
    fitting = Fitting.objects.filter(owned_or_anonymous(user), pk=fitting_id).first()
    if fitting is None:
        raise FittingNotFound()
    return fitting


def fitting_get_for_prescription(*, fitting_id, user) -> Fitting:
    """Return a fitting whose prescription ``user`` may download: its owner's, an anonymous one, or staff."""
    if user is not None and user.is_authenticated and user.is_staff:
        fitting = Fitting.objects.filter(pk=fitting_id).first()
    else:
        fitting = Fitting.objects.filter(owned_or_anonymous(user), pk=fitting_id).first()
    if fitting is None or not fitting.prescription:
        raise FittingNotFound("No such prescription.", code="prescription_not_found")
    return fitting


def fitting_customer(fitting: Fitting):
    """Return whose fitting it is: its owner, else the customer of the order it is on (None for a guest)."""
    if fitting.owner_id is not None:
        return fitting.owner
    if fitting.order_line_id is not None:
        return fitting.order_line.order.user
    return None


def related_or_none(instance, name: str):
    """Return a reverse one-to-one (``line.fitting``, ``line.orthotic_build``) or None when there is none."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


@dataclass(frozen=True)
class ProductionEstimate:
    production_days: int | None  # the longest production time of the order's custom pairs
    starts_at: datetime | None  # payment, or the last impression's arrival; None while it is unknown
    estimated_ship_date: date | None


NO_ESTIMATE = ProductionEstimate(production_days=None, starts_at=None, estimated_ship_date=None)


def order_production_estimate(*, order, now: datetime | None = None) -> ProductionEstimate:
    """Return when the order's custom pairs should ship: production days in working days from the start.

    Production starts at payment (before payment: as if paid now), or, with an impression kit,
    when the last impression arrived (unknown until then). Orders without custom orthotics, and
    orders that shipped or ended, have no estimate. Uses ``order.lines.all()``: prefetch the lines
    with ``fitting`` and ``orthotic_build`` to keep it query-free.
    """
    if order.status not in _ESTIMATED_STATUSES:
        return NO_ESTIMATE
    custom = [line for line in order.lines.all() if line.product_kind == ProductKind.CUSTOM_ORTHOTIC]
    builds = [build for line in custom if (build := related_or_none(line, "orthotic_build")) is not None]
    if not builds:
        return NO_ESTIMATE
    days = max(build.production_days for build in builds)
    fittings = [fitting for line in custom if (fitting := related_or_none(line, "fitting")) is not None]
    kits = [fitting for fitting in fittings if fitting.impression_kit]
    if kits:
        received = [fitting.impression_received_at for fitting in kits]
        starts_at = None if None in received else max(received)
    else:
        starts_at = order.paid_at or now or timezone.now()
    if starts_at is None:
        return ProductionEstimate(production_days=days, starts_at=None, estimated_ship_date=None)
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return ProductionEstimate(
        production_days=days,
        starts_at=starts_at,
        estimated_ship_date=estimated_ship_date(starts_at=starts_at, production_days=days, tz=tz),
    )


def fitting_sheet_get(*, fitting_id) -> Fitting:
    """Return a fitting with everything its lab sheet shows, in one query."""
    fitting = (
        Fitting.objects.select_related(
            "owner",
            "assessment",
            "footprint_left",
            "footprint_right",
            "order_line__order",
            "order_line__orthotic_build__remake_of",
            "original__order_line__orthotic_build",
            "impression_received_by",
        )
        .filter(pk=fitting_id)
        .first()
    )
    if fitting is None:
        raise FittingNotFound()
    return fitting


def order_builds(*, order) -> list[OrthoticBuild]:
    return list(OrthoticBuild.objects.filter(order_line__order=order).select_related("order_line"))


def _custom_lines_not_made():
    """Custom-orthotic order lines whose pair the lab has not marked made (no build, or not made)."""
    return OrderLine.objects.filter(product_kind=ProductKind.CUSTOM_ORTHOTIC).exclude(
        orthotic_build__made_at__isnull=False
    )


def order_custom_lines_not_made(*, order) -> list[str]:
    """Return the SKUs of the order's custom-orthotic lines whose pair the lab has not marked made."""
    return list(_custom_lines_not_made().filter(order=order).order_by("pk").values_list("sku", flat=True))


def orders_ready_to_ship(queryset):
    """Narrow an order queryset to those staff can ship now: paid, or in production with every pair made."""
    not_made = _custom_lines_not_made().filter(order=OuterRef("pk"))
    return queryset.filter(status__in=[OrderStatus.PAID, OrderStatus.IN_PRODUCTION]).exclude(Exists(not_made))


# --- a customer's fittings and builds, for their export and erasure (docs/privacy.md) -----------------
def customer_fittings(*, user) -> QuerySet[Fitting]:
    """Return the customer's fittings: their own, and anonymous ones on their orders."""
    return Fitting.objects.filter(Q(owner=user) | Q(order_line__order__user=user))


def customer_fittings_health_records(*, user) -> tuple[list, list]:
    """Return the ids of the assessments and footprints the customer's fittings were made from."""
    rows = customer_fittings(user=user).values_list(
        "assessment_id", "footprint_left_id", "footprint_right_id"
    )
    assessments, footprints = set(), set()
    for assessment_id, left_id, right_id in rows:
        assessments.add(assessment_id)
        footprints.update((left_id, right_id))
    return sorted(str(pk) for pk in assessments if pk), sorted(str(pk) for pk in footprints if pk)


def health_records_used_by_orders() -> tuple[list[QuerySet], list[QuerySet]]:
    """Return the ids of the assessments and footprints an ordered fitting was made from, as subqueries.

    A footprint counts through the fitting (either foot) and through the fitting's assessment. Each
    subquery leaves out empty links, so it may stand in ``NOT IN``.
    """
    ordered = Fitting.objects.filter(order_line__isnull=False)
    assessments = [ordered.filter(assessment__isnull=False).values("assessment_id")]
    footprints = [
        ordered.filter(footprint_left__isnull=False).values("footprint_left_id"),
        ordered.filter(footprint_right__isnull=False).values("footprint_right_id"),
        ordered.filter(assessment__footprint__isnull=False).values("assessment__footprint_id"),
    ]
    return assessments, footprints


def _decimal(value) -> str | None:
    return str(value) if value is not None else None


def fittings_export(*, user) -> dict:
    """Return the customer's fittings (measurements, prescription) and the lab's builds as plain values."""
    fittings = [
        {
            "id": str(fitting.pk),
            "created_at": fitting.created_at.isoformat(),
            "assessment": str(fitting.assessment_id) if fitting.assessment_id else None,
            "footprint_left": str(fitting.footprint_left_id) if fitting.footprint_left_id else None,
            "footprint_right": str(fitting.footprint_right_id) if fitting.footprint_right_id else None,
            "profile": fitting.profile,
            "leg_length_difference_mm": _decimal(fitting.leg_length_difference_mm),
            "foot_length_mm": _decimal(fitting.foot_length_mm),
            "foot_width_mm": _decimal(fitting.foot_width_mm),
            "shoe_type": fitting.shoe_type,
            "impression_kit": fitting.impression_kit,
            "impression_received_at": (
                fitting.impression_received_at.isoformat() if fitting.impression_received_at else None
            ),
            "prescription": export_path(fitting.prescription),
            "prescription_kind": fitting.prescription_kind,
            "order": fitting.order_line.order.number if fitting.order_line_id else None,
            "order_line": fitting.order_line_id,
            "remake_of": str(fitting.original_id) if fitting.original_id else None,
            "remake_comment": fitting.remake_comment,
        }
        for fitting in customer_fittings(user=user).select_related("order_line__order").order_by("created_at")
    ]
    builds = [
        {
            "order": build.order_line.order.number,
            "order_line": build.order_line_id,
            "sku": build.order_line.sku,
            "production_days": build.production_days,
            "shell": build.shell,
            "posting": build.posting,
            "top_cover": build.top_cover,
            "heel_lift_left_mm": build.heel_lift_left_mm,
            "heel_lift_right_mm": build.heel_lift_right_mm,
            "lab_notes": build.lab_notes,
            "made_at": build.made_at.isoformat() if build.made_at else None,
            "remake_of_order_line": build.remake_of.order_line_id if build.remake_of_id else None,
        }
        for build in OrthoticBuild.objects.filter(order_line__order__user=user)
        .select_related("order_line__order", "remake_of")
        .order_by("id")
    ]
    return {"fittings": fittings, "builds": builds}


def fittings_export_files(*, user) -> list[tuple[str, object]]:
    """Return the customer's prescriptions: ``(path in the export, stored file)`` pairs, each file once."""
    files = {}
    for fitting in customer_fittings(user=user):
        if fitting.prescription:
            files.setdefault(export_path(fitting.prescription), fitting.prescription)
    return list(files.items())


# --- the lab's queues (the admin dashboard) -----------------------------------------------------------
def builds_to_make() -> QuerySet[OrthoticBuild]:
    """Pairs the lab should make now: the order is in production and the pair is not made, oldest first."""
    return OrthoticBuild.objects.filter(
        made_at__isnull=True, order_line__order__status=OrderStatus.IN_PRODUCTION
    ).order_by("created_at", "id")


def impressions_awaited() -> QuerySet[Fitting]:
    """Fittings of paid orders waiting for the customer's foam impression to arrive, oldest first."""
    return Fitting.objects.filter(
        impression_kit=True,
        impression_received_at__isnull=True,
        order_line__order__status=OrderStatus.AWAITING_IMPRESSION,
    ).order_by("created_at")
