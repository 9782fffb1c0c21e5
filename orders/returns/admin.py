"""Staff work return and replacement requests from each request's page, one step at a time.

Each step is a confirmation page at a stable URL, ``/admin/returns/returnrequest/<id>/<step>/``, with
one clearly labelled button that runs the service. ``RETURN_STEPS`` holds every step once: its form,
its service, its label and the permission it needs; the page, the "next steps" buttons and the
changelist actions of the same names (which lead there or, for approve and close, work on several)
all read it. ``OrderReturnRequestInline`` lists an order's requests on the order's page. The customer's
photos open at ``/admin/returns/returnrequest/<id>/photos/<photo id>/`` (``?size=thumbnail``) for staff who
may view return photos; each opening is recorded in the health-record access log.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from catalogue.matching.models import HealthRecordKind
from catalogue.matching.services import health_record_access_record
from orders.returns import policy
from orders.returns import services as return_services
from orders.returns.exceptions import RETURN_REFUSALS
from orders.returns.models import ReturnLine, ReturnPhoto, ReturnRequest, ReturnStatusChange, StatutoryRight
from orders.returns.selectors import (
    return_line_eligibility_at_request,
    return_reasons_by_product,
    return_request_refund_overdue,
    return_request_refund_quote,
    return_request_refund_repeatable,
    shop_tz,
)
from orders.returns.statuses import (
    RETURN_AWAITING_STAFF,
    RETURN_OPEN,
    RETURN_REFUND_SETTLED,
    ReturnKind,
    ReturnReason,
    ReturnStatus,
    return_next_statuses,
)
from orders.services.payments import refundable_remaining
from orders.statuses import Role
from shop.admin import FastListMixin, ReadOnlyMixin
from shop.exceptions import ApplicationError
from shop.formats import deadline_text
from shop.storage import private_file_response

DEADLINE_SOON = timedelta(days=2)


def refusal_text(code: str) -> str:
    """A refusal code (``orders.returns.policy``) as the sentence staff and customers read."""
    refusal = RETURN_REFUSALS.get(code)
    return refusal.default_detail if refusal else code.replace("_", " ").capitalize() + "."


def _rights_html(rights) -> str:
    return format_html_join(
        mark_safe("<br>"),  # noqa: S308 - a constant
        "{} ({}{}): until {}{}. {}",
        (
            (
                right.kind.replace("_", " ").capitalize(),
                right.source,
                "" if right.reason_required else ", no reason needed",
                deadline_text(right.deadline, with_year=True),
                "" if right.open else " (not open)",
                right.basis,
            )
            for right in rights
        ),
    )


def line_rights_html(line) -> str:
    """Every right an order line was sold with, its deadline and its basis (the order's page; no query,
    so units already in requests are not counted here: the request's page does)."""
    return _rights_html(
        policy.line_rights(terms=policy.terms_of(line), requested_at=timezone.now(), tz=shop_tz())
    )


def _deadlines_text(eligibility) -> str:
    return_until = (
        deadline_text(eligibility.return_deadline) if eligibility.return_deadline else "not returnable"
    )
    text = f"Return until {return_until}; replace until {deadline_text(eligibility.replacement_deadline)}."
    blocked = sorted(set(eligibility.return_reasons_blocked + eligibility.replacement_reasons_blocked))
    text = " ".join([text, *(refusal_text(code) for code in blocked)])
    return format_html("{}<br>{}", text, _rights_html(eligibility.rights))


# --- the step forms -----------------------------------------------------------------------------------
class StepForm(forms.Form):
    """A step's form for one request; ``service_kwargs`` are what its service is called with.

    ``quote`` (the refund step) and ``formset`` (the receive step's lines) are shown on the page too.
    """

    quote = None
    formset = None

    def __init__(self, data=None, *, return_request: ReturnRequest):
        self.return_request = return_request
        super().__init__(data, initial=self.initial_for(return_request))

    def initial_for(self, return_request: ReturnRequest) -> dict:
        return {}

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ReturnNoteForm(StepForm):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)")


class ReturnRejectForm(StepForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason (the customer sees it)")


class ReturnGoodwillForm(StepForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Goodwill reason (recorded)")


class ReturnRefundForm(StepForm):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note")

    def initial_for(self, return_request):
        self.quote = return_request_refund_quote(return_request=return_request)
        return {"amount": self.quote.total}


class ReturnReplaceForm(StepForm):
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


class ReturnReceiveForm(ReturnNoteForm):
    """A note and, per line of the request, how many units arrived and whether they go back to stock."""

    def __init__(self, data=None, *, return_request):
        super().__init__(data, return_request=return_request)
        self.formset = ReturnReceiveFormSet(
            data,
            prefix="receive",
            initial=[
                {"line": line.pk, "received_quantity": line.quantity, "restock": False}
                for line in return_request.lines.all()
            ],
        )

    def is_valid(self):
        return all([super().is_valid(), self.formset.is_valid()])

    def service_kwargs(self):
        received = {
            row.cleaned_data["line"]: return_services.ReceivedLineInput(
                quantity=row.cleaned_data["received_quantity"], restock=row.cleaned_data["restock"]
            )
            for row in self.formset
        }
        return {**super().service_kwargs(), "received": received}


# --- the steps ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReturnStep:
    """One thing staff can do to a request: its page's form, the service it runs, its label, its permission."""

    title: str
    label: str
    target: str  # the status the step moves the request to (the status table decides when it is offered)
    form: type[StepForm]
    service: Callable
    done: Callable[[ReturnRequest, object, dict], str]  # the success message: request, result, kwargs
    permission: str = "change"  # checked as the admin's ``has_<permission>_permission``
    offered: Callable[[ReturnRequest], bool] = lambda return_request: True
    replacement_label: str = ""  # the label on a replacement request, when it differs

    def label_for(self, return_request: ReturnRequest) -> str:
        if self.replacement_label and return_request.kind == ReturnKind.REPLACEMENT:
            return self.replacement_label
        return self.label


def _said(message: str) -> Callable[[ReturnRequest, object, dict], str]:
    return lambda return_request, result, kwargs: message


def _replacement_done(return_request, order, kwargs) -> str:
    shipped = "is shipped" if kwargs["carrier"] else "is created (ship it from its page when ready)"
    return f"has its replacement: order {order.number} {shipped}."


RETURN_STEPS: dict[str, ReturnStep] = {
    "approve": ReturnStep(
        title="Approve request", label="Approve", target=ReturnStatus.APPROVED, form=ReturnNoteForm,
        service=return_services.return_request_approve, done=_said("is approved; the customer has been told what to do next."),
        offered=lambda return_request: return_request.status == ReturnStatus.REQUESTED,
    ),
    "reject": ReturnStep(
        title="Reject request", label="Reject", target=ReturnStatus.REJECTED, form=ReturnRejectForm,
        service=return_services.return_request_reject, done=_said("is rejected; the customer has been sent the reason."),
    ),
    "receive": ReturnStep(
        title="Mark items received", label="Mark received", target=ReturnStatus.RECEIVED,
        form=ReturnReceiveForm, service=return_services.return_request_receive, permission="receive", done=_said("is marked received; units marked back to stock are on sale again."),
    ),
    "refund": ReturnStep(
        title="Refund request", label="Refund", target=ReturnStatus.REFUNDED, form=ReturnRefundForm,
        service=return_services.return_request_refund,
        done=lambda return_request, result, kwargs: (
            f"is refunded {kwargs['amount']} {return_request.order.currency}."
        ),
        offered=lambda return_request: not return_request.replacement_order_id
        and refundable_remaining(order=return_request.order) > 0
        and (
            return_request.status != ReturnStatus.REFUNDED
            or return_request_refund_repeatable(refunds=list(return_request.refunds.all()))
        ),
        replacement_label="Refund instead of replacement",
    ),
    "replace": ReturnStep(
        title="Create and ship replacement", label="Create and ship replacement",
        target=ReturnStatus.REPLACEMENT_SHIPPED, form=ReturnReplaceForm,
        service=return_services.return_request_replace, done=_replacement_done,
    ),
    "close": ReturnStep(
        title="Close request", label="Close request", target=ReturnStatus.CLOSED, form=ReturnNoteForm,
        service=return_services.return_request_close, done=_said("is closed."),
    ),
    "goodwill": ReturnStep(
        title="Goodwill override", label="Approve as goodwill", target=ReturnStatus.APPROVED,
        form=ReturnGoodwillForm, service=return_services.return_request_goodwill_approve,
        done=_said("is approved as goodwill; the reason is recorded with your name."),
    ),
}  # fmt: skip


def return_steps_available(return_request: ReturnRequest) -> list[str]:
    """Return the steps staff can take on the request now (the status table decides)."""
    targets = set(return_next_statuses(return_request.status, Role.STAFF, return_request.kind))
    return [
        name for name, step in RETURN_STEPS.items() if step.target in targets and step.offered(return_request)
    ]


# --- the request's page -------------------------------------------------------------------------------
class ReturnLineInline(ReadOnlyMixin, admin.TabularInline):
    model = ReturnLine
    extra = 0
    fields = ["sku", "product", "quantity", "replacement_sku", "received_quantity", "restock", "deadlines",
              "deduction_text"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="deduction (diminished value)")
    def deduction_text(self, obj):
        if not obj.deduction:
            return "–"
        return f"{obj.deduction} {obj.return_request.order.currency}: {obj.deduction_reason}"

    @admin.display(description="SKU")
    def sku(self, obj):
        return obj.order_line.sku

    @admin.display(description="product")
    def product(self, obj):
        return f"{obj.order_line.product_name} ({obj.order_line.size_label})"

    @admin.display(description="deadlines (and refusals when requested)")
    def deadlines(self, obj):
        eligibility = return_line_eligibility_at_request(
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
        url = reverse("admin:returns_returnrequest_photo", args=[obj.return_request_id, obj.pk])
        return format_html(
            '<a href="{}" target="_blank"><img src="{}" alt="Return photo {}" style="max-height:120px"></a>',
            url,
            f"{url}?size=thumbnail",
            obj.pk,
        )


STATUS_LABELS = dict(ReturnStatus.choices)


class ReturnStatusChangeInline(ReadOnlyMixin, admin.TabularInline):
    model = ReturnStatusChange
    extra = 0
    fields = ["when", "from_label", "to_label", "actor", "role", "note"]
    readonly_fields = fields
    verbose_name_plural = "history"

    @admin.display(description="when")
    def when(self, obj):
        return deadline_text(obj.created_at)

    @admin.display(description="from")
    def from_label(self, obj):
        return STATUS_LABELS.get(obj.from_status, obj.from_status) or "–"

    @admin.display(description="to")
    def to_label(self, obj):
        return STATUS_LABELS.get(obj.to_status, obj.to_status)


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


class RefundOverdueFilter(admin.SimpleListFilter):
    """Withdrawals whose refund is due soon or late: the law gives the shop 14 days from the notice."""

    title = "refund due"
    parameter_name = "refund_due"

    def lookups(self, request, model_admin):
        return [("overdue", "Refund overdue"), ("soon", "Refund due within 2 days")]

    def queryset(self, request, queryset):
        now = timezone.now()
        open_refunds = queryset.exclude(status__in=RETURN_REFUND_SETTLED).filter(refund_due_by__isnull=False)
        if self.value() == "overdue":
            return open_refunds.filter(refund_due_by__lt=now)
        if self.value() == "soon":
            return open_refunds.filter(refund_due_by__gte=now, refund_due_by__lte=now + DEADLINE_SOON)
        return queryset


class ReturnDeductForm(forms.Form):
    line = forms.TypedChoiceField(coerce=int, label="Line")
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, label="Deduction")
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Why the item lost value (recorded)"
    )

    def __init__(self, data=None, *, return_request):
        super().__init__(data)
        self.fields["line"].choices = [
            (
                line.pk,
                f"{line.order_line.sku} × {line.quantity} ({line.order_line.unit_price} each, paid {line.order_line.paid_total} for {line.order_line.quantity})",
            )
            for line in return_request.lines.select_related("order_line")
        ]


@admin.register(StatutoryRight)
class StatutoryRightAdmin(admin.ModelAdmin):
    """The consumer rights by destination. Edits apply to orders placed afterwards, never to earlier ones."""

    list_display = ["name", "code", "country_list", "withdrawal_days", "guarantee_months", "reject_days",
                    "delivery_refunded", "updated_at"]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["code", "name", "countries"]}),
        ("Withdrawal", {"fields": [("withdrawal_days", "withdrawal_counted_from"), "withdrawal_basis",
                                   "exempt_made_to_specification", "made_to_specification_basis",
                                   "exempt_sealed_hygiene", "sealed_hygiene_basis", "delivery_refunded",
                                   "refund_due_days", "refund_basis"]}),
        ("Faulty goods", {"fields": ["guarantee_months", "guarantee_remedies", "guarantee_basis",
                                     "reject_days", "reject_basis"]}),
    ]  # fmt: skip

    @admin.display(description="countries")
    def country_list(self, obj):
        return ", ".join(obj.countries)


@admin.register(ReturnRequest)
class ReturnRequestAdmin(FastListMixin, admin.ModelAdmin):
    list_display = ["__str__", "order_number", "email", "kind", "status", "reason", "requested_at",
                    "window_closes", "refund_due"]  # fmt: skip
    list_filter = ["status", "kind", AwaitingActionFilter, DeadlineSoonFilter, RefundOverdueFilter]
    search_fields = ["=order__number", "=order__email"]
    search_help_text = "Order number or the customer's email."
    list_per_page = 50
    list_select_related = ["order"]
    inlines = [ReturnLineInline, ReturnPhotoInline, ReturnStatusChangeInline]
    actions = list(RETURN_STEPS)
    readonly_fields = ["order_summary", "kind", "status", "reason", "comment", "requested_at", "window_closes_at",
                       "refund_due", "rejection_reason", "goodwill_reason", "goodwill_by", "refund_list",
                       "replacement", "exchange", "next_steps"]  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "replacement_order")

    def save_model(self, request, obj, form, change):
        """Save nothing: every field is read-only and changes go through the step pages (the services)."""

    @admin.display(description="window closes", ordering="window_closes_at")
    def window_closes(self, obj):
        return deadline_text(obj.window_closes_at)

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
            deadline_text(order.delivered_at),
            order.captured_total, order.refunded_total, order.currency,
        )  # fmt: skip

    @admin.display(description="refund due by", ordering="refund_due_by")
    def refund_due(self, obj):
        if obj.refund_due_by is None:
            return "–"
        text = deadline_text(obj.refund_due_by)
        if return_request_refund_overdue(return_request=obj):
            return format_html('<strong style="color:#ba2121">{} (overdue)</strong>', text)
        return text

    @admin.display(description="refunds")
    def refund_list(self, obj):
        refunds = list(obj.refunds.all())
        if not refunds:
            return "–"
        return format_html_join(
            ", ", "#{} {} {} ({})", ((r.pk, r.amount, r.currency, r.get_status_display()) for r in refunds)
        )

    @admin.display(description="replacement order")
    def replacement(self, obj):
        order = obj.replacement_order
        if order is None:
            return "–"
        url = reverse("admin:orders_order_change", args=[order.pk])
        return format_html('<a href="{}">{}</a> ({})', url, order.number, order.get_status_display())

    @admin.display(description="exchange")
    def exchange(self, obj):
        """An exchange's settlement: what the customer pays, or what is refunded once the units arrive."""
        if obj.kind != ReturnKind.EXCHANGE:
            return "–"
        difference = obj.exchange_difference
        if difference is None:
            return "The difference is set when the request is approved."
        currency = obj.order.currency
        if difference > 0:
            paid = obj.replacement_order is not None and obj.replacement_order.captured_total >= difference
            return f"The customer pays {difference} {currency} ({'paid' if paid else 'not paid yet'})."
        if difference < 0:
            return f"{-difference} {currency} refunded when the units are received."
        return "Same price: nothing to pay or refund."

    @admin.display(description="next steps")
    def next_steps(self, obj):
        request = getattr(obj, "_admin_request", None)
        steps = [
            name
            for name in return_steps_available(obj)
            if request is None or self.has_step_permission(request, RETURN_STEPS[name])
        ]
        links = [
            (
                reverse("admin:returns_returnrequest_step", args=[obj.pk, name]),
                RETURN_STEPS[name].label_for(obj),
            )
            for name in steps
        ]
        can_deduct = request is None or self.has_change_permission(request, obj)
        if obj.kind == ReturnKind.WITHDRAWAL and obj.status in RETURN_OPEN and can_deduct:
            links.append(
                (reverse("admin:returns_returnrequest_deduct", args=[obj.pk]), "Deduct for diminished value")
            )
        if not links:
            return "–"
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', links)

    # --- the step pages -------------------------------------------------------------------------------
    def get_urls(self):
        return [
            re_path(
                rf"^(?P<pk>\d+)/(?P<step>{'|'.join(RETURN_STEPS)})/$",
                self.admin_site.admin_view(self.step_view),
                name="returns_returnrequest_step",
            ),
            path(
                "reasons/",
                self.admin_site.admin_view(self.reasons_view),
                name="returns_returnrequest_reasons",
            ),
            path(
                "<int:pk>/deduct/",
                self.admin_site.admin_view(self.deduct_view),
                name="returns_returnrequest_deduct",
            ),
            path(
                "<int:pk>/photos/<int:photo_id>/",
                self.admin_site.admin_view(self.photo_view),
                name="returns_returnrequest_photo",
            ),
            *super().get_urls(),
        ]

    def reasons_view(self, request):
        """Per product, how many units came back for each reason, fit reasons apart (a defect is not fit)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = return_reasons_by_product()
        used = {reason for row in rows for reason in row.counts}
        reasons = [(code, label) for code, label in ReturnReason.choices if code in used]
        if policy.WITHDRAWAL_REASON in used and all(code != policy.WITHDRAWAL_REASON for code, _ in reasons):
            reasons.append((policy.WITHDRAWAL_REASON, "Withdrawal"))
        table = [{"row": row, "cells": [row.counts.get(code, 0) for code, _ in reasons]} for row in rows]
        context = {
            **self.admin_site.each_context(request),
            "title": "Return reasons by product",
            "opts": self.model._meta,
            "reasons": [
                {"code": code, "label": label, "fit": policy.is_fit_reason(code)} for code, label in reasons
            ],
            "table": table,
        }
        return TemplateResponse(request, "admin/returns/returnrequest/reasons.html", context)

    def photo_view(self, request, pk, photo_id):
        """Serve a photo (``?size=thumbnail``: its thumbnail) to staff who may view return photos; log it."""
        if not ReturnPhotoInline(ReturnRequest, self.admin_site).has_view_permission(request):
            raise PermissionDenied
        photo = (
            ReturnPhoto.objects.select_related("return_request__order__user")
            .filter(pk=photo_id, return_request_id=pk)
            .first()
        )
        if photo is None:
            raise Http404("No such photo.")
        thumbnail = request.GET.get("size") == "thumbnail"
        health_record_access_record(
            staff=request.user,
            customer=photo.return_request.order.user,
            kind=HealthRecordKind.RETURN_PHOTO,
            record_id=photo.pk,
            via="admin: return photo" + (" (thumbnail)" if thumbnail else ""),
        )
        return private_file_response(
            photo.thumbnail if thumbnail else photo.image,
            filename=f"return-{pk}-photo-{photo.pk}{'-thumbnail' if thumbnail else ''}",
        )

    def deduct_view(self, request, pk):
        """Record a deduction for diminished value on a line of a withdrawal (``return_line_deduct``)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        return_request = ReturnRequest.objects.select_related("order").filter(pk=pk).first()
        if return_request is None:
            raise Http404("No such request.")
        change_url = reverse("admin:returns_returnrequest_change", args=[pk])
        form = ReturnDeductForm(
            request.POST if request.method == "POST" else None, return_request=return_request
        )
        if request.method == "POST" and form.is_valid():
            try:
                line = return_services.return_line_deduct(
                    return_request=return_request,
                    line_id=form.cleaned_data["line"],
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ApplicationError as error:
                self.message_user(request, f"{return_request}: {error.detail}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{return_request}: {line.deduction} {return_request.order.currency} deducted on "
                    f"{line.order_line.sku}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Deduct for diminished value: {return_request}",
            "opts": self.model._meta,
            "original": return_request,
            "return_request": return_request,
            "step": "deduct",
            "button_label": "Record deduction",
            "form": form,
            "formset": None,
            "formset_rows": [],
            "lines": [(item, "") for item in return_request.lines.select_related("order_line")],
            "quote": return_request_refund_quote(return_request=return_request),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/returns/returnrequest/step.html", context)

    def has_step_permission(self, request, step: ReturnStep) -> bool:
        return getattr(self, f"has_{step.permission}_permission")(request)

    def has_receive_permission(self, request) -> bool:
        """The warehouse receives returned parcels without the other steps (``receive_returnrequest``)."""
        return request.user.has_perm("returns.receive_returnrequest") or self.has_change_permission(request)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._admin_request = request  # the next steps shown depend on the viewer's permissions
        return obj

    def get_ordering(self, request):
        if request.GET.get("awaiting_action") == "yes":
            return [F("window_closes_at").asc(nulls_last=True), "id"]  # the most urgent first
        return super().get_ordering(request)

    def step_view(self, request, pk, step):
        name, step = step, RETURN_STEPS[step]
        pk = int(pk)
        if not self.has_step_permission(request, step):
            raise PermissionDenied
        return_request = (
            ReturnRequest.objects.select_related("order", "replacement_order").filter(pk=pk).first()
        )
        if return_request is None:
            raise Http404("No such request.")
        change_url = reverse("admin:returns_returnrequest_change", args=[pk])
        if name not in return_steps_available(return_request):
            self.message_user(
                request,
                f"{return_request} is {return_request.get_status_display().lower()}: "
                f"“{step.label_for(return_request)}” is not possible now.",
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        form = step.form(request.POST if request.method == "POST" else None, return_request=return_request)
        if request.method == "POST" and form.is_valid():
            kwargs = form.service_kwargs()
            try:
                result = step.service(return_request=return_request, actor=request.user, **kwargs)
            except ApplicationError as error:
                self.message_user(request, f"{return_request}: {error.detail}", messages.ERROR)
            else:
                message = step.done(return_request, result, kwargs)
                self.message_user(request, f"{return_request} {message}", messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        lines = list(return_request.lines.select_related("order_line"))
        eligibility = {
            item.order_line_id: _deadlines_text(
                return_line_eligibility_at_request(return_line=item, requested_at=return_request.requested_at)
            )
            for item in lines
        }
        formset = form.formset
        context = {
            **self.admin_site.each_context(request),
            "title": f"{step.title}: {return_request}",
            "opts": self.model._meta,
            "original": return_request,
            "return_request": return_request,
            "step": name,
            "button_label": step.label_for(return_request),
            "form": form,
            "formset": formset,
            "formset_rows": list(zip(lines, formset.forms, strict=False)) if formset is not None else [],
            "lines": [(item, eligibility.get(item.order_line_id, "")) for item in lines],
            "quote": form.quote,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/returns/returnrequest/step.html", context)

    # --- the changelist actions -----------------------------------------------------------------------
    def _to_step(self, request, queryset, name):
        selected = list(queryset[:2])
        if len(selected) != 1:
            self.message_user(request, "Choose one request for this step.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:returns_returnrequest_step", args=[selected[0].pk, name]))

    def _bulk(self, request, queryset, name):
        """Run the step on each selected request with its defaults, after one confirmation page."""
        step = RETURN_STEPS[name]
        if "apply" not in request.POST:
            if queryset.count() == 1:
                return self._to_step(request, queryset, name)
            context = {
                **self.admin_site.each_context(request),
                "title": f"{step.title}s",
                "opts": self.model._meta,
                "queryset": queryset,
                "step": name,
                "button_label": f"{step.label} {queryset.count()} requests",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/returns/returnrequest/bulk.html", context)
        for return_request in queryset.order_by("pk"):
            try:
                step.service(return_request=return_request, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{return_request}: {error.detail}", messages.ERROR)
            else:
                message = step.done(return_request, None, {})
                self.message_user(request, f"{return_request} {message}", messages.SUCCESS)
        return None

    @admin.action(description="Approve", permissions=[RETURN_STEPS["approve"].permission])
    def approve(self, request, queryset):
        return self._bulk(request, queryset, "approve")

    @admin.action(
        description="Reject (with a reason the customer sees)",
        permissions=[RETURN_STEPS["reject"].permission],
    )
    def reject(self, request, queryset):
        return self._to_step(request, queryset, "reject")

    @admin.action(
        description="Mark received (restock per line)", permissions=[RETURN_STEPS["receive"].permission]
    )
    def receive(self, request, queryset):
        return self._to_step(request, queryset, "receive")

    @admin.action(description="Refund (amount per policy)", permissions=[RETURN_STEPS["refund"].permission])
    def refund(self, request, queryset):
        return self._to_step(request, queryset, "refund")

    @admin.action(description="Create and ship replacement", permissions=[RETURN_STEPS["replace"].permission])
    def replace(self, request, queryset):
        return self._to_step(request, queryset, "replace")

    @admin.action(description="Close", permissions=[RETURN_STEPS["close"].permission])
    def close(self, request, queryset):
        return self._bulk(request, queryset, "close")

    @admin.action(
        description="Goodwill override (with a reason)", permissions=[RETURN_STEPS["goodwill"].permission]
    )
    def goodwill(self, request, queryset):
        return self._to_step(request, queryset, "goodwill")


class OrderReturnRequestInline(ReadOnlyMixin, admin.TabularInline):
    """The order's return and replacement requests, each linking to its page (shown on the order's page)."""

    model = ReturnRequest
    fk_name = "order"
    extra = 0
    fields = ["request_link", "kind", "status", "reason", "requested_at", "replacement_order"]
    readonly_fields = fields
    verbose_name_plural = "return and replacement requests"

    @admin.display(description="request")
    def request_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:returns_returnrequest_change", args=[obj.pk]), str(obj)
        )
