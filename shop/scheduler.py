"""The scheduler: enqueues the jobs of ``SHOP_SCHEDULE`` when they are due (``manage.py run_scheduler``).

django-tasks-db has no periodic tasks, so one small process does it. Each job's next due time is a row
(``ScheduledJob``); a scheduler enqueues a job only if it is the one that moves that time on (an update
conditioned on the time it read), in the same transaction as the task row. Two schedulers running at
once therefore enqueue each job once per interval; running none delays the jobs, nothing else. The jobs
themselves are idempotent and lock what they change, so even a job run twice does no harm.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from shop.models import ScheduledJob
from shop.queue import enqueue_on_commit

logger = logging.getLogger(__name__)


def schedule_run_due(*, now: datetime | None = None) -> list[str]:
    """Enqueue every scheduled job that is due at ``now``; return the names of those enqueued."""
    now = now or timezone.now()
    schedule = settings.SHOP_SCHEDULE
    known = {job.name: job for job in ScheduledJob.objects.filter(name__in=list(schedule))}
    for name in schedule.keys() - known.keys():
        known[name], _ = ScheduledJob.objects.get_or_create(name=name, defaults={"next_run_at": now})
    enqueued = []
    for name, interval in schedule.items():
        job = known[name]
        if job.next_run_at > now:
            continue
        task = import_string(name)
        with transaction.atomic():
            moved = ScheduledJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
                next_run_at=now + timedelta(seconds=interval), last_enqueued_at=now
            )
            if moved:
                enqueue_on_commit(task)
        if moved:
            logger.info("Scheduled job %s enqueued; next in %d s.", name, interval)
            enqueued.append(name)
    return enqueued
