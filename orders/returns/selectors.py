"""Reads of return and replacement requests for the API, the admin, the services, the emails, and a
customer's export."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Prefetch, QuerySet, Sum
from django.utils import timezone

from catalogue.matching.selectors import export_path
from orders.models import ZERO, Order, OrderLine, Refund
from orders.returns import policy
from orders.returns.exceptions import ReturnPhotoNotFound, ReturnRequestNotFound
from orders.returns.models import ReturnLine, ReturnPhoto, ReturnRequest, ReturnStatusChange, StatutoryRight
from orders.returns.statuses import RETURN_AWAITING_STAFF, RETURN_REFUND_SETTLED, RETURN_RELEASED, ReturnKind
from orders.services.payments import refundable_remaining
from orders.statuses import RefundStatus
from shop.formats import seller_lines


def shop_tz() -> ZoneInfo:
    """Return the shop's time zone: the windows close at the end of a day there."""
    return ZoneInfo(settings.TIME_ZONE)


def _return_request_queryset() -> QuerySet[ReturnRequest]:
    return ReturnRequest.objects.select_related("order", "replacement_order").prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line").order_by("id")),
        Prefetch("status_changes", queryset=ReturnStatusChange.objects.order_by("created_at", "id")),
        Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "id")),
        "photos",
    )


def return_request_list(*, user) -> QuerySet[ReturnRequest]:
    """Return the customer's return and replacement requests, newest first, with what the list shows."""
    return _return_request_queryset().filter(order__user=user).order_by("-requested_at", "-id")


def return_request_get(*, request_id: int, user=None, email: str | None = None) -> ReturnRequest:
    """Return a request its reader may see (the order's owner, staff, or a guest giving the order's email).

    Anything else is ``return_request_not_found`` (404), never 403.
    """
    request = _return_request_queryset().filter(pk=request_id).first()
    if request is None:
        raise ReturnRequestNotFound()
    order = request.order
    if getattr(user, "is_authenticated", False) and (user.is_staff or order.user_id == user.pk):
        return request
    if order.user_id is None and email and email.strip().lower() == order.email.lower():
        return request
    raise ReturnRequestNotFound()


def return_photo_get(*, return_request: ReturnRequest, photo_id: int) -> ReturnPhoto:
    """Return one of the request's photos (read the request with ``return_request_get`` first).

    A photo of another request is ``return_photo_not_found`` (404), like one that does not exist.
    """
    photo = next((photo for photo in return_request.photos.all() if photo.pk == photo_id), None)
    if photo is None:
        raise ReturnPhotoNotFound()
    return photo


def claimed_quantities(*, line_ids, exclude_request_id: int | None = None) -> dict[int, int]:
    """Return units of each order line in open or accepted requests (return and replacement together)."""
    rows = ReturnLine.objects.filter(order_line_id__in=line_ids).exclude(
        return_request__status__in=RETURN_RELEASED
    )
    if exclude_request_id is not None:
        rows = rows.exclude(return_request_id=exclude_request_id)
    totals = rows.values("order_line_id").annotate(units=Sum("quantity"))
    return {row["order_line_id"]: row["units"] for row in totals}


def destination_for_country(country: str) -> policy.Destination | None:
    """Return the statutory rights of the destination ``country`` belongs to, or None (the promise only).

    The rights table (a handful of rows) comes from the cache (``StatutoryRight.objects.cached``); the
    country lists are matched here, the same way on every database.
    """
    country = (country or "").upper()
    row = next((row for row in StatutoryRight.objects.cached() if country in row.countries), None)
    if row is None:
        return None
    return policy.Destination(
        code=row.code,
        name=row.name,
        withdrawal_days=row.withdrawal_days,
        withdrawal_basis=row.withdrawal_basis,
        exempt_made_to_specification=row.exempt_made_to_specification,
        made_to_specification_basis=row.made_to_specification_basis,
        exempt_sealed_hygiene=row.exempt_sealed_hygiene,
        sealed_hygiene_basis=row.sealed_hygiene_basis,
        delivery_refunded=row.delivery_refunded,
        refund_due_days=row.refund_due_days,
        refund_basis=row.refund_basis,
        guarantee_months=row.guarantee_months,
        guarantee_remedies=row.guarantee_remedies,
        guarantee_basis=row.guarantee_basis,
        reject_days=row.reject_days,
        reject_basis=row.reject_basis,
    )


def line_terms(line: OrderLine, claimed: int = 0) -> policy.LineTerms:
    """Return what ``line`` promised when it was sold and the law it was sold under, with ``claimed``
    units already in requests."""
    return policy.terms_of(line, claimed)


def order_rights(*, lines: list[OrderLine]) -> list[dict]:
    """Return the rights that apply to an order in customer words (``policy.order_rights``), now."""
    return policy.order_rights(lines=lines, now=timezone.now(), tz=shop_tz())


def withdrawal_form() -> dict:
    """Return the model withdrawal form addressed to the shop (``policy.withdrawal_form``)."""
    return policy.withdrawal_form(trader=", ".join(seller_lines()), email=settings.SHOP_SELLER_EMAIL)


def return_request_refund_overdue(*, return_request: ReturnRequest, now: datetime | None = None) -> bool:
    """Return whether a withdrawal's refund is past its due date and not yet made."""
    return policy.refund_overdue(
        due_by=return_request.refund_due_by,
        now=now or timezone.now(),
        settled=return_request.status in RETURN_REFUND_SETTLED,
    )


def order_lines_eligibility(
    *, lines: list[OrderLine], at: datetime | None = None
) -> list[tuple[OrderLine, policy.LineEligibility]]:
    """Return each line with what can still be returned or replaced at ``at`` (default now), and why not."""
    at = at or timezone.now()
    claimed = claimed_quantities(line_ids=[line.pk for line in lines])
    tz = shop_tz()
    return [
        (
            line,
            policy.line_eligibility(terms=line_terms(line, claimed.get(line.pk, 0)), requested_at=at, tz=tz),
        )
        for line in lines
    ]


def return_line_eligibility_at_request(
    *, return_line: ReturnLine, requested_at: datetime
) -> policy.LineEligibility:
    """Return the line's deadlines and what the rules said when the request reached the shop (its own units aside)."""
    return policy.line_eligibility(
        terms=line_terms(return_line.order_line), requested_at=requested_at, tz=shop_tz()
    )


def refund_to_resend(*, refunds: list[Refund]) -> Refund | None:
    """Return the request's refund still pending at the provider, which a repeated refund sends again."""
    return next((refund for refund in refunds if refund.status == RefundStatus.PENDING), None)


def return_request_refund_repeatable(*, refunds: list[Refund]) -> bool:
    """Return whether a refunded request may be refunded again.

    Only to send its pending refund once more (same idempotency key), or, when every refund it had
    failed at the provider, to try a new one; a request whose money went back is never refunded twice.
    """
    return refund_to_resend(refunds=refunds) is not None or (
        bool(refunds) and all(refund.status == RefundStatus.FAILED for refund in refunds)
    )


def units_refunded_before(*, order: Order, exclude: ReturnRequest | None = None) -> dict[int, int]:
    """Return, per order line id, the units other requests of the order have been refunded for (a refund
    pending or succeeded): the refund quote counts a line's remaining cents after theirs."""
    requests = (
        ReturnRequest.objects.filter(
            order=order, refunds__status__in=[RefundStatus.PENDING, RefundStatus.SUCCEEDED]
        )
        .exclude(pk=exclude.pk if exclude is not None else None)
        .values("pk")
    )
    units: dict[int, int] = {}
    for line_id, quantity, received in ReturnLine.objects.filter(return_request__in=requests).values_list(
        "order_line_id", "quantity", "received_quantity"
    ):
        units[line_id] = units.get(line_id, 0) + (received if received is not None else quantity)
    return units


def return_request_refund_quote(
    *, return_request: ReturnRequest, order: Order | None = None
) -> policy.RefundQuote:
    """Return what refunding this request gives back now, per the policy, capped at what is refundable.

    The one computation of a request's refund (items, shipping, deductions): the refund step, the
    admin's quote and any document showing the refund read it.

    ``order`` is the request's order as the caller holds it (locked, when the refund is being written);
    by default the request's own.
    """
    order = order or return_request.order
    lines = list(return_request.lines.select_related("order_line"))
    withdrawal = return_request.kind == ReturnKind.WITHDRAWAL
    accepted = {
        line.order_line_id: line.received_quantity if line.received_quantity is not None else line.quantity
        for line in lines
    }
    ordered = dict(order.lines.values_list("pk", "quantity"))
    earlier = units_refunded_before(order=order, exclude=return_request)
    return policy.refund_quote(
        lines=[
            policy.RefundLine(
                unit_price=line.order_line.unit_price,
                quantity=accepted[line.order_line_id],
                ordered_quantity=line.order_line.quantity,
                deduction=line.deduction if withdrawal else ZERO,
                paid_total=line.order_line.paid_total,
                earlier=earlier.get(line.order_line_id, 0),
            )
            for line in lines
        ],
        whole_order=policy.is_whole_order(ordered=ordered, returned=accepted),
        reason=return_request.reason,
        shipping_total=order.shipping_total,
        refundable=refundable_remaining(order=order),
        kind=return_request.kind,
        delivery_refunded=withdrawal
        and bool(lines)
        and all(policy.Law.from_json(line.order_line.statutory_rights).delivery_refunded for line in lines),
    )


@dataclass(frozen=True)
class ReplacementWindow:
    """A replacement promise some lines share: its days and, once they are delivered, its deadline."""

    days: int
    closes_at: datetime | None
    product_names: tuple[str, ...]


def replacement_windows(
    *, lines: list[OrderLine], product_kind: str | None = None
) -> list[ReplacementWindow]:
    """Return the replacement windows the lines (of ``product_kind``) were sold with, each once.

    The days are the ones copied onto each line at purchase, never the shop's current setting; the
    deadline (``policy.window_closes_at``) is known once the line has been delivered.
    """
    windows: dict[tuple[int, datetime | None], list[str]] = {}
    for line in lines:
        if product_kind is not None and line.product_kind != product_kind:
            continue
        closes_at = (
            policy.window_closes_at(delivered_at=line.delivered_at, days=line.replacement_days, tz=shop_tz())
            if line.delivered_at
            else None
        )
        names = windows.setdefault((line.replacement_days, closes_at), [])
        if line.product_name not in names:
            names.append(line.product_name)
    return [
        ReplacementWindow(days=days, closes_at=closes_at, product_names=tuple(names))
        for (days, closes_at), names in windows.items()
    ]


# --- a customer's requests, for their export and erasure (docs/privacy.md) ---------------------------
def customer_return_requests(*, user) -> QuerySet[ReturnRequest]:
    """Return the requests on the customer's orders, oldest first, with lines, photos and history."""
    return _return_request_queryset().filter(order__user=user).order_by("requested_at", "id")


def customer_return_requests_under_way(*, user) -> list[int]:
    """Return the ids of the customer's requests that staff still have to act on."""
    return list(
        ReturnRequest.objects.filter(order__user=user, status__in=RETURN_AWAITING_STAFF)
        .order_by("requested_at")
        .values_list("pk", flat=True)
    )


def returns_export(*, user) -> dict:
    """Return the customer's return and replacement requests (lines, photos, history) as plain values."""
    requests = [
        {
            "id": request.pk,
            "order": request.order.number,
            "kind": request.kind,
            "status": request.status,
            "reason": request.reason,
            "comment": request.comment,
            "requested_at": request.requested_at.isoformat(),
            "rejection_reason": request.rejection_reason,
            "replacement_order": request.replacement_order.number if request.replacement_order else None,
            "refunds": [refund.pk for refund in request.refunds.all()],
            "lines": [
                {
                    "order_line": line.order_line_id,
                    "sku": line.order_line.sku,
                    "quantity": line.quantity,
                    "replacement_sku": line.replacement_sku,
                    "received_quantity": line.received_quantity,
                }
                for line in request.lines.all()
            ],
            "photos": [
                {
                    "image": export_path(photo.image),
                    "thumbnail": export_path(photo.thumbnail),
                    "uploaded_at": photo.uploaded_at.isoformat(),
                }
                for photo in request.photos.all()
            ],
            "history": [
                {
                    "from_status": change.from_status,
                    "to_status": change.to_status,
                    "at": change.created_at.isoformat(),
                    "note": change.note,
                }
                for change in request.status_changes.all()
            ],
        }
        for request in customer_return_requests(user=user)
    ]
    return {"return_requests": requests}


def returns_export_files(*, user) -> list[tuple[str, object]]:
    """Return the customer's return photos: ``(path in the export, stored file)`` pairs."""
    return [
        (export_path(field_file), field_file)
        for photo in ReturnPhoto.objects.filter(return_request__order__user=user).order_by("pk")
        for field_file in (photo.image, photo.thumbnail)
        if field_file
    ]


def return_requests_awaiting_staff() -> QuerySet[ReturnRequest]:
    """Requests a member of staff must act on, the one whose window closes first at the top."""
    return ReturnRequest.objects.filter(status__in=RETURN_AWAITING_STAFF).order_by(
        F("window_closes_at").asc(nulls_last=True), "id"
    )


@dataclass(frozen=True)
class ProductReasonRow:
    """One product's returned units per reason, for the admin's report."""

    product_id: int | None
    product_name: str
    counts: dict[str, int]  # reason -> units
    total: int
    fit_total: int  # of those, units sent back for a fit reason (``policy.FIT_REASONS``)


def return_reasons_by_product(*, since: datetime | None = None) -> list[ProductReasonRow]:
    """Return, per product, the units asked back for each reason (cancelled requests left out), most first.

    One grouped query; ``since`` limits it to requests made from then on.
    """
    lines = ReturnLine.objects.exclude(return_request__status__in=RETURN_RELEASED)
    if since is not None:
        lines = lines.filter(return_request__requested_at__gte=since)
    grouped = (
        lines.values("order_line__product_id", "order_line__product_name", "return_request__reason")
        .annotate(units=Sum("quantity"))
        .order_by("order_line__product_id", "return_request__reason")
    )
    rows: dict[int | None, dict] = {}
    for item in grouped:
        row = rows.setdefault(
            item["order_line__product_id"], {"name": item["order_line__product_name"], "counts": {}}
        )
        reason = item["return_request__reason"]
        row["counts"][reason] = row["counts"].get(reason, 0) + item["units"]
    result = [
        ProductReasonRow(
            product_id=product_id,
            product_name=row["name"],
            counts=row["counts"],
            total=sum(row["counts"].values()),
            fit_total=sum(n for reason, n in row["counts"].items() if policy.is_fit_reason(reason)),
        )
        for product_id, row in rows.items()
    ]
    result.sort(key=lambda r: (-r.total, r.product_name))
    return result
