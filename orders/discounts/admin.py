"""Staff pages for discount codes: their rules, and how often each has been used."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from orders.discounts.models import DiscountCode


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "value", "free_shipping", "minimum_subtotal", "valid_from", "valid_until",
                    "usage", "is_active"]  # fmt: skip
    list_filter = ["is_active", "kind", "free_shipping"]
    search_fields = ["code", "description"]
    filter_horizontal = ["products", "categories"]
    readonly_fields = ["usage", "orders_link", "created_at"]
    fieldsets = [
        (None, {"fields": ["code", "description", "is_active"]}),
        ("What it takes off", {"fields": ["kind", "value", "free_shipping", "minimum_subtotal"]}),
        ("On what", {"fields": ["products", "categories", "product_kinds", "includes_custom_orthotics"]}),
        ("When and how often", {"fields": ["valid_from", "valid_until", "usage_limit", "once_per_customer"]}),
        (
            "Usage",
            {
                "fields": ["usage", "orders_link", "created_at"],
                "description": "Uses are the orders placed with the code; an order that is cancelled or "
                "expires unpaid gives its use back (a return after delivery does not).",
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Orders name the code itself: once it exists it keeps its spelling.
        return [*self.readonly_fields, "code"] if obj is not None else self.readonly_fields

    @admin.display(description="used")
    def usage(self, obj):
        if obj.pk is None:
            return "–"
        return (
            f"{obj.times_used} of {obj.usage_limit}" if obj.usage_limit is not None else f"{obj.times_used}"
        )

    @admin.display(description="orders")
    def orders_link(self, obj):
        if obj.pk is None:
            return "–"
        url = reverse("admin:orders_order_changelist") + f"?discount_code__exact={obj.code}"
        return format_html('<a href="{}">Orders carrying {}</a>', url, obj.code)
