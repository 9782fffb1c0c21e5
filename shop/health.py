"""``GET /healthz``: what a load balancer and an operator need to know, quickly.

- ``database``: a ``SELECT 1``; unreachable means 503 (the server cannot serve anything).
- ``cache``: a write and a read through the shared cache, when one is configured (Redis); a failing
  cache makes the answer "degraded", not down: catalogue reads fall back to the database.
- ``queue``: with the database task queue, how long the oldest task ready to run has waited; above
  ``SHOP_QUEUE_BACKLOG_DEGRADED_SECONDS`` (workers stopped or too few) the answer is "degraded".

"degraded" is still 200: the load balancer keeps the server, monitoring sees the status.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from shop.queue import queue_backlog_age

logger = logging.getLogger(__name__)


def _cache_state() -> str | None:
    """ "ok", "unreachable", or None when the cache is the process's own memory (nothing to check)."""
    if settings.CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")):
        return None
    try:
        cache.set("healthz", "ok", timeout=10)
        return "ok" if cache.get("healthz") == "ok" else "unreachable"
    except Exception:  # noqa: BLE001 - any cache failure is reported, not raised
        logger.warning("Health check: the cache is unreachable", exc_info=True)
        return "unreachable"


def healthz(request):
    """Report the database (503 when unreachable), the cache and the task queue's backlog."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    body = {"status": "ok", "database": "ok"}
    cache_state = _cache_state()
    if cache_state is not None:
        body["cache"] = cache_state
        if cache_state != "ok":
            body["status"] = "degraded"
    try:
        backlog = queue_backlog_age()
    except Exception:  # noqa: BLE001 - a queue table that cannot be read is reported, not raised
        logger.warning("Health check: the task queue cannot be read", exc_info=True)
        body["queue"] = {"status": "unreachable"}
        body["status"] = "degraded"
    else:
        if backlog is not None:
            limit = settings.SHOP_QUEUE_BACKLOG_DEGRADED_SECONDS
            late = backlog > limit
            body["queue"] = {"status": "late" if late else "ok", "oldest_ready_seconds": round(backlog, 1)}
            if late:
                body["status"] = "degraded"
    return JsonResponse(body)
