"""Staff pages for accounts: erasing a customer's account (an action on users, after a confirmation page)
and the record of each erasure. The user pages themselves are ``shop.admin.UserAdmin``'s."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse

from accounts.models import ErasureRecord
from accounts.services import user_erase
from shop.admin import ReadOnlyMixin
from shop.admin import UserAdmin as ShopUserAdmin
from shop.exceptions import ApplicationError

User = get_user_model()


class UserAdmin(ShopUserAdmin):
    actions = ["erase"]

    @admin.action(description="Erase personal and health data", permissions=["delete"])
    def erase(self, request, queryset):
        """Erase each selected account (``accounts.services.user_erase``) once staff confirm."""
        if "apply" not in request.POST:
            context = {
                **self.admin_site.each_context(request),
                "title": "Erase personal and health data",
                "opts": self.model._meta,
                "queryset": queryset.order_by("email"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/accounts/user_erase.html", context)
        for user in queryset.order_by("pk"):
            label = f"Account {user.pk}"
            try:
                answer = user_erase(user=user, erased_by=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{label}: {error.detail}", messages.ERROR)
                continue
            kept = ", ".join(f"{item['what']} ({item['count']})" for item in answer["kept"]) or "nothing"
            self.message_user(request, f"{label} erased; kept without the person: {kept}.", messages.SUCCESS)
        return None


admin.site.unregister(User)
admin.site.register(User, UserAdmin)


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Which account was erased, by whom, when and how; nobody may change or delete these rows."""

    list_display = ["erased_at", "account", "erased_by", "via"]
    list_filter = ["via"]
    date_hierarchy = "erased_at"
    list_select_related = ["account", "erased_by"]
    fields = ["account", "erased_by", "via", "erased_at", "counts"]
    readonly_fields = fields
