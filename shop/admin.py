from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from shop.models import ScheduledJob, User
from shop.queue import task_results_rerun


class ReadOnlyMixin:
    """Show a model in the admin without adding, changing or deleting: its rows change through services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "email_verified", "is_staff", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "email_verified", "email_verified_at")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    # Verified by the customer following the emailed link (accounts.services), not by hand.
    readonly_fields = ["email_verified", "email_verified_at"]
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class TaskResultAdmin(DBTaskResultAdmin):
    """The task queue (django-tasks-db) for staff: failed tasks with their error, and running them again."""

    list_display = ["task_name", "status", "attempts", "error", "enqueued_at", "run_after", "finished_at"]
    list_filter = ["status", "queue_name"]
    search_fields = ["task_path", "exception_class_path"]
    actions = ["run_again"]

    @admin.display(description="attempts")
    def attempts(self, obj):
        return len(obj.worker_ids)

    @admin.display(description="last error")
    def error(self, obj):
        return obj.exception_class_path.rsplit(".", 1)[-1] or "-"

    # Seen only by staff given its view permission (superusers have it): a queued email's arguments hold
    # the rendered message, a password-reset link included.
    @admin.action(description="Run the selected failed tasks again", permissions=["view"])
    def run_again(self, request, queryset):
        count = task_results_rerun(queryset)
        self.message_user(request, f"{count} failed task(s) queued to run again.", messages.SUCCESS)


admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)


@admin.register(ScheduledJob)
class ScheduledJobAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "next_run_at", "last_enqueued_at"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff
