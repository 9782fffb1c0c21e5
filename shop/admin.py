import json

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
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


class EstimatedCountPaginator(Paginator):
    """A changelist paginator that never counts every row of a large table on PostgreSQL.

    An unfiltered list takes the planner's row estimate of the table (``pg_class.reltuples``); a
    filtered one counts exactly up to ``EXACT_UP_TO`` rows and beyond that takes the planner's estimate
    of the query. Small tables and other databases count exactly. Pair it with
    ``show_full_result_count = False`` so the changelist does not count the whole table a second time.
    """

    EXACT_UP_TO = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or connections[queryset.db].vendor != "postgresql":
            return super().count
        exact = queryset.order_by()[: self.EXACT_UP_TO + 1].count()
        if exact <= self.EXACT_UP_TO:
            return exact
        if not queryset.query.where:
            estimate = _table_estimate(queryset)
        else:
            estimate = _query_estimate(queryset)
        return max(estimate, exact)


def _table_estimate(queryset: QuerySet) -> int:
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] and row[0] > 0 else 0


def _query_estimate(queryset: QuerySet) -> int:
    sql, params = queryset.order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class FastListMixin:
    """Changelists that stay fast on large tables: estimated page counts, no full-table count."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False


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
