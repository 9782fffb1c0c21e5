"""Staff views of orders: lines and history inline, filters, and ship/deliver actions through the services."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.utils import timezone

from orders.fittings.admin import CustomPairInline
from orders.fittings.selectors import orders_ready_to_ship
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
from orders.services.orders import order_deliver, order_ship
from shop.exceptions import ApplicationError


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["sku", "product_name", "size_label", "quantity", "unit_price", "line_total", "returnable",
              "return_days", "replacement_days", "delivered_at"]  # fmt: skip
    readonly_fields = fields


class OrderStatusChangeInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderStatusChange
    extra = 0
    fields = ["created_at", "from_status", "to_status", "actor", "role", "note"]
    readonly_fields = fields
    verbose_name_plural = "history"


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
    title = "awaiting shipment"
    parameter_name = "awaiting_shipment"

    def lookups(self, request, model_admin):
        return [("yes", "Awaiting shipment")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return orders_ready_to_ship(queryset)
        return queryset


class ShipForm(forms.Form):
    order = forms.CharField(widget=forms.HiddenInput)
    carrier = forms.CharField(max_length=60)
    tracking_number = forms.CharField(max_length=100)


class DeliverForm(forms.Form):
    order = forms.CharField(widget=forms.HiddenInput)
    delivered_at = forms.DateTimeField(
        label="Delivered at",
        help_text="As the carrier reports it; the return and replacement windows count from it.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )


ShipFormSet = forms.formset_factory(ShipForm, extra=0)
DeliverFormSet = forms.formset_factory(DeliverForm, extra=0)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "created_at", "email", "status", "total", "currency", "paid_at", "shipped_at",
                    "delivered_at", "needs_attention"]  # fmt: skip
    list_filter = ["status", ("created_at", admin.DateFieldListFilter), PaidFilter, AwaitingShipmentFilter,
                   "needs_attention"]  # fmt: skip
    search_fields = ["=number", "email"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    inlines = [OrderLineInline, CustomPairInline, OrderStatusChangeInline, PaymentInline, RefundInline]
    actions = ["ship", "deliver"]
    readonly_fields = [
        "number", "user", "email", "status", "currency", "subtotal", "shipping_total", "total",
        "captured_total", "refunded_total", "shipping_address", "billing_address", "shipping_method_code",
        "shipping_method_name", "carrier", "tracking_number", "replacement_for", "cancellation_reason",
        "created_at", "payment_deadline", "paid_at", "shipped_at", "delivered_at", "cancelled_at", "expired_at",
    ]  # fmt: skip
    fields = readonly_fields + ["needs_attention", "attention_note"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Save only the staff note fields: a full save could overwrite a status a webhook just changed."""
        obj.save(update_fields=["needs_attention", "attention_note", "updated_at"])

    @admin.action(description="Mark shipped (with carrier and tracking number)")
    def ship(self, request, queryset: QuerySet[Order]):
        return self._per_order_action(
            request, queryset, action="ship", formset_class=ShipFormSet, initial={},
            title="Ship orders", submit="Mark shipped",
            intro="Enter the carrier and tracking number for each order. Only paid orders can be shipped.",
            service=order_ship,
        )  # fmt: skip

    @admin.action(description="Mark delivered (with the delivery time)")
    def deliver(self, request, queryset: QuerySet[Order]):
        now = timezone.localtime().replace(second=0, microsecond=0)
        return self._per_order_action(
            request, queryset, action="deliver", formset_class=DeliverFormSet, initial={"delivered_at": now},
            title="Deliver orders", submit="Mark delivered",
            intro="Enter when each order was delivered (the shop's time zone). Only shipped orders can be "
                  "delivered; the customer's return and replacement windows count from this time.",
            service=order_deliver,
        )  # fmt: skip

    def _per_order_action(
        self, request, queryset, *, action, formset_class, initial, title, submit, intro, service
    ):
        """Ask for the action's fields for each selected order, then run ``service`` on each (one form row)."""
        orders = {order.number: order for order in queryset}
        if "apply" in request.POST:
            formset = formset_class(request.POST, prefix=action)
            if formset.is_valid():
                for form in formset:
                    fields = dict(form.cleaned_data)
                    order = orders.get(fields.pop("order"))
                    if order is not None:
                        self._run(request, order, service, actor=request.user, **fields)
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

    def _run(self, request, order, service, **kwargs):
        try:
            service(order=order, **kwargs)
        except ApplicationError as error:
            self.message_user(request, f"{order.number}: {error.detail}", messages.ERROR)
        else:
            self.message_user(request, f"{order.number}: done.", messages.SUCCESS)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["order", "provider", "provider_reference", "amount", "currency", "status", "created_at"]
    list_filter = ["provider", "status"]
    search_fields = ["order__number", "provider_reference"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


@admin.register(Refund)
class RefundAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["pk", "order", "amount", "currency", "status", "provider_reference", "created_at"]
    list_filter = ["status"]
    search_fields = ["order__number", "provider_reference"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["event_id", "type", "outcome", "order", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id", "order__number"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "price", "delivery_days", "is_active", "position"]
    list_editable = ["is_active", "position"]


@admin.register(CustomerAddressBook)
class CustomerAddressBookAdmin(admin.ModelAdmin):
    list_display = ["user", "updated_at"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


# --- Returns and replacements (issue 5) ---------------------------------------------------------------
# Staff work a request from its page: each step is a confirmation page at a stable URL,
# /admin/orders/returnrequest/<id>/<step>/, with one clearly labelled button, running the service.
# The changelist actions of the same names lead there (or, for approve and close, work on several).
from datetime import timedelta  # noqa: E402

from django.http import HttpResponseRedirect  # noqa: E402
from django.urls import re_path, reverse  # noqa: E402
from django.utils.html import format_html, format_html_join  # noqa: E402

from orders.models import ReturnLine, ReturnPhoto, ReturnRequest, ReturnStatusChange  # noqa: E402
from orders.services import returns as return_services  # noqa: E402
from orders.statuses import RETURN_AWAITING_STAFF, ReturnKind, ReturnStatus, Role, return_next_statuses  # noqa: E402

DEADLINE_SOON = timedelta(days=2)


class ReturnLineInline(ReadOnlyMixin, admin.TabularInline):
    model = ReturnLine
    extra = 0
    fields = ["sku", "product", "quantity", "replacement_sku", "received_quantity", "restock", "deadlines"]
    readonly_fields = fields

    @admin.display(description="SKU")
    def sku(self, obj):
        return obj.order_line.sku

    @admin.display(description="product")
    def product(self, obj):
        return f"{obj.order_line.product_name} ({obj.order_line.size_label})"

    @admin.display(description="deadlines (and refusals when requested)")
    def deadlines(self, obj):
        eligibility = return_services.return_line_eligibility_at_request(
            return_line=obj, requested_at=obj.return_request.requested_at
        )
        return _deadlines_text(eligibility)


class ReturnPhotoInline(ReadOnlyMixin, admin.TabularInline):
    model = ReturnPhoto
    extra = 0
    fields = ["preview", "uploaded_at", "width", "height"]
    readonly_fields = fields

    @admin.display(description="photo")
    def preview(self, obj):
        return format_html(
            '<a href="{}" target="_blank"><img src="{}" alt="Return photo {}" style="max-height:120px"></a>',
            obj.image.url,
            obj.thumbnail.url,
            obj.pk,
        )


class ReturnStatusChangeInline(ReadOnlyMixin, admin.TabularInline):
    model = ReturnStatusChange
    extra = 0
    fields = ["created_at", "from_status", "to_status", "actor", "role", "note"]
    readonly_fields = fields
    verbose_name_plural = "history"


def _deadlines_text(eligibility) -> str:
    def local(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S.%f %Z") if value else "–"

    blocked = sorted(set(eligibility.return_reasons_blocked + eligibility.replacement_reasons_blocked))
    text = f"return until {local(eligibility.return_deadline)}; replace until {local(eligibility.replacement_deadline)}"
    return f"{text} [{', '.join(blocked)}]" if blocked else text


class AwaitingActionFilter(admin.SimpleListFilter):
    title = "awaiting action"
    parameter_name = "awaiting_action"

    def lookups(self, request, model_admin):
        return [("yes", "Awaiting staff action")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status__in=RETURN_AWAITING_STAFF)
        return queryset


class DeadlineSoonFilter(admin.SimpleListFilter):
    """Open requests whose window closes within two days: decide them while the customer can still ask again."""

    title = "deadline"
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("soon", "Window closes within 2 days"), ("passed", "Window closed")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "soon":
            return queryset.filter(
                status__in=RETURN_AWAITING_STAFF,
                window_closes_at__gte=now,
                window_closes_at__lte=now + DEADLINE_SOON,
            )
        if self.value() == "passed":
            return queryset.filter(window_closes_at__lt=now)
        return queryset


class ReturnNoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)")


class ReturnRejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason (the customer sees it)")


class ReturnGoodwillForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Goodwill reason (recorded)")


class ReturnRefundForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note")


class ReturnReplaceForm(forms.Form):
    carrier = forms.CharField(max_length=60, required=False)
    tracking_number = forms.CharField(max_length=100, required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)")

    def clean(self):
        data = super().clean()
        if bool(data.get("carrier")) != bool(data.get("tracking_number")):
            raise forms.ValidationError("Give both the carrier and the tracking number, or neither.")
        return data


class ReturnReceiveLineForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    received_quantity = forms.IntegerField(min_value=0)
    restock = forms.BooleanField(required=False, label="Back to stock")


ReturnReceiveFormSet = forms.formset_factory(ReturnReceiveLineForm, extra=0)

# step -> (title, button label, target status)
RETURN_STEPS = {
    "approve": ("Approve request", "Approve", ReturnStatus.APPROVED),
    "reject": ("Reject request", "Reject", ReturnStatus.REJECTED),
    "receive": ("Mark items received", "Mark received", ReturnStatus.RECEIVED),
    "refund": ("Refund request", "Refund", ReturnStatus.REFUNDED),
    "replace": (
        "Create and ship replacement",
        "Create and ship replacement",
        ReturnStatus.REPLACEMENT_SHIPPED,
    ),
    "close": ("Close request", "Close request", ReturnStatus.CLOSED),
    "goodwill": ("Goodwill override", "Approve as goodwill", ReturnStatus.APPROVED),
}


def return_steps_available(return_request: ReturnRequest) -> list[str]:
    """Return the steps staff can take on the request now (the status table decides)."""
    targets = set(return_next_statuses(return_request.status, Role.STAFF, return_request.kind))
    steps = []
    for step, (_title, _label, target) in RETURN_STEPS.items():
        if target not in targets:
            continue
        if step == "approve" and return_request.status != ReturnStatus.REQUESTED:
            continue
        if step == "refund" and return_request.replacement_order_id:
            continue
        steps.append(step)
    return steps


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = ["__str__", "order_number", "email", "kind", "status", "reason", "requested_at",
                    "window_closes_at"]  # fmt: skip
    list_filter = ["status", "kind", AwaitingActionFilter, DeadlineSoonFilter]
    search_fields = ["=order__number", "order__email"]
    list_select_related = ["order"]
    date_hierarchy = "requested_at"
    inlines = [ReturnLineInline, ReturnPhotoInline, ReturnStatusChangeInline]
    actions = ["approve", "reject", "receive", "refund", "replace", "close", "goodwill"]
    readonly_fields = ["order_summary", "kind", "status", "reason", "comment", "requested_at", "window_closes_at",
                       "rejection_reason", "goodwill_reason", "goodwill_by", "refund_list", "replacement",
                       "next_steps"]  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "replacement_order")

    def save_model(self, request, obj, form, change):
        """Save nothing: every field is read-only and changes go through the step pages (the services)."""

    @admin.display(description="order", ordering="order__number")
    def order_number(self, obj):
        return obj.order.number

    @admin.display(description="email", ordering="order__email")
    def email(self, obj):
        return obj.order.email

    @admin.display(description="order")
    def order_summary(self, obj):
        order = obj.order
        url = reverse("admin:orders_order_change", args=[order.pk])
        return format_html(
            '<a href="{}">{}</a> · {} · {} · delivered {} · captured {} · refunded {} {}',
            url, order.number, order.email, order.get_status_display(),
            timezone.localtime(order.delivered_at).strftime("%Y-%m-%d %H:%M %Z") if order.delivered_at else "–",
            order.captured_total, order.refunded_total, order.currency,
        )  # fmt: skip

    @admin.display(description="refunds")
    def refund_list(self, obj):
        refunds = list(obj.refunds.all())
        if not refunds:
            return "–"
        return format_html_join(
            ", ", "#{} {} {} ({})", ((r.pk, r.amount, r.currency, r.status) for r in refunds)
        )

    @admin.display(description="replacement order")
    def replacement(self, obj):
        order = obj.replacement_order
        if order is None:
            return "–"
        url = reverse("admin:orders_order_change", args=[order.pk])
        return format_html('<a href="{}">{}</a> ({})', url, order.number, order.get_status_display())

    @admin.display(description="next steps")
    def next_steps(self, obj):
        steps = return_steps_available(obj)
        if not steps:
            return "–"
        return format_html_join(
            " ",
            '<a class="button" href="{}">{}</a>',
            (
                (reverse("admin:orders_returnrequest_step", args=[obj.pk, step]), _step_label(obj, step))
                for step in steps
            ),
        )

    # --- the step pages -------------------------------------------------------------------------------
    def get_urls(self):
        return [
            re_path(
                rf"^(?P<pk>\d+)/(?P<step>{'|'.join(RETURN_STEPS)})/$",
                self.admin_site.admin_view(self.step_view),
                name="orders_returnrequest_step",
            ),
            *super().get_urls(),
        ]

    def step_view(self, request, pk, step):
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        pk = int(pk)
        if not self.has_change_permission(request):
            raise PermissionDenied
        return_request = (
            ReturnRequest.objects.select_related("order", "replacement_order").filter(pk=pk).first()
        )
        if return_request is None:
            raise Http404("No such request.")
        change_url = reverse("admin:orders_returnrequest_change", args=[pk])
        form, formset, quote = self._step_forms(request, return_request, step)
        if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
            try:
                message = self._step_run(request, return_request, step, form, formset)
            except ApplicationError as error:
                self.message_user(request, f"{return_request}: {error.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{return_request}: {message}", messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        title, label, _ = RETURN_STEPS[step]
        lines = list(return_request.lines.select_related("order_line"))
        eligibility = {
            item.order_line_id: _deadlines_text(
                return_services.return_line_eligibility_at_request(
                    return_line=item, requested_at=return_request.requested_at
                )
            )
            for item in lines
        }
        context = {
            **self.admin_site.each_context(request),
            "title": f"{title}: {return_request}",
            "opts": self.model._meta,
            "original": return_request,
            "return_request": return_request,
            "step": step,
            "button_label": _step_label(return_request, step),
            "form": form,
            "formset": formset,
            "formset_rows": list(zip(lines, formset.forms, strict=False)) if formset is not None else [],
            "lines": [(item, eligibility.get(item.order_line_id, "")) for item in lines],
            "quote": quote,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/orders/returnrequest/step.html", context)

    def _step_forms(self, request, return_request, step):
        data = request.POST if request.method == "POST" else None
        quote = None
        formset = None
        if step == "reject":
            form = ReturnRejectForm(data)
        elif step == "goodwill":
            form = ReturnGoodwillForm(data)
        elif step == "refund":
            quote = return_services.return_request_refund_quote(return_request=return_request)
            form = ReturnRefundForm(data, initial={"amount": quote.total})
        elif step == "replace":
            form = ReturnReplaceForm(data)
        else:
            form = ReturnNoteForm(data)
        if step == "receive":
            formset = ReturnReceiveFormSet(
                data,
                prefix="receive",
                initial=[
                    {"line": line.pk, "received_quantity": line.quantity, "restock": False}
                    for line in return_request.lines.all()
                ],
            )
        return form, formset, quote

    def _step_run(self, request, return_request, step, form, formset) -> str:
        data = form.cleaned_data
        actor = request.user
        if step == "approve":
            return_services.return_request_approve(
                return_request=return_request, actor=actor, note=data["note"]
            )
            return "approved."
        if step == "reject":
            return_services.return_request_reject(
                return_request=return_request, actor=actor, reason=data["reason"]
            )
            return "rejected."
        if step == "goodwill":
            return_services.return_request_goodwill_approve(
                return_request=return_request, actor=actor, reason=data["reason"]
            )
            return "approved as goodwill."
        if step == "receive":
            received = {
                row.cleaned_data["line"]: return_services.ReceivedLineInput(
                    quantity=row.cleaned_data["received_quantity"], restock=row.cleaned_data["restock"]
                )
                for row in formset
            }
            return_services.return_request_receive(
                return_request=return_request, actor=actor, received=received, note=data["note"]
            )
            return "received."
        if step == "refund":
            return_services.return_request_refund(
                return_request=return_request, actor=actor, amount=data["amount"], note=data["note"]
            )
            return f"refunded {data['amount']} {return_request.order.currency}."
        if step == "replace":
            order = return_services.return_request_replace(
                return_request=return_request, actor=actor, carrier=data["carrier"],
                tracking_number=data["tracking_number"], note=data["note"],
            )  # fmt: skip
            shipped = "shipped" if data["carrier"] else "created (ship it when ready)"
            return f"replacement order {order.number} {shipped}."
        return_services.return_request_close(return_request=return_request, actor=actor, note=data["note"])
        return "closed."

    # --- the changelist actions -----------------------------------------------------------------------
    def _to_step(self, request, queryset, step):
        selected = list(queryset[:2])
        if len(selected) != 1:
            self.message_user(request, "Choose one request for this step.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:orders_returnrequest_step", args=[selected[0].pk, step]))

    def _bulk(self, request, queryset, step, service):
        if "apply" not in request.POST:
            if queryset.count() == 1:
                return self._to_step(request, queryset, step)
            title, label, _ = RETURN_STEPS[step]
            context = {
                **self.admin_site.each_context(request),
                "title": f"{title}s",
                "opts": self.model._meta,
                "queryset": queryset,
                "step": step,
                "button_label": f"{label} {queryset.count()} requests",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/orders/returnrequest/bulk.html", context)
        for return_request in queryset.order_by("pk"):
            try:
                service(return_request=return_request, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{return_request}: {error.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{return_request}: done.", messages.SUCCESS)
        return None

    @admin.action(description="Approve", permissions=["change"])
    def approve(self, request, queryset):
        return self._bulk(request, queryset, "approve", return_services.return_request_approve)

    @admin.action(description="Reject (with a reason the customer sees)", permissions=["change"])
    def reject(self, request, queryset):
        return self._to_step(request, queryset, "reject")

    @admin.action(description="Mark received (restock per line)", permissions=["change"])
    def receive(self, request, queryset):
        return self._to_step(request, queryset, "receive")

    @admin.action(description="Refund (amount per policy)", permissions=["change"])
    def refund(self, request, queryset):
        return self._to_step(request, queryset, "refund")

    @admin.action(description="Create and ship replacement", permissions=["change"])
    def replace(self, request, queryset):
        return self._to_step(request, queryset, "replace")

    @admin.action(description="Close", permissions=["change"])
    def close(self, request, queryset):
        return self._bulk(request, queryset, "close", return_services.return_request_close)

    @admin.action(description="Goodwill override (with a reason)", permissions=["change"])
    def goodwill(self, request, queryset):
        return self._to_step(request, queryset, "goodwill")


def _step_label(return_request: ReturnRequest, step: str) -> str:
    if step == "refund" and return_request.kind == ReturnKind.REPLACEMENT:
        return "Refund instead of replacement"
    return RETURN_STEPS[step][1]


class OrderReturnRequestInline(ReadOnlyMixin, admin.TabularInline):
    """The order's return and replacement requests, each linking to its page."""

    model = ReturnRequest
    fk_name = "order"
    extra = 0
    fields = ["request_link", "kind", "status", "reason", "requested_at", "replacement_order"]
    readonly_fields = fields
    verbose_name_plural = "return and replacement requests"

    @admin.display(description="request")
    def request_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:orders_returnrequest_change", args=[obj.pk]), str(obj)
        )


OrderAdmin.inlines = [*OrderAdmin.inlines, OrderReturnRequestInline]
# Shipping and delivering orders needs the change permission: the "Customer service" group views
# orders without it, and must not be able to ship or deliver them through these actions.
OrderAdmin.ship.allowed_permissions = ("change",)
OrderAdmin.deliver.allowed_permissions = ("change",)
