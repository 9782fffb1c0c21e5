"""Admin for foot-type matching: staff tune rules and exercises, and look at assessments and footprints."""

from django.contrib import admin, messages
from django.utils.html import format_html

from catalogue.matching.consent import CONSENT_TEXTS, ConsentMethod
from catalogue.matching.models import (
    Assessment,
    Consent,
    Exercise,
    Footprint,
    HealthRecordAccess,
    MatchingRule,
)
from catalogue.matching.services import consent_give, consent_withdraw


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
    ]
    list_editable = ["weight", "is_active", "position"]
    list_filter = ["attribute", "contraindication", "is_active"]
    search_fields = ["code", "reason", "source"]
    fields = ["code", "when", "attribute", "preferred", "weight", "contraindication", "reason", "source",
              "position", "is_active"]  # fmt: skip


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "conditions"]
    search_fields = ["name", "slug", "instructions"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["conditions"]


def _overlay_tag(footprint: Footprint, size: int):
    if not footprint.overlay:
        return "—"
    return format_html(
        '<a href="{}"><img src="{}" alt="Footprint overlay" style="max-height:{}px;max-width:{}px"></a>',
        footprint.overlay.url,
        footprint.overlay.url,
        size,
        size,
    )


@admin.register(Footprint)
class FootprintAdmin(admin.ModelAdmin):
    list_display = [
        "preview",
        "id",
        "owner",
        "side",
        "arch_index",
        "arch_type",
        "foot_length_mm",
        "created_at",
    ]
    list_filter = ["arch_type", "side", "scale"]
    search_fields = ["id", "owner__email"]
    list_select_related = ["owner"]
    readonly_fields = ["overlay_preview", "id", "owner", "side", "image", "overlay", "arch_index", "arch_type",
                       "chippaux_smirak", "foot_length_mm", "width_mm", "scale", "mm_per_px", "method",
                       "zone_areas_px", "geometry", "created_at"]  # fmt: skip

    def has_add_permission(self, request):
        return False  # footprints are measured on upload, through the API

    @admin.display(description="Overlay")
    def preview(self, obj):
        return _overlay_tag(obj, 60)

    @admin.display(description="Overlay")
    def overlay_preview(self, obj):
        return _overlay_tag(obj, 600)


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "arch_type", "urgency", "created_at"]
    search_fields = ["id", "owner__email"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "owner", "footprint", "answers", "profile", "referral", "size", "recommendations",
                       "exercises", "created_at"]  # fmt: skip

    def has_add_permission(self, request):
        return False

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
