"""The durable task queue (django-tasks-db) as the shop uses it: tasks written with the change that
caused them, failed tasks tried again after a growing wait and then left for staff to run again, tasks
of a dead worker taken up again, the scheduled jobs enqueued once per interval, and /healthz.

The worker here is django-tasks-db's own (the class ``manage.py db_worker`` runs), in this process;
tests/test_queue_worker_postgres.py runs it as a separate process.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from orders.models import Order
from shop.management.commands import run_scheduler
from shop.models import ScheduledJob
from shop.queue import task_results_prune, tasks_stale_requeue
from shop.scheduler import schedule_run_due
from tests import queue_helpers as queue_tasks
from tests.factories import VariantFactory
from tests.orders.factories import place_order
from tests.queue_helpers import run_worker

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
SCHEDULE = {
    "orders.jobs.unpaid_orders_expire": 60,
    "orders.jobs.health_data_expire": 86400,
    "shop.queue.tasks_stale_requeue": 60,
}


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SHOP_TASK_MAX_ATTEMPTS = 3
    settings.SHOP_TASK_RETRY_BACKOFF = 30
    settings.SHOP_TASK_RETRY_BACKOFF_MAX = 3600
    settings.SHOP_TASK_RUNNING_TIMEOUT = 900
    settings.SHOP_SCHEDULE = SCHEDULE
    queue_tasks.RUNS["always_fails"] = 0


# --- enqueued with the change ---------------------------------------------------------------------
def test_a_checkout_writes_its_email_task_in_its_own_transaction():
    order = place_order(email="ann@example.com")
    task = DBTaskResult.objects.get(task_path="orders.tasks.email_send")
    assert task.status == TaskResultStatus.READY
    assert task.args_kwargs["kwargs"]["to"] == "ann@example.com"
    assert task.args_kwargs["kwargs"]["subject"] == f"We have your order {order.number}"


def test_a_change_that_rolls_back_leaves_no_task():
    variant = VariantFactory(stock=5)
    with pytest.raises(RuntimeError), transaction.atomic():
        place_order(items=[(variant, 1)])
        raise RuntimeError("something later in the same transaction failed")
    assert not Order.objects.exists()
    assert not DBTaskResult.objects.exists()


# --- retries ------------------------------------------------------------------------------------------
def test_a_failing_task_is_tried_again_after_30_then_60_seconds_then_stays_failed_with_its_error():
    with time_machine.travel(T0, tick=False) as clock:
        queue_tasks.always_fails.enqueue()
        run_worker()
        task = DBTaskResult.objects.get()
        assert (task.status, len(task.worker_ids)) == (TaskResultStatus.READY, 1)
        assert task.run_after == T0 + timedelta(seconds=30)
        assert "Connection refused" in task.traceback

        clock.move_to(T0 + timedelta(seconds=29, microseconds=999999))
        run_worker()
        assert queue_tasks.RUNS["always_fails"] == 1

        clock.move_to(T0 + timedelta(seconds=30))
        run_worker()
        task.refresh_from_db()
        assert queue_tasks.RUNS["always_fails"] == 2
        assert task.run_after == T0 + timedelta(seconds=30 + 60)

        clock.move_to(T0 + timedelta(seconds=90))
        run_worker()
        task.refresh_from_db()
        assert queue_tasks.RUNS["always_fails"] == 3
        assert task.status == TaskResultStatus.FAILED  # three attempts: no more

        clock.move_to(T0 + timedelta(days=1))
        run_worker()
        assert queue_tasks.RUNS["always_fails"] == 3


def test_the_wait_between_attempts_stops_growing_at_its_maximum(settings):
    settings.SHOP_TASK_MAX_ATTEMPTS = 10
    settings.SHOP_TASK_RETRY_BACKOFF_MAX = 100
    with time_machine.travel(T0, tick=False) as clock:
        queue_tasks.always_fails.enqueue()
        waits = []
        for _ in range(4):
            run_worker()
            task = DBTaskResult.objects.get()
            waits.append((task.run_after - timezone.now()).total_seconds())
            clock.move_to(task.run_after)
    assert waits == [30, 60, 100, 100]


def test_staff_see_a_failed_task_with_its_error_and_run_it_again(client, staff_user):
    with time_machine.travel(T0, tick=False) as clock:
        queue_tasks.always_fails.enqueue()
        for seconds in (0, 30, 90):
            clock.move_to(T0 + timedelta(seconds=seconds))
            run_worker()
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.FAILED
    client.force_login(staff_user)
    changelist = "/admin/django_tasks_database/dbtaskresult/"
    page = client.get(changelist + "?status__exact=FAILED").content.decode()
    assert "always_fails" in page and "ConnectionRefusedError" in page
    detail = client.get(f"{changelist}{task.pk}/change/").content.decode()
    assert "Connection refused" in detail  # the traceback

    response = client.post(changelist, {"action": "run_again", "_selected_action": [str(task.pk)]})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.worker_ids) == (TaskResultStatus.READY, [])
    run_worker()
    assert queue_tasks.RUNS["always_fails"] == 4


# --- a worker that died -------------------------------------------------------------------------------
def _running_since(started: datetime, *, attempts: int = 1) -> DBTaskResult:
    queue_tasks.succeeds.enqueue()
    task = DBTaskResult.objects.get()
    task.status = TaskResultStatus.RUNNING
    task.started_at = started
    task.worker_ids = [f"dead-{n}" for n in range(attempts)]
    task.save()
    return task


def test_a_task_left_running_longer_than_the_timeout_is_run_by_another_worker():
    task = _running_since(T0)
    with time_machine.travel(T0 + timedelta(seconds=900), tick=False):
        assert tasks_stale_requeue.call() == 0  # exactly the timeout: its worker may still be on it
    with time_machine.travel(T0 + timedelta(seconds=900, microseconds=1), tick=False):
        assert tasks_stale_requeue.call() == 1
        run_worker()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids == ["dead-0", "test-worker"]


def test_a_task_whose_workers_died_on_every_attempt_is_left_failed():
    task = _running_since(T0, attempts=3)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        assert tasks_stale_requeue.call() == 0
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert "stopped answering" in task.traceback


def test_old_successful_tasks_are_pruned_and_failed_ones_kept(settings):
    settings.SHOP_TASK_RESULT_RETENTION_DAYS = 14
    with time_machine.travel(T0, tick=False):
        queue_tasks.succeeds.enqueue()
        queue_tasks.always_fails.enqueue()
        settings.SHOP_TASK_MAX_ATTEMPTS = 1
        run_worker()
    with time_machine.travel(T0 + timedelta(days=14), tick=False):
        assert task_results_prune.call() == 0
    with time_machine.travel(T0 + timedelta(days=14, seconds=1), tick=False):
        assert task_results_prune.call() == 1
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == [TaskResultStatus.FAILED]


# --- the scheduler ------------------------------------------------------------------------------------
def _queued() -> list[str]:
    return sorted(DBTaskResult.objects.values_list("task_path", flat=True))


def test_the_scheduler_enqueues_each_job_once_per_interval():
    assert schedule_run_due(now=T0) == list(SCHEDULE)
    assert schedule_run_due(now=T0) == []  # a second scheduler at the same moment finds nothing due
    assert schedule_run_due(now=T0 + timedelta(seconds=59)) == []
    assert schedule_run_due(now=T0 + timedelta(seconds=60)) == [
        "orders.jobs.unpaid_orders_expire",
        "shop.queue.tasks_stale_requeue",
    ]
    assert _queued() == sorted(
        [*SCHEDULE, "orders.jobs.unpaid_orders_expire", "shop.queue.tasks_stale_requeue"]
    )
    assert ScheduledJob.objects.get(name="orders.jobs.health_data_expire").next_run_at == T0 + timedelta(
        days=1
    )


def test_a_scheduler_that_read_the_schedule_before_another_moved_it_enqueues_nothing(monkeypatch):
    """Two schedulers read the same due time; only the first to move it on enqueues the job."""
    schedule_run_due(now=T0)
    DBTaskResult.objects.all().delete()
    stale = list(ScheduledJob.objects.all())  # what a second scheduler read before the first moved on
    assert schedule_run_due(now=T0 + timedelta(seconds=60)) != []
    before = DBTaskResult.objects.count()
    monkeypatch.setattr(ScheduledJob.objects, "filter", _returning_stale(stale, ScheduledJob.objects.filter))
    assert schedule_run_due(now=T0 + timedelta(seconds=61)) == []
    assert DBTaskResult.objects.count() == before


def _returning_stale(stale, real_filter):
    """``ScheduledJob.objects.filter`` that answers the due-time read with rows read earlier."""

    def filtered(*args, **kwargs):
        return list(stale) if "name__in" in kwargs else real_filter(*args, **kwargs)

    return filtered


def test_the_scheduled_jobs_run_through_the_queue(monkeypatch):
    monkeypatch.setattr(run_scheduler, "close_old_connections", lambda: None)  # as for the worker, above
    call_command("run_scheduler", "--once")
    run_worker()
    assert set(DBTaskResult.objects.values_list("task_path", "status")) == {
        (name, TaskResultStatus.SUCCESSFUL) for name in SCHEDULE
    }


# --- /healthz -----------------------------------------------------------------------------------------
def test_healthz_reports_the_queue_ok_until_the_oldest_ready_task_is_older_than_the_threshold(
    client, settings
):
    settings.SHOP_QUEUE_BACKLOG_DEGRADED_SECONDS = 300
    assert client.get("/healthz").json()["queue"] == {"status": "ok", "oldest_ready_seconds": 0.0}
    with time_machine.travel(T0, tick=False):
        queue_tasks.succeeds.enqueue()
        queue_tasks.succeeds.using(run_after=T0 + timedelta(hours=1)).enqueue()  # not ready: not backlog
    with time_machine.travel(T0 + timedelta(seconds=300), tick=False):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "database": "ok",
            "queue": {"status": "ok", "oldest_ready_seconds": 300.0},
        }
    with time_machine.travel(T0 + timedelta(seconds=301), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200  # degraded, not down: the load balancer keeps the server
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "queue": {"status": "late", "oldest_ready_seconds": 301.0},
    }


def test_healthz_counts_a_retried_task_from_when_it_became_due(client, settings):
    settings.SHOP_QUEUE_BACKLOG_DEGRADED_SECONDS = 300
    with time_machine.travel(T0, tick=False):
        queue_tasks.always_fails.enqueue()
        run_worker()  # fails: due again at T0 + 30 s
    with time_machine.travel(T0 + timedelta(seconds=330), tick=False):
        assert client.get("/healthz").json()["queue"] == {"status": "ok", "oldest_ready_seconds": 300.0}


def test_healthz_is_degraded_when_the_configured_cache_is_unreachable(client):
    unreachable = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SOCKET_CONNECT_TIMEOUT": 1},
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"] == "unreachable"


def test_staff_without_the_task_permission_do_not_see_queued_emails(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True))
    assert client.get("/admin/django_tasks_database/dbtaskresult/").status_code == 403
