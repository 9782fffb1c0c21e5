"""Admin for foot-type matching: staff tune rules and exercises, and look at assessments and footprints.

Opening an assessment's or a footprint's page, or a footprint's picture or overlay, is recorded in the
health-record access log (``health_record_access_record``), which the admin lists read-only.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from catalogue.matching.consent import CONSENT_TEXTS, ConsentMethod
from catalogue.matching.learning import Evidence, estimate
from catalogue.matching.models import (
    Assessment,
    Consent,
    Exercise,
    Footprint,
    HealthRecordAccess,
    HealthRecordKind,
    LearningSetting,
    MatchingRule,
    ProductEvidence,
)
from catalogue.matching.selectors import evidence_of_row, learning_params, learning_setting
from catalogue.matching.services import (
    consent_give,
    consent_withdraw,
    health_record_access_record,
    learning_setting_change,
)
from shop.storage import private_file_response


@admin.register(MatchingRule)
class MatchingRuleAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "when",
        "attribute",
        "preferred",
        "weight",
        "contraindication",
        "is_active",
        "position",
        "source",
    ]
    list_editable = ["weight", "is_active", "position"]
    list_filter = ["attribute", "contraindication", "is_active"]
    search_fields = ["code", "reason", "source"]
    fields = ["code", "when", "attribute", "preferred", "weight", "contraindication", "reason", "source",
              "position", "is_active"]  # fmt: skip


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contraindications", "position", "is_active", "source"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "conditions"]
    search_fields = ["name", "slug", "instructions", "source"]
    fields = ["name", "slug", "instructions", "conditions", "flags", "contraindications", "caution", "source",
              "position", "is_active"]  # fmt: skip
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["conditions"]


def _file_url(footprint: Footprint, name: str) -> str:
    return reverse(f"admin:matching_footprint_{name}", args=[footprint.pk])


@admin.register(Footprint)
class FootprintAdmin(admin.ModelAdmin):
    """The measured footprints; the pictures open through views that check the permission and log the view."""

    list_display = ["id", "owner", "side", "arch_index", "arch_type", "foot_length_mm", "created_at"]
    list_filter = ["arch_type", "side", "scale"]
    search_fields = ["id", "owner__email"]
    list_select_related = ["owner"]
    readonly_fields = ["overlay_preview", "id", "owner", "side", "image_link", "overlay_link", "arch_index",
                       "arch_type", "chippaux_smirak", "foot_length_mm", "width_mm", "scale", "mm_per_px",
                       "method", "zone_areas_px", "geometry", "created_at"]  # fmt: skip
    fields = readonly_fields  # the files only through the checked views above, never as file inputs

    def has_add_permission(self, request):
        return False  # footprints are measured on upload, through the API

    @admin.display(description="Overlay")
    def overlay_preview(self, obj):
        if not obj.overlay:
            return "—"
        url = _file_url(obj, "overlay")
        return format_html(
            '<a href="{}"><img src="{}" alt="Footprint overlay" style="max-height:600px;max-width:600px"></a>',
            url,
            url,
        )

    @admin.display(description="Image")
    def image_link(self, obj):
        return format_html('<a href="{}">Picture</a>', _file_url(obj, "image")) if obj.image else "—"

    @admin.display(description="Overlay file")
    def overlay_link(self, obj):
        return format_html('<a href="{}">Overlay</a>', _file_url(obj, "overlay")) if obj.overlay else "—"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            health_record_access_record(staff=request.user, customer=obj.owner, kind=HealthRecordKind.FOOTPRINT,
                                        record_id=obj.pk, via="admin: footprint page")  # fmt: skip
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:pk>/image/", view(self.image_view), name="matching_footprint_image"),
            path("<uuid:pk>/overlay/", view(self.overlay_view), name="matching_footprint_overlay"),
            *super().get_urls(),
        ]

    def _file_view(self, request, pk, field: str, what: str):
        footprint = Footprint.objects.filter(pk=pk).first()
        if footprint is None:
            raise Http404("No such footprint.")
        if not self.has_view_permission(request, footprint):
            raise PermissionDenied
        file = getattr(footprint, field)
        if not file:
            raise Http404(f"No {what}.")
        health_record_access_record(staff=request.user, customer=footprint.owner, kind=HealthRecordKind.FOOTPRINT,
                                    record_id=footprint.pk, via=f"admin: footprint {what}")  # fmt: skip
        return private_file_response(file, filename=f"footprint-{footprint.pk}-{field}")

    def image_view(self, request, pk):
        return self._file_view(request, pk, "image", "picture")

    def overlay_view(self, request, pk):
        return self._file_view(request, pk, "overlay", "overlay")


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "arch_type", "urgency", "created_at"]
    search_fields = ["id", "owner__email"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "owner", "footprint", "answers", "profile", "referral", "size", "recommendations",
                       "exercises", "outcome", "created_at"]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            health_record_access_record(staff=request.user, customer=obj.owner, kind=HealthRecordKind.ASSESSMENT,
                                        record_id=obj.pk, via="admin: assessment page")  # fmt: skip
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    @admin.display(description="Arch type")
    def arch_type(self, obj):
        return obj.profile.get("arch_type")

    @admin.display(description="Referral")
    def urgency(self, obj):
        return obj.referral.get("urgency")


@admin.register(HealthRecordAccess)
class HealthRecordAccessAdmin(admin.ModelAdmin):
    """Who opened which customer's health record, and when: a record nobody may edit or delete."""

    list_display = ["accessed_at", "staff", "customer", "kind", "record_id", "via"]
    list_filter = ["kind"]
    search_fields = ["customer__email", "staff__email", "record_id"]
    date_hierarchy = "accessed_at"
    list_select_related = ["staff", "customer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """Customers' consents. Staff may record one a customer gave them (on paper, by phone) or withdraw one;
    both go through the same services as the API and are never edited by hand."""

    list_display = ["user", "purpose", "text_version", "given_at", "method", "withdrawn_at"]
    list_filter = ["purpose", "method", "withdrawn_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    date_hierarchy = "given_at"
    fields = ["user", "purpose"]
    autocomplete_fields = ["user"]
    actions = ["withdraw"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "purpose", "text_version", "given_at", "method", "withdrawn_at"]

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.get_readonly_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Record the consent to the current text, given through staff (``method`` admin)."""
        version, _ = CONSENT_TEXTS[obj.purpose]
        consent, _ = consent_give(
            user=obj.user, purpose=obj.purpose, version=version, method=ConsentMethod.ADMIN
        )
        obj.pk = consent.pk
        obj.refresh_from_db()

    @admin.action(description="Withdraw the selected consents")
    def withdraw(self, request, queryset):
        withdrawn = sum(
            consent_withdraw(user=consent.user, purpose=consent.purpose)
            for consent in queryset.filter(withdrawn_at__isnull=True, user__isnull=False).select_related(
                "user"
            )
        )
        self.message_user(request, f"{withdrawn} consent(s) withdrawn.", messages.SUCCESS)


def _wider(field: str):
    rows = (
        ProductEvidence.objects.filter(
            product=OuterRef("product"), arch_type=OuterRef("arch_type"), activity=OuterRef("activity")
        )
        .order_by()
        .values("product")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Subquery(rows, output_field=IntegerField())


def learning_state() -> str:
    """Whether rankings learn from outcomes, and if not, which switch keeps them from it (one query)."""
    if not settings.MATCHING_LEARNING:
        return "off for this deployment (MATCHING_LEARNING=false): rankings use the rules alone"
    setting = learning_setting()
    if not setting.enabled:
        by = f" by {setting.changed_by}" if setting.changed_by else ""
        when = f" on {setting.changed_at:%Y-%m-%d %H:%M} UTC" if setting.changed_at else ""
        return f"switched off{by}{when}: rankings use the rules alone"
    return "on"


@admin.register(LearningSetting)
class LearningSettingAdmin(admin.ModelAdmin):
    """The staff switch for learning from outcomes: one row, no add after the first, no delete.

    Saving goes through ``learning_setting_change``, which records who changed it and when; the next
    assessment follows it. Staff with the change permission (the Manager role) may switch it.
    """

    fields = ["enabled", "note", "changed_by", "changed_at"]
    readonly_fields = ["changed_by", "changed_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not LearningSetting.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """The list would have one row: open it (or the form that creates it) instead."""
        if LearningSetting.objects.filter(pk=LearningSetting.SINGLETON).exists():
            url = reverse("admin:matching_learningsetting_change", args=[LearningSetting.SINGLETON])
        else:
            url = reverse("admin:matching_learningsetting_add")
        return HttpResponseRedirect(url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            messages.info(request, f"Learning from outcomes is {learning_state()}.")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        saved = learning_setting_change(
            enabled=form.cleaned_data["enabled"], note=form.cleaned_data["note"], by=request.user
        )
        obj.pk, obj.changed_by, obj.changed_at = saved.pk, saved.changed_by, saved.changed_at


@admin.register(ProductEvidence)
class ProductEvidenceAdmin(admin.ModelAdmin):
    """What outcomes say per product and segment, and how far they move a rule score (read-only).

    The page says whether learning is on: staff switch it (``LearningSettingAdmin``), and
    ``MATCHING_LEARNING=false`` keeps it off whatever they say.
    """

    list_display = [
        "product",
        "segment",
        "trials",
        "success_rate",
        "fit_return_rate",
        "defects",
        "frequent_reasons",
        "adjustment_at_50",
        "adjustment_at_80",
    ]
    list_filter = ["arch_type", "activity"]
    search_fields = ["product__name", "segment"]
    list_select_related = ["product"]
    readonly_fields = [f.name for f in ProductEvidence._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(wider_trials=_wider("trials"), wider_successes=_wider("successes"))
        )

    def changelist_view(self, request, extra_context=None):
        messages.info(request, f"Learning from outcomes is {learning_state()}.")
        return super().changelist_view(request, extra_context)

    @admin.display(description="kept, pain better")
    def success_rate(self, obj):
        return f"{obj.successes} ({100 * obj.successes / obj.trials:.0f} %)" if obj.trials else "–"

    @admin.display(description="fit returns")
    def fit_return_rate(self, obj):
        return f"{obj.fit_returns} ({100 * obj.fit_returns / obj.trials:.0f} %)" if obj.trials else "–"

    @admin.display(description="fit reasons")
    def frequent_reasons(self, obj):
        reasons = sorted((obj.reasons or {}).items(), key=lambda item: (-item[1], item[0]))
        return ", ".join(f"{reason.replace('_', ' ')} {count}" for reason, count in reasons[:3]) or "–"

    def _adjustment(self, obj, score: int) -> str:
        own = evidence_of_row(obj)
        wider = Evidence(
            trials=getattr(obj, "wider_trials", None) or obj.trials,
            successes=getattr(obj, "wider_successes", None) or obj.successes,
        )
        wider = Evidence(trials=wider.trials, successes=wider.successes, reasons=own.reasons)
        result = estimate(score=score, own=own, wider=wider, params=learning_params())
        return f"{result.adjustment:+d}"

    @admin.display(description="adjustment at rule score 50")
    def adjustment_at_50(self, obj):
        return self._adjustment(obj, 50)

    @admin.display(description="adjustment at rule score 80")
    def adjustment_at_80(self, obj):
        return self._adjustment(obj, 80)
