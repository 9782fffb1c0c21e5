"""The lab's admin: a fitting sheet per pair (with a printable copy), the build record, impressions.

Pages (staff only, through ``admin_site.admin_view``):
- ``/admin/fittings/fitting/<id>/sheet/``: the fitting sheet, the build form, "mark made", "impression arrived";
- ``/admin/fittings/fitting/<id>/print/``: the same sheet as a plain page for the lab bench;
- ``/admin/fittings/fitting/<id>/overlay/<side>.png`` and ``.../prescription/``: the files the sheet links to.
Every change goes through ``orders.fittings.services``. Every page and file above, and the fitting's own
admin page, is recorded in the health-record access log (``health_record_access_record``).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from catalogue.choices import ProductKind
from catalogue.matching.models import HealthRecordKind
from catalogue.matching.services import health_record_access_record
from orders.fittings.apis import prescription_response
from orders.fittings.models import Fitting, OrthoticBuild
from orders.fittings.selectors import (
    builds_to_make,
    fitting_customer,
    fitting_sheet_get,
    impressions_awaited,
    order_production_estimate,
    related_or_none,
)
from orders.fittings.services import (
    BUILD_FIELDS,
    fitting_impression_receive,
    fitting_missing,
    orthotic_build_mark_made,
    orthotic_build_record,
)
from orders.models import OrderLine
from shop.exceptions import ApplicationError
from shop.storage import private_file_response


def _record_access(request, fitting: Fitting, kind: str, via: str) -> None:
    health_record_access_record(
        staff=request.user, customer=fitting_customer(fitting), kind=kind, record_id=fitting.pk, via=via
    )


class BuildForm(forms.ModelForm):
    class Meta:
        model = OrthoticBuild
        fields = list(BUILD_FIELDS)
        widgets = {"lab_notes": forms.Textarea(attrs={"rows": 3, "cols": 60})}


DONE = {
    fitting_impression_receive: "recorded as arrived; the pair goes into production.",
    orthotic_build_record: "saved.",
    orthotic_build_mark_made: "the pair is marked made; the order can now be shipped.",
}


def _sheet_url(fitting_id) -> str:
    return reverse("admin:fittings_fitting_sheet", args=[fitting_id])


class CustomPairInline(admin.TabularInline):
    """On the order page: one row per custom pair, with its fitting sheet and where the lab is."""

    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["sku", "product_name", "quantity", "fitting_sheet", "impression", "build"]
    readonly_fields = fields
    verbose_name = "custom pair"
    verbose_name_plural = "custom orthotics (fitting sheets for the lab)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(product_kind=ProductKind.CUSTOM_ORTHOTIC)
            .select_related("fitting", "orthotic_build")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="fitting sheet")
    def fitting_sheet(self, line):
        fitting = related_or_none(line, "fitting")
        if fitting is None:
            return "no fitting"
        return format_html('<a href="{}">Fitting sheet</a>', _sheet_url(fitting.pk))

    @admin.display(description="impression")
    def impression(self, line):
        fitting = related_or_none(line, "fitting")
        if fitting is None or not fitting.impression_kit:
            return "–"
        return (
            f"received {fitting.impression_received_at:%Y-%m-%d}"
            if fitting.impression_received_at
            else "awaited"
        )

    @admin.display(description="build")
    def build(self, line):
        build = related_or_none(line, "orthotic_build")
        if build is None:
            return "–"
        return f"made {build.made_at:%Y-%m-%d}" if build.made_at else "not made yet"


class ImpressionAwaitedFilter(admin.SimpleListFilter):
    title = "impression"
    parameter_name = "impression"

    def lookups(self, request, model_admin):
        return [("awaited", "Awaited for a paid order")]

    def queryset(self, request, queryset):
        if self.value() == "awaited":
            return queryset.filter(pk__in=impressions_awaited().values("pk"))
        return queryset


class BuildQueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("make", "To make now (in production)")]

    def queryset(self, request, queryset):
        if self.value() == "make":
            return queryset.filter(pk__in=builds_to_make().values("pk"))
        return queryset


@admin.register(Fitting)
class FittingAdmin(admin.ModelAdmin):
    list_display = ["short_id", "order_number", "owner", "shoe_type", "impression_kit", "impression_status",
                    "is_remake", "created_at", "sheet_link"]  # fmt: skip
    list_filter = [
        ImpressionAwaitedFilter,
        "impression_kit",
        "shoe_type",
        ("order_line", admin.EmptyFieldListFilter),
    ]
    search_fields = ["=order_line__order__number", "owner__email"]
    list_select_related = ["owner", "order_line__order"]
    date_hierarchy = "created_at"
    actions = ["impression_received"]
    readonly_fields = [
        "id", "owner", "assessment", "footprint_left", "footprint_right", "profile", "leg_length_difference_mm",
        "foot_length_mm", "foot_width_mm", "shoe_type", "impression_kit", "prescription_kind", "cart_item",
        "order_line", "original", "remake_comment", "impression_received_at", "impression_received_by",
        "created_at", "updated_at", "sheet_link",
    ]  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The customer's measurements are theirs: staff read them and act through the sheet.
        return False

    @admin.display(description="fitting")
    def short_id(self, obj):
        return str(obj.pk)[:8]

    @admin.display(description="order", ordering="order_line__order__number")
    def order_number(self, obj):
        return obj.order_line.order.number if obj.order_line_id else "–"

    @admin.display(description="impression")
    def impression_status(self, obj):
        if not obj.impression_kit:
            return "–"
        return "received" if obj.impression_received_at else "awaited"

    @admin.display(description="remake", boolean=True)
    def is_remake(self, obj):
        return obj.original_id is not None

    @admin.display(description="sheet")
    def sheet_link(self, obj):
        return format_html(
            '<a href="{}">Fitting sheet</a> · <a href="{}" target="_blank">Print</a>',
            _sheet_url(obj.pk),
            reverse("admin:fittings_fitting_print", args=[obj.pk]),
        )

    @admin.action(description="Record that the impression arrived")
    def impression_received(self, request, queryset: QuerySet[Fitting]):
        for fitting in queryset.order_by("pk"):
            self._run(request, f"Fitting {str(fitting.pk)[:8]}", fitting_impression_receive,
                      fitting=fitting, actor=request.user)  # fmt: skip

    def _run(self, request, label, service, **kwargs):
        try:
            result = service(**kwargs)
        except ApplicationError as error:
            self.message_user(request, f"{label}: {error.detail}", messages.ERROR)
            return None
        self.message_user(request, f"{label}: {DONE.get(service, 'saved.')}", messages.SUCCESS)
        return result

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            _record_access(request, obj, HealthRecordKind.FITTING_SHEET, "admin: fitting page")
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    # --- the sheet and its files ------------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:pk>/sheet/", view(self.sheet_view), name="fittings_fitting_sheet"),
            path("<uuid:pk>/print/", view(self.print_view), name="fittings_fitting_print"),
            path(
                "<uuid:pk>/overlay/<str:side>.png", view(self.overlay_view), name="fittings_fitting_overlay"
            ),
            path(
                "<uuid:pk>/prescription/", view(self.prescription_view), name="fittings_fitting_prescription"
            ),
            *super().get_urls(),
        ]

    def _fitting(self, request, pk) -> Fitting:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            return fitting_sheet_get(fitting_id=pk)
        except ApplicationError as error:
            raise Http404(error.detail) from error

    def _sheet_context(self, request, fitting: Fitting) -> dict:
        line = fitting.order_line
        build = related_or_none(line, "orthotic_build") if line else None
        original_build = (
            related_or_none(fitting.original.order_line, "orthotic_build")
            if fitting.original_id and fitting.original.order_line_id
            else None
        )
        profile = fitting.profile or {}
        feet = []
        for side, footprint in (("left", fitting.footprint_left), ("right", fitting.footprint_right)):
            feet.append(
                {
                    "side": side,
                    "footprint": footprint,
                    "overlay_url": reverse("admin:fittings_fitting_overlay", args=[fitting.pk, side])
                    if footprint
                    else None,
                }
            )
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Fitting sheet {str(fitting.pk)[:8]}",
            "fitting": fitting,
            "line": line,
            "order": line.order if line else None,
            "build": build,
            "original_build": original_build,
            "feet": feet,
            "profile": profile,
            "derived_from": profile.get("derived_from") or {},
            "missing": fitting_missing(fitting=fitting),
            "estimate": order_production_estimate(order=line.order) if line else None,
            "prescription_url": reverse("admin:fittings_fitting_prescription", args=[fitting.pk])
            if fitting.prescription
            else None,
            "print_url": reverse("admin:fittings_fitting_print", args=[fitting.pk]),
            "order_url": reverse("admin:orders_order_change", args=[line.order_id]) if line else None,
            "original_url": _sheet_url(fitting.original_id) if fitting.original_id else None,
        }

    def sheet_view(self, request, pk):
        fitting = self._fitting(request, pk)
        build = related_or_none(fitting.order_line, "orthotic_build") if fitting.order_line_id else None
        form = BuildForm(instance=build) if build else None
        if request.method == "POST":
            if not request.user.has_perm("fittings.change_orthoticbuild"):
                raise PermissionDenied
            if "impression_received" in request.POST:
                self._run(
                    request, "Impression", fitting_impression_receive, fitting=fitting, actor=request.user
                )
                return HttpResponseRedirect(_sheet_url(fitting.pk))
            if build is None:
                raise Http404("This fitting is not on an order.")
            form = BuildForm(request.POST, instance=OrthoticBuild.objects.get(pk=build.pk))
            if form.is_valid():
                values = {field: form.cleaned_data[field] for field in BUILD_FIELDS}
                saved = self._run(
                    request, "Build", orthotic_build_record, build=build, actor=request.user, **values
                )
                if saved is not None and "mark_made" in request.POST:
                    self._run(request, "Made", orthotic_build_mark_made, build=build, actor=request.user)
                return HttpResponseRedirect(_sheet_url(fitting.pk))
        context = {**self._sheet_context(request, fitting), "form": form}
        _record_access(request, fitting, HealthRecordKind.FITTING_SHEET, "admin: fitting sheet")
        return TemplateResponse(request, "admin/fittings/fitting_sheet.html", context)

    def print_view(self, request, pk):
        fitting = self._fitting(request, pk)
        _record_access(request, fitting, HealthRecordKind.FITTING_SHEET, "admin: fitting sheet (print)")
        return TemplateResponse(
            request, "admin/fittings/fitting_print.html", self._sheet_context(request, fitting)
        )

    def overlay_view(self, request, pk, side):
        fitting = self._fitting(request, pk)
        footprint = {"left": fitting.footprint_left, "right": fitting.footprint_right}.get(side)
        if footprint is None or not footprint.overlay:
            raise Http404("No footprint for this side.")
        health_record_access_record(staff=request.user, customer=footprint.owner or fitting_customer(fitting),
                                    kind=HealthRecordKind.FOOTPRINT, record_id=footprint.pk,
                                    via=f"admin: fitting sheet, {side} overlay")  # fmt: skip
        return private_file_response(footprint.overlay, filename=f"footprint-{footprint.pk}-overlay")

    def prescription_view(self, request, pk):
        fitting = self._fitting(request, pk)
        if not fitting.prescription:
            raise Http404("No prescription.")
        _record_access(request, fitting, HealthRecordKind.PRESCRIPTION, "admin: prescription download")
        return prescription_response(fitting)


@admin.register(OrthoticBuild)
class OrthoticBuildAdmin(admin.ModelAdmin):
    """The lab's queue: builds not made yet first; each opens its fitting sheet."""

    list_display = ["order_line", "order_number", "production_days", "shell", "posting", "top_cover",
                    "heel_lift_left_mm", "heel_lift_right_mm", "made_at", "sheet"]  # fmt: skip
    list_filter = [BuildQueueFilter, ("made_at", admin.EmptyFieldListFilter)]
    search_fields = ["=order_line__order__number", "order_line__sku"]
    list_select_related = ["order_line__order", "order_line__fitting"]
    ordering = ["made_at", "id"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # recorded on the fitting sheet, through the service

    @admin.display(description="order")
    def order_number(self, obj):
        return obj.order_line.order.number

    @admin.display(description="fitting sheet")
    def sheet(self, obj):
        fitting = related_or_none(obj.order_line, "fitting")
        return format_html('<a href="{}">Open</a>', _sheet_url(fitting.pk)) if fitting else "–"
