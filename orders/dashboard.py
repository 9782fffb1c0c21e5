"""The back office's first page: today's work, each count opening the list it counts.

Every panel reads one selector of its domain app (the queue's one definition) and is shown only to
staff who may view what it lists. Counts stop at ``COUNT_CAP`` (``SELECT count(*) FROM (... LIMIT n)``)
so that a large table is never counted in full; the few oldest rows of the main queues are listed.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from catalogue.stock import out_of_stock_variants
from orders.fittings.selectors import builds_to_make, impressions_awaited, related_or_none
from orders.returns.selectors import return_requests_awaiting_staff
from orders.selectors import express_method_codes, orders_needing_attention, orders_to_ship, refunds_open
from shop.formats import deadline_text, waited_text

COUNT_CAP = 1000
ROWS = 5


@dataclass
class Row:
    label: str
    url: str
    detail: str = ""
    flag: str = ""
    action_label: str = ""
    action_url: str = ""


@dataclass
class Panel:
    key: str
    title: str
    count: int
    url: str
    empty: str
    rows: list[Row] = field(default_factory=list)

    @property
    def count_text(self) -> str:
        return f"{COUNT_CAP - 1}+" if self.count >= COUNT_CAP else str(self.count)


def capped_count(queryset) -> int:
    """Count up to ``COUNT_CAP`` rows (``COUNT_CAP`` meaning "at least that many")."""
    return queryset.order_by()[:COUNT_CAP].count()


def _list_url(name: str, **params) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _build_url(build) -> str:
    """The pair's fitting sheet (where the lab records and marks it made), else the build's page."""
    fitting = related_or_none(build.order_line, "fitting")
    if fitting is not None:
        return reverse("admin:fittings_fitting_sheet", args=[fitting.pk])
    return reverse("admin:fittings_orthoticbuild_change", args=[build.pk])


def dashboard_panels(user) -> list[Panel]:
    """Return the panels ``user`` may see, in the order the day's work is done."""
    now = timezone.now()
    panels: list[Panel] = []
    if user.has_perm("orders.view_order"):
        queue = orders_to_ship()
        express = express_method_codes()
        may_ship = user.has_perm("orders.ship_order")
        rows = [
            Row(
                label=order.number,
                url=reverse("admin:orders_order_change", args=[order.pk]),
                detail=f"{order.shipping_method_name} · paid {deadline_text(order.paid_at)} · "
                f"waiting {waited_text(order.paid_at, now=now)}",
                flag="Express" if order.shipping_method_code in express else "",
                action_label="Ship" if may_ship else "",
                action_url=reverse("admin:orders_order_act", args=[order.pk, "ship"]) if may_ship else "",
            )
            for order in queue.only(
                "pk", "number", "paid_at", "shipping_method_code", "shipping_method_name"
            )[:ROWS]
        ]
        panels.append(
            Panel("to-ship", "Orders to ship", capped_count(queue),
                  _list_url("orders_order", awaiting_shipment="yes"), "Nothing waits to be shipped.", rows)
        )  # fmt: skip
    if user.has_perm("fittings.view_orthoticbuild"):
        builds = builds_to_make()
        rows = [
            Row(
                label=f"{build.order_line.product_name} · order {build.order_line.order.number}",
                url=_build_url(build),
                detail=f"in the queue since {deadline_text(build.created_at)}",
            )
            for build in builds.select_related("order_line__order", "order_line__fitting")[:ROWS]
        ]
        panels.append(
            Panel("to-make", "Custom pairs to make", capped_count(builds),
                  _list_url("fittings_orthoticbuild", queue="make"), "The lab has nothing to make.", rows)
        )  # fmt: skip
    if user.has_perm("fittings.view_fitting"):
        awaited = impressions_awaited()
        panels.append(
            Panel("impressions", "Impressions awaited", capped_count(awaited),
                  _list_url("fittings_fitting", impression="awaited"), "No impression is awaited.")
        )  # fmt: skip
    if user.has_perm("returns.view_returnrequest"):
        returns = return_requests_awaiting_staff()
        rows = [
            Row(
                label=f"{request} · order {request.order.number}",
                url=reverse("admin:returns_returnrequest_change", args=[request.pk]),
                detail=f"{request.get_kind_display()} · {request.get_status_display()} · "
                f"{request.get_reason_display()}",
                flag=f"window closes {deadline_text(request.window_closes_at)}"
                if request.window_closes_at
                else "",
            )
            for request in returns.select_related("order")[:ROWS]
        ]
        panels.append(
            Panel("returns", "Returns awaiting staff", capped_count(returns),
                  _list_url("returns_returnrequest", awaiting_action="yes"), "No request waits for staff.", rows)
        )  # fmt: skip
    if user.has_perm("orders.view_refund"):
        panels.append(
            Panel("refunds", "Refunds pending or failed", capped_count(refunds_open()),
                  _list_url("orders_refund", open="yes"), "Every refund went through.")
        )  # fmt: skip
    if user.has_perm("orders.view_order"):
        panels.append(
            Panel("attention", "Orders needing attention", capped_count(orders_needing_attention()),
                  _list_url("orders_order", needs_attention__exact="1"), "No order is flagged.")
        )  # fmt: skip
    if user.has_perm("catalogue.view_productvariant"):
        panels.append(
            Panel("out-of-stock", "Sizes out of stock", capped_count(out_of_stock_variants()),
                  _list_url("catalogue_productvariant", stock="out"), "Every size on sale is in stock.")
        )  # fmt: skip
    return panels
