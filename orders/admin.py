"""Staff views of orders: the order's page acts (ship, deliver, cancel, refund, start a return), filters,
a search that finds an order by what a customer says on the phone, and the bulk ship/deliver actions.

Each act is a page at ``/admin/orders/order/<id>/act/<act>/`` with one form and one button; ``ORDER_ACTS``
holds each once: its form, the permission it needs, when the order's state offers it, and the service it
calls (``orders.services``, ``orders.returns.services``). The order's page shows the acts on offer.
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from orders.fittings.admin import CustomPairInline
from orders.fittings.selectors import order_custom_lines_not_made, orders_ready_to_ship
from orders.invoices.admin import OrderCreditNoteInline, OrderInvoiceInline
from orders.models import (
    CustomerAddressBook,
    Order,
    OrderLine,
    OrderStatusChange,
    Payment,
    Refund,
    ShippingMethod,
    WebhookEvent,
)
from orders.payments.webhooks import webhook_events_retry
from orders.returns import services as return_services
from orders.returns.admin import OrderReturnRequestInline, line_rights_html, refusal_text
from orders.returns.policy import (
    EXCHANGE_REASONS,
    REPLACEMENT_REASONS,
    RETURN_REASONS,
    WITHDRAWAL_REASONS,
    exchange_judged_as,
)
from orders.returns.selectors import order_lines_eligibility
from orders.returns.statuses import ReturnKind, ReturnReason
from orders.selectors import order_search
from orders.services.orders import order_cancel, order_deliver, order_ship
from orders.services.payments import refund_create, refundable_remaining
from orders.statuses import OrderStatus, RefundStatus, Role, is_allowed
from shop.admin import FastListMixin, ReadOnlyMixin
from shop.exceptions import ApplicationError
from shop.formats import address_lines, deadline_text

STATUS_LABELS = dict(OrderStatus.choices)


def status_label(code: str) -> str:
    return STATUS_LABELS.get(code, code) if code else "–"


class OrderLineInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["sku", "product_name", "size_label", "quantity", "unit_price", "line_total", "discount_total",
              "paid_total", "returnable", "return_days", "replacement_days", "delivered_at", "rights"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="rights (promise and law, as sold)")
    def rights(self, obj):
        return line_rights_html(obj)


class OrderStatusChangeInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderStatusChange
    extra = 0
    fields = ["when", "from_label", "to_label", "actor", "role", "note"]
    readonly_fields = fields
    verbose_name_plural = "history"

    @admin.display(description="when")
    def when(self, obj):
        return deadline_text(obj.created_at)

    @admin.display(description="from")
    def from_label(self, obj):
        return status_label(obj.from_status)

    @admin.display(description="to")
    def to_label(self, obj):
        return status_label(obj.to_status)


class PaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["created_at", "provider", "attempt", "provider_reference", "amount", "currency", "status",
              "amount_received", "failure_reason"]  # fmt: skip
    readonly_fields = fields


class RefundInline(ReadOnlyMixin, admin.TabularInline):
    model = Refund
    extra = 0
    fields = ["created_at", "amount", "currency", "status", "provider_reference", "reason", "created_by",
              "failure_reason"]  # fmt: skip
    readonly_fields = fields


class PaidFilter(admin.SimpleListFilter):
    title = "paid"
    parameter_name = "paid"

    def lookups(self, request, model_admin):
        return [("yes", "Paid"), ("no", "Not paid")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(paid_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(paid_at__isnull=True)
        return queryset


class AwaitingShipmentFilter(admin.SimpleListFilter):
    """Orders staff can ship now; the list then shows the one waiting longest first."""

    title = "awaiting shipment"
    parameter_name = "awaiting_shipment"

    def lookups(self, request, model_admin):
        return [("yes", "Awaiting shipment")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return orders_ready_to_ship(queryset)
        return queryset


# --- the acts on the order's page ---------------------------------------------------------------------
def carrier_choices() -> list[tuple[str, str]]:
    """The carriers of the shipping methods (the order's own first, then the others), for the ship form."""
    carriers = sorted({method.carrier for method in ShippingMethod.objects.all() if method.carrier})
    return [(carrier, carrier) for carrier in carriers]


class ActForm(forms.Form):
    """An act's form for one order; ``service_kwargs`` are what its service is called with."""

    def __init__(self, data=None, *, order: Order):
        self.order = order
        super().__init__(data, initial=self.initial_for(order))

    def initial_for(self, order: Order) -> dict:
        return {}

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ShipForm(ActForm):
    carrier = forms.ChoiceField(help_text="The carrier of the order's shipping method is chosen for you.")
    tracking_number = forms.CharField(max_length=100)

    def __init__(self, data=None, *, order: Order):
        super().__init__(data, order=order)
        self.fields["carrier"].choices = carrier_choices()

    def initial_for(self, order):
        method = ShippingMethod.objects.filter(code=order.shipping_method_code).first()
        return {"carrier": method.carrier if method else ""}


class DeliverForm(ActForm):
    delivered_at = forms.DateTimeField(
        label="Delivered at",
        help_text="As the carrier reports it (the shop's time zone); the return and replacement windows "
        "count from it.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )

    def initial_for(self, order):
        return {"delivered_at": timezone.localtime().replace(second=0, microsecond=0)}


class CancelForm(ActForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Reason (the customer reads it in the email)"
    )


class RefundForm(ActForm):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(max_length=200, label="Reason (recorded)")

    def initial_for(self, order):
        self.remaining = refundable_remaining(order=order)
        return {"amount": self.remaining}

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount > self.remaining:
            raise forms.ValidationError(
                f"At most {self.remaining} {self.order.currency} is left to refund on this order."
            )
        return amount


KIND_REASONS = {
    ReturnKind.RETURN: RETURN_REASONS,
    ReturnKind.REPLACEMENT: REPLACEMENT_REASONS,
    ReturnKind.WITHDRAWAL: WITHDRAWAL_REASONS,
    ReturnKind.EXCHANGE: EXCHANGE_REASONS,
}


class StartReturnForm(ActForm):
    """A return or replacement started by staff: per line how many units, and goodwill outside the window."""

    kind = forms.ChoiceField(choices=ReturnKind.choices, widget=forms.RadioSelect, initial=ReturnKind.RETURN)
    reason = forms.ChoiceField(choices=ReturnReason.choices)
    goodwill_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}),
        label="Goodwill reason",
        help_text="Needed when a window has closed or the item is not returnable: why the shop accepts it anyway.",
    )  # fmt: skip
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)")

    def __init__(self, data=None, *, order: Order):
        super().__init__(data, order=order)
        self.eligibility = order_lines_eligibility(lines=list(order.lines.all()))
        for line, eligibility in self.eligibility:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                min_value=0, max_value=eligibility.remaining_quantity, initial=0, required=False,
                label=f"{line.sku} units",
            )  # fmt: skip
            self.fields[f"line_{line.pk}_sku"] = forms.CharField(
                max_length=64, required=False, label=f"{line.sku}: exchange for (SKU)",
            )  # fmt: skip

    def line_rows(self):
        now = timezone.now()
        for line, eligibility in self.eligibility:
            yield {
                "line": line,
                "field": self[f"line_{line.pk}"],
                "sku_field": self[f"line_{line.pk}_sku"],
                "remaining": eligibility.remaining_quantity,
                "return_window": _window_text(eligibility.return_deadline, now, returnable=line.returnable),
                "replacement_window": _window_text(eligibility.replacement_deadline, now),
            }

    def clean(self):
        data = super().clean()
        kind, reason = data.get("kind"), data.get("reason")
        if kind and reason and reason not in KIND_REASONS.get(kind, ()):
            self.add_error(
                "reason",
                f"“{ReturnReason(reason).label}” is not a reason for a {ReturnKind(kind).label.lower()}.",
            )
        chosen = [(line, e, data.get(f"line_{line.pk}") or 0) for line, e in self.eligibility]
        chosen = [item for item in chosen if item[2] > 0]
        if not chosen:
            raise forms.ValidationError("Give the number of units for at least one line.")
        if kind and not (data.get("goodwill_reason") or "").strip():
            judged = exchange_judged_as(reason or "") if kind == ReturnKind.EXCHANGE else kind
            for line, eligibility, _quantity in chosen:
                blocked = [
                    code for code in eligibility.blocked(judged) if code != "quantity_exceeds_remaining"
                ]
                if blocked:
                    self.add_error(
                        "goodwill_reason",
                        f"{line.sku}: {refusal_text(blocked[0])} Give a goodwill reason to accept it anyway.",
                    )
        self.chosen = chosen
        return data

    def service_kwargs(self):
        return {
            "kind": self.cleaned_data["kind"],
            "reason": self.cleaned_data["reason"],
            "goodwill_reason": self.cleaned_data["goodwill_reason"],
            "note": self.cleaned_data["note"],
            "lines": [
                return_services.ReturnLineInput(
                    line_id=line.pk,
                    quantity=quantity,
                    replacement_sku=(self.cleaned_data.get(f"line_{line.pk}_sku") or "").strip()
                    if self.cleaned_data["kind"] == ReturnKind.EXCHANGE
                    else "",
                )
                for line, _eligibility, quantity in self.chosen
            ],
        }


def _window_text(deadline, now, *, returnable: bool = True) -> str:
    if not returnable:
        return "not returnable (goodwill only)"
    if deadline is None:
        return "not delivered yet"
    if deadline < now:
        return f"closed {deadline_text(deadline)} (goodwill only)"
    return f"open until {deadline_text(deadline)}"


def _shippable(order: Order) -> bool:
    return is_allowed(order.status, OrderStatus.SHIPPED, Role.STAFF) and not order_custom_lines_not_made(
        order=order
    )


def _returnable(order: Order) -> bool:
    return order.status == OrderStatus.DELIVERED


def _shipped_done(order, result, kwargs):
    return (
        f"Order {order.number} is shipped with {kwargs['carrier']} (tracking number "
        f"{kwargs['tracking_number']}); the customer has been sent the tracking details."
    )


def _delivered_done(order, result, kwargs):
    return f"Order {order.number} is marked delivered on {deadline_text(kwargs['delivered_at'])}."


def _cancelled_done(order, result, kwargs):
    return f"Order {order.number} is cancelled; its stock is back on sale and any payment taken is refunded."


def _refunded_done(order, result, kwargs):
    state = (
        "sent to the payment provider"
        if result.status == RefundStatus.PENDING
        else result.get_status_display().lower()
    )
    return f"A refund of {result.amount} {result.currency} for order {order.number} is {state}."


def _return_done(order, result, kwargs):
    goodwill = " as goodwill" if kwargs.get("goodwill_reason") else ""
    return (
        f"{result.get_kind_display()} {result} for order {order.number} is started and approved{goodwill}; "
        "refund it or mark the items received from its page."
    )


@dataclass(frozen=True)
class OrderAct:
    """One thing staff do from an order's page: its form, permission, when it is offered, its service."""

    title: str
    label: str
    form: type[ActForm]
    permission: str
    offered: object  # (order) -> bool
    service: object  # (order, actor, **form kwargs) -> result
    done: object  # (order, result, kwargs) -> str
    intro: str = ""
    not_offered: str = ""


ORDER_ACTS: dict[str, OrderAct] = {
    "ship": OrderAct(
        title="Ship order", label="Ship", form=ShipForm, permission="orders.ship_order", offered=_shippable,
        service=lambda order, actor, **kw: order_ship(order=order, actor=actor, **kw), done=_shipped_done,
        intro="Choose the carrier and type the tracking number from the label; the customer is emailed.",
        not_offered="This order cannot be shipped now: only paid orders (and custom pairs the lab has made) ship.",
    ),
    "deliver": OrderAct(
        title="Mark order delivered", label="Mark delivered", form=DeliverForm, permission="orders.ship_order",
        offered=lambda order: order.status == OrderStatus.SHIPPED,
        service=lambda order, actor, **kw: order_deliver(order=order, actor=actor, **kw), done=_delivered_done,
        intro="Give the time the carrier delivered it; the return and replacement windows start then.",
        not_offered="Only a shipped order can be marked delivered.",
    ),
    "cancel": OrderAct(
        title="Cancel order", label="Cancel order", form=CancelForm, permission="orders.cancel_order",
        offered=lambda order: is_allowed(order.status, OrderStatus.CANCELLED, Role.STAFF),
        service=lambda order, actor, **kw: order_cancel(order=order, actor=actor, role=Role.STAFF, **kw),
        done=_cancelled_done,
        intro="The stock goes back on sale and any payment taken is voided or refunded in full.",
        not_offered="This order cannot be cancelled any more: it has shipped or is already closed.",
    ),
    "refund": OrderAct(
        title="Refund order", label="Refund", form=RefundForm, permission="orders.refund_order",
        offered=lambda order: refundable_remaining(order=order) > 0,
        service=lambda order, actor, **kw: refund_create(order=order, actor=actor, **kw), done=_refunded_done,
        intro="Refund part or all of what is left; for returned items, refund the return request instead.",
        not_offered="Nothing is left to refund on this order.",
    ),
    "return": OrderAct(
        title="Start a return or replacement", label="Start a return or replacement", form=StartReturnForm,
        permission="returns.change_returnrequest", offered=_returnable,
        service=lambda order, actor, **kw: return_services.return_request_staff_start(order=order, actor=actor, **kw),
        done=_return_done,
        intro="For a customer who phones or writes: choose the units. Outside the window the shop may still "
              "accept it as goodwill, with a reason.",
        not_offered="Only a delivered order can be returned or replaced.",
    ),
}  # fmt: skip


def order_acts_available(order: Order, user) -> list[str]:
    """Return the acts ``user`` may take on ``order`` now."""
    return [name for name, act in ORDER_ACTS.items() if user.has_perm(act.permission) and act.offered(order)]


class OrderSearchMixin:
    """Find an order by number, email, name, postcode, phone, SKU or tracking number (``order_search``)."""

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(pk__in=order_search(search_term)), False


@admin.register(Order)
class OrderAdmin(FastListMixin, OrderSearchMixin, admin.ModelAdmin):
    list_display = ["number", "created_at", "email", "status", "total", "currency", "paid_at", "shipped_at",
                    "delivered_at", "needs_attention"]  # fmt: skip
    list_filter = ["status", ("created_at", admin.DateFieldListFilter), PaidFilter, AwaitingShipmentFilter,
                   "needs_attention"]  # fmt: skip
    search_fields = ["number"]  # see OrderSearchMixin
    search_help_text = "Order number, email, customer's name, postcode, phone, SKU or tracking number."
    list_per_page = 50
    list_select_related = ["user"]
    inlines = [OrderLineInline, CustomPairInline, OrderStatusChangeInline, PaymentInline, RefundInline,
               OrderReturnRequestInline, OrderInvoiceInline, OrderCreditNoteInline]  # fmt: skip
    actions = ["ship", "deliver"]
    readonly_fields = [
        "number", "user", "email", "status", "currency", "subtotal", "discount_code", "discount_total", "shipping_total", "total",
        "captured_total", "refunded_total", "shipping_address_text", "billing_address_text", "shipping_method_name",
        "carrier", "tracking_number", "replacement_for", "cancellation_reason", "created_at", "payment_deadline",
        "paid_at", "shipped_at", "delivered_at", "cancelled_at", "expired_at",
    ]  # fmt: skip
    fields = readonly_fields + ["needs_attention", "attention_note"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_ordering(self, request):
        if request.GET.get("awaiting_shipment") == "yes":
            return ["paid_at", "id"]  # the one waiting longest first
        return super().get_ordering(request)

    def save_model(self, request, obj, form, change):
        """Save only the staff note fields: a full save could overwrite a status a webhook just changed."""
        obj.save(update_fields=["needs_attention", "attention_note", "updated_at"])

    @admin.display(description="shipping address")
    def shipping_address_text(self, obj):
        return format_html_join(
            mark_safe("<br>"), "{}", ((line,) for line in address_lines(obj.shipping_address))
        )

    @admin.display(description="billing address")
    def billing_address_text(self, obj):
        lines = address_lines(obj.billing_address)
        if not lines:
            return "Same as the shipping address"
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = Order.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        acts = order_acts_available(order, request.user) if order else []
        extra_context = {
            **(extra_context or {}),
            "order_acts": [
                (name, ORDER_ACTS[name].label, reverse("admin:orders_order_act", args=[order.pk, name]))
                for name in acts
            ],
            "order_status_label": order.get_status_display() if order else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- the act pages --------------------------------------------------------------------------------
    def get_urls(self):
        return [
            path(
                "<int:pk>/act/<str:act>/", self.admin_site.admin_view(self.act_view), name="orders_order_act"
            ),
            *super().get_urls(),
        ]

    def act_view(self, request, pk, act):
        act_name, act = act, ORDER_ACTS.get(act)
        if act is None:
            raise Http404("No such act.")
        if not request.user.has_perm(act.permission):
            raise PermissionDenied
        order = Order.objects.filter(pk=pk).first()
        if order is None:
            raise Http404("No such order.")
        change_url = reverse("admin:orders_order_change", args=[order.pk])
        if not act.offered(order):
            self.message_user(request, f"Order {order.number}: {act.not_offered}", messages.WARNING)
            return HttpResponseRedirect(change_url)
        form = act.form(request.POST if request.method == "POST" else None, order=order)
        if request.method == "POST" and form.is_valid():
            kwargs = form.service_kwargs()
            try:
                result = act.service(order, request.user, **kwargs)
            except ApplicationError as error:
                self.message_user(request, f"Order {order.number}: {error.detail}", messages.ERROR)
            else:
                self.message_user(request, act.done(order, result, kwargs), messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{act.title} {order.number}",
            "intro": act.intro,
            "opts": self.model._meta,
            "original": order,
            "order": order,
            "status_label": order.get_status_display(),
            "address": address_lines(order.shipping_address),
            "act": act_name,
            "button_label": act.label,
            "form": form,
            "line_rows": list(form.line_rows()) if hasattr(form, "line_rows") else [],
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/orders/order/act.html", context)

    # --- the changelist actions (several orders at once) ---------------------------------------------
    @admin.action(description="Mark shipped (with carrier and tracking number)", permissions=["ship"])
    def ship(self, request, queryset: QuerySet[Order]):
        return self._per_order_action(
            request, queryset, action="ship", formset_class=ShipFormSet, initial={},
            title="Ship orders", submit="Mark shipped",
            intro="Enter the carrier and tracking number for each order. Only paid orders can be shipped.",
            service=order_ship, done=lambda order, kw: f"Order {order.number} is shipped with {kw['carrier']}.",
        )  # fmt: skip

    @admin.action(description="Mark delivered (with the delivery time)", permissions=["ship"])
    def deliver(self, request, queryset: QuerySet[Order]):
        now = timezone.localtime().replace(second=0, microsecond=0)
        return self._per_order_action(
            request, queryset, action="deliver", formset_class=DeliverFormSet, initial={"delivered_at": now},
            title="Deliver orders", submit="Mark delivered",
            intro="Enter when each order was delivered (the shop's time zone). Only shipped orders can be "
                  "delivered; the customer's return and replacement windows count from this time.",
            service=order_deliver,
            done=lambda order, kw: f"Order {order.number} is marked delivered on {deadline_text(kw['delivered_at'])}.",
        )  # fmt: skip

    def has_ship_permission(self, request):
        return request.user.has_perm("orders.ship_order")

    def _per_order_action(
        self, request, queryset, *, action, formset_class, initial, title, submit, intro, service, done
    ):
        """Ask for the action's fields for each selected order, then run ``service`` on each (one form row).

        Orders the act is not offered for (an order already shipped, say) get no form row, only a message.
        """
        offered = ORDER_ACTS[action].offered
        orders = {}
        for order in queryset:
            if offered(order):
                orders[order.number] = order
            else:
                self.message_user(
                    request, f"Order {order.number}: {ORDER_ACTS[action].not_offered}", messages.WARNING
                )
        if not orders:
            return None
        if "apply" in request.POST:
            formset = formset_class(request.POST, prefix=action)
            if formset.is_valid():
                for form in formset:
                    fields = dict(form.cleaned_data)
                    order = orders.get(fields.pop("order"))
                    if order is not None:
                        self._run(request, order, service, done, actor=request.user, **fields)
                return None
        else:
            formset = formset_class(
                prefix=action, initial=[{"order": number, **initial} for number in orders]
            )
        rows = [(orders.get(form["order"].value()), form) for form in formset.forms]
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "submit": submit,
            "action": action,
            "opts": self.model._meta,
            "formset": formset,
            "columns": [field.label for field in formset.empty_form.visible_fields()],
            "rows": rows,
            "queryset": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/orders/order/per_order_action.html", context)

    def _run(self, request, order, service, done, **kwargs):
        try:
            service(order=order, **kwargs)
        except ApplicationError as error:
            self.message_user(request, f"Order {order.number}: {error.detail}", messages.ERROR)
        else:
            kwargs.pop("actor", None)
            self.message_user(request, done(order, kwargs), messages.SUCCESS)


class BulkShipForm(forms.Form):
    order = forms.CharField(widget=forms.HiddenInput)
    carrier = forms.CharField(max_length=60)
    tracking_number = forms.CharField(max_length=100)


class BulkDeliverForm(forms.Form):
    order = forms.CharField(widget=forms.HiddenInput)
    delivered_at = DeliverForm.base_fields["delivered_at"]


ShipFormSet = forms.formset_factory(BulkShipForm, extra=0)
DeliverFormSet = forms.formset_factory(BulkDeliverForm, extra=0)


class OpenRefundFilter(admin.SimpleListFilter):
    title = "follow-up"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "Pending or failed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(status=RefundStatus.SUCCEEDED)
        return queryset


@admin.register(Payment)
class PaymentAdmin(FastListMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["order", "provider", "provider_reference", "amount", "currency", "status", "created_at"]
    list_filter = ["provider", "status"]
    search_fields = ["=order__number", "=provider_reference"]
    list_select_related = ["order"]


@admin.register(Refund)
class RefundAdmin(FastListMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["pk", "order", "amount", "currency", "status", "failure_reason", "provider_reference",
                    "created_at"]  # fmt: skip
    list_filter = [OpenRefundFilter, "status"]
    search_fields = ["=order__number", "=provider_reference"]
    list_select_related = ["order"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(FastListMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["event_id", "type", "status", "outcome", "attempts", "order", "received_at", "error"]
    list_filter = ["status", "type", "outcome"]
    search_fields = ["=event_id", "=order__number"]
    actions = ["process_again"]

    @admin.action(description="Process the selected failed events again")
    def process_again(self, request, queryset):
        count = webhook_events_retry(events=queryset)
        self.message_user(request, f"{count} failed event(s) queued to be processed again.", messages.SUCCESS)


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "carrier", "price", "delivery_days", "is_active", "position"]
    list_editable = ["is_active", "position"]


@admin.register(CustomerAddressBook)
class CustomerAddressBookAdmin(admin.ModelAdmin):
    list_display = ["user", "updated_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
