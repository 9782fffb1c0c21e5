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
from orders.payments.webhooks import webhook_events_retry
from orders.returns.admin import OrderReturnRequestInline, line_rights_html
from orders.services.orders import order_deliver, order_ship
from shop.admin import ReadOnlyMixin
from shop.exceptions import ApplicationError


class OrderLineInline(ReadOnlyMixin, admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["sku", "product_name", "size_label", "quantity", "unit_price", "line_total", "returnable",
              "return_days", "replacement_days", "delivered_at", "rights"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="rights (promise and law, as sold)")
    def rights(self, obj):
        return line_rights_html(obj)


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
    inlines = [OrderLineInline, CustomPairInline, OrderStatusChangeInline, PaymentInline, RefundInline,
               OrderReturnRequestInline]  # fmt: skip
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

    # Shipping and delivering needs the change permission: the "Customer service" group views orders
    # without it, and must not be able to ship or deliver them through these actions.
    @admin.action(description="Mark shipped (with carrier and tracking number)", permissions=["change"])
    def ship(self, request, queryset: QuerySet[Order]):
        return self._per_order_action(
            request, queryset, action="ship", formset_class=ShipFormSet, initial={},
            title="Ship orders", submit="Mark shipped",
            intro="Enter the carrier and tracking number for each order. Only paid orders can be shipped.",
            service=order_ship,
        )  # fmt: skip

    @admin.action(description="Mark delivered (with the delivery time)", permissions=["change"])
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
    list_display = ["event_id", "type", "status", "outcome", "attempts", "order", "received_at", "error"]
    list_filter = ["status", "type", "outcome"]
    search_fields = ["event_id", "order__number"]
    actions = ["process_again"]

    @admin.action(description="Process the selected failed events again")
    def process_again(self, request, queryset):
        count = webhook_events_retry(events=queryset)
        self.message_user(request, f"{count} failed event(s) queued to be processed again.", messages.SUCCESS)

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
