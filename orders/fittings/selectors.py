"""Reads for custom orthotics: who may see a fitting, the order's production estimate, the lab sheet."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalogue.choices import ProductKind
from catalogue.matching.selectors import owned_or_anonymous
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
