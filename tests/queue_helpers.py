"""Helpers for the queue's tests: tasks that fail or succeed, and django-tasks-db's worker run in-process.

``run_worker`` runs the worker class ``manage.py db_worker`` runs, in batch mode (every ready task, then
return), inside the test's transaction; tests/test_queue_worker_postgres.py runs it as a process.
"""

from unittest import mock

from django.db import transaction
from django_tasks import task
from django_tasks_db.management.commands import db_worker

RUNS = {"always_fails": 0}


@task()
def always_fails() -> None:
    RUNS["always_fails"] += 1
    raise ConnectionRefusedError("[Errno 111] Connection refused")


@task()
def succeeds() -> str:
    return "done"


def run_worker(worker_id: str = "test-worker") -> None:
    """Run every task that is ready now, as one ``db_worker --batch`` would, then return.

    Inside a test's transaction the worker keeps its connection (a real one closes it between tasks)
    and takes a savepoint where, on SQLite, it would open its own ``BEGIN EXCLUSIVE``.
    """
    with (
        mock.patch.object(
            db_worker, "exclusive_transaction", lambda using=None: transaction.atomic(using=using)
        ),
        mock.patch.object(db_worker, "close_old_connections", lambda: None),
    ):
        db_worker.Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
        ).run()
