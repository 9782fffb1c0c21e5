"""The task queue's plumbing: enqueueing with the transaction, retries with backoff, lost workers, backlog.

The shop's tasks use the django-tasks API. In production the backend is django-tasks-db
(``django_tasks_db.DatabaseBackend``): each task is a row of ``DBTaskResult``, run by ``manage.py
db_worker`` processes on any number of machines. django-tasks-db itself runs a task once and leaves it
failed or, when its worker dies, running for ever; this module adds what a shop needs on top:

- ``enqueue_on_commit``: with the database backend the task row is written inside the current
  transaction, so it exists exactly when the change that caused it commits; with any other backend
  (the immediate one of development and tests) the task is enqueued once the transaction commits.
- retries: a task that fails is made ready again after a backoff (``SHOP_TASK_RETRY_BACKOFF`` seconds,
  doubling, at most ``SHOP_TASK_RETRY_BACKOFF_MAX``) until it has run ``SHOP_TASK_MAX_ATTEMPTS`` times;
  then it stays failed, with its error, in the admin, where staff run it again (shop/admin.py).
  Its row keeps the last error meanwhile, and one worker id per attempt.
- ``tasks_stale_requeue`` (a scheduled job): a task still running ``SHOP_TASK_RUNNING_TIMEOUT``
  seconds after it started belonged to a worker that died; it is made ready for another worker.

Every task must therefore be safe to run again: the email tasks keep a ledger of what they sent, the
webhook task processes each event once, the jobs lock what they change.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task, task_backends
from django_tasks.signals import task_finished
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger(__name__)


def is_durable(backend) -> bool:
    """Whether ``backend`` stores tasks in the shop's database (so enqueueing joins the transaction)."""
    return isinstance(backend, DatabaseBackend)


def enqueue_on_commit(task_, **kwargs) -> None:
    """Enqueue ``task_`` with ``kwargs`` as part of the current transaction: it runs only if that commits."""
    if is_durable(task_.get_backend()):
        task_.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task_.enqueue(**kwargs))


def retry_delay(attempts: int) -> float:
    """Seconds to wait before the next run of a task that has failed ``attempts`` times."""
    return min(settings.SHOP_TASK_RETRY_BACKOFF * 2 ** (attempts - 1), settings.SHOP_TASK_RETRY_BACKOFF_MAX)


@receiver(task_finished)
def _retry_failed_task(sender, task_result, **kwargs) -> None:
    """Make a failed database task ready again after its backoff, while it has attempts left."""
    db_result = getattr(task_result, "db_result", None)
    if db_result is None or task_result.status != TaskResultStatus.FAILED:
        return
    attempts = len(db_result.worker_ids)
    if attempts >= settings.SHOP_TASK_MAX_ATTEMPTS:
        logger.error(
            "Task %s (%s) failed %d times; it stays failed until staff run it again.",
            db_result.pk,
            db_result.task_path,
            attempts,
        )
        return
    delay = retry_delay(attempts)
    DBTaskResult.objects.filter(pk=db_result.pk, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=timezone.now() + timedelta(seconds=delay), finished_at=None
    )
    logger.warning(
        "Task %s (%s) failed (attempt %d of %d); trying again in %.1f s.",
        db_result.pk,
        db_result.task_path,
        attempts,
        settings.SHOP_TASK_MAX_ATTEMPTS,
        delay,
    )


def task_results_rerun(queryset) -> int:
    """Run the given failed tasks again, with a full set of attempts; return how many were queued."""
    return queryset.filter(status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=get_date_max(), finished_at=None, worker_ids=[]
    )


@task()
def tasks_stale_requeue() -> int:
    """Make tasks whose worker died while running them ready again; return how many were.

    A worker that is killed leaves its task "running". After ``SHOP_TASK_RUNNING_TIMEOUT`` seconds
    another worker takes it (one that has used all its attempts is marked failed instead).
    """
    cutoff = timezone.now() - timedelta(seconds=settings.SHOP_TASK_RUNNING_TIMEOUT)
    requeued = 0
    with transaction.atomic():
        stale = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        )
        for result in stale:
            if len(result.worker_ids) >= settings.SHOP_TASK_MAX_ATTEMPTS:
                result.status = TaskResultStatus.FAILED
                result.finished_at = timezone.now()
                result.exception_class_path = "shop.queue.WorkerLost"
                result.traceback = f"The worker running it stopped answering ({result.worker_ids[-1]})."
                result.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                continue
            result.status = TaskResultStatus.READY
            result.save(update_fields=["status"])
            requeued += 1
    if requeued:
        logger.warning("Requeued %d task(s) whose worker stopped while running them.", requeued)
    return requeued


@task()
def task_results_prune() -> int:
    """Delete successful tasks older than ``SHOP_TASK_RESULT_RETENTION_DAYS``; failed ones stay."""
    cutoff = timezone.now() - timedelta(days=settings.SHOP_TASK_RESULT_RETENTION_DAYS)
    deleted, _ = DBTaskResult.objects.successful().filter(finished_at__lt=cutoff).delete()
    return deleted


def queue_backlog_age() -> float | None:
    """Seconds the oldest task ready to run has waited (0 when none), or None without a database queue."""
    if not is_durable(task_backends[DEFAULT_TASK_BACKEND_ALIAS]):
        return None
    now = timezone.now()
    never = get_date_max()
    oldest = DBTaskResult.objects.ready().aggregate(
        queued=Min("enqueued_at", filter=Q(run_after=never)),
        due=Min("run_after", filter=~Q(run_after=never)),
    )
    waiting = [at for at in oldest.values() if at is not None]
    return max(0.0, (now - min(waiting)).total_seconds()) if waiting else 0.0
