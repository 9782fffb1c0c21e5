"""Staff pages of the follow-ups and the outcomes of order lines (read-only: customers answer them)."""

from django.contrib import admin

from orders.outcomes.models import FollowUp, LineOutcome


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["id", "order_number", "product", "days", "sent_at", "answered_at", "comfort",
                    "pain_better", "still_wearing", "problems"]  # fmt: skip
    list_filter = ["days", "still_wearing", "pain_better"]
    list_select_related = ["order_line__order"]
    raw_id_fields = ["order_line", "user", "assessment"]

    @admin.display(description="order")
    def order_number(self, obj):
        return obj.order_line.order.number

    @admin.display(description="product")
    def product(self, obj):
        return obj.order_line.product_name


@admin.register(LineOutcome)
class LineOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["order_line", "product", "kind", "reasons", "segment", "recommended", "updated_at"]
    list_filter = ["kind", "recommended", "arch_type", "activity"]
    list_select_related = ["product", "order_line"]
    raw_id_fields = ["order_line", "product", "assessment"]
