"""Tasks for the queue's tests: one that always fails as a mail server that is down does."""

from django_tasks import task

RUNS = {"always_fails": 0}


@task()
def always_fails() -> None:
    RUNS["always_fails"] += 1
    raise ConnectionRefusedError("[Errno 111] Connection refused")


@task()
def succeeds() -> str:
    return "done"
