"""gunicorn settings for `make serve`, production and the benchmarks (gunicorn reads this file itself).

Environment: ``WEB_CONCURRENCY`` (workers; default 2 x CPU cores + 1), ``HOST`` and ``PORT`` (default
127.0.0.1:8000), ``GUNICORN_ACCESS_LOG`` (``-`` for stdout; off by default, the load balancer logs),
``FORWARDED_ALLOW_IPS`` (the load balancer's address, so X-Forwarded-Proto is trusted).
"""

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
# Sync workers: one request per process at a time, the right model behind a buffering proxy (nginx, a
# cloud load balancer) for a CPU-bound Django app.
worker_class = "sync"
timeout = 30
graceful_timeout = 20
# Load Django once in the master and fork the workers from it: a worker starts (or is recycled) in
# milliseconds instead of re-importing the project, which stalled every request queued behind it for
# ~0.5 s (the p99 of the benchmark). Nothing opens a database or cache connection at import time;
# connections are made by each worker on its first request.
preload_app = True
# Recycle workers now and then so a slow leak cannot grow without bound (cheap with preload_app).
max_requests = 20000
max_requests_jitter = 2000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """Spare each worker the cyclic garbage collector's pauses over what never becomes garbage.

    ``gc.freeze()`` moves everything loaded so far (Django, the project: ``preload_app``) out of the
    collector's sight, and a higher first threshold makes collections rarer; reference counting
    still frees nearly everything a request allocates. Measured (docs/performance.md): without it,
    once a worker held the matching catalogue, full collections stalled cached reads (p99 150-300 ms).
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
