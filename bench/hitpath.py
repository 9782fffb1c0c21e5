"""Time the catalogue's reads in process through the WSGI handler, one at a time; print microseconds.

    .venv/bin/python -m bench.hitpath [--repeat 2000] [--redis] [--profile "list signed-in, hit"]

Creates a throwaway PostgreSQL database (``BENCH_DATABASE_URL``, default ``shop_bench_hitpath``) with
200 benchmark products (``bench/catalogue.py``) and times each catalogue read, anonymous and signed
in (a customer's token), through ``shop.wsgi.application``: every middleware and view a request
meets under gunicorn, without the server, the socket or wrk. Three modes: a cache hit (the cache
warmed first), a 304 (the hit's ETag sent back in ``If-None-Match``) and the cache off
(``CATALOGUE_CACHE_TIMEOUT=0``: the read model's query every time). The cache is this process's local
memory, or Redis with ``--redis`` (``BENCH_REDIS_URL``, default database 13: the hit then costs a
round trip for the catalogue version). Prints the median microseconds per request and the SQL
queries of one; ``--profile NAME`` (a row's "read, mode") prints cProfile's costliest functions for it.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.run import database_create, database_drop, django_setup, say

PRODUCTS = 200


def environ(path: str, query: str, headers: dict[str, str]) -> dict:
    """A WSGI environ as gunicorn builds it for ``GET path?query`` from 127.0.0.1."""
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "bench",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **headers,
    }


def call(application, env: dict) -> tuple[str, dict[str, str], bytes]:
    """One request: the status line, the headers and the body, the response closed as gunicorn closes it."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    result = application(dict(env, **{"wsgi.input": io.BytesIO(b"")}), start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()
    return seen["status"], seen["headers"], body


def reads(slug: str, token: str) -> list[tuple[str, str, str, dict[str, str]]]:
    """(name, path, query, headers) of every timed read."""
    signed_in = {"HTTP_AUTHORIZATION": f"Token {token}"}
    return [
        ("list", "/api/v1/products/", "", {}),
        ("list ?page=2&page_size=10", "/api/v1/products/", "page=2&page_size=10", {}),
        ("detail", f"/api/v1/products/{slug}/", "", {}),
        ("categories", "/api/v1/categories/", "", {}),
        ("list signed-in", "/api/v1/products/", "", signed_in),
        ("detail signed-in", f"/api/v1/products/{slug}/", "", signed_in),
        ("categories signed-in", "/api/v1/categories/", "", signed_in),
    ]


def queries_of(application, env: dict) -> int:
    from django.db import connection

    executed = []

    def counter(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        call(application, env)
    return len(executed)


def measure(application, env: dict, repeat: int, profile: bool) -> float:
    """Median microseconds of ``repeat`` requests (cProfile's report on stdout when ``profile``)."""
    timings = []
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    for _ in range(repeat):
        started = time.perf_counter()
        call(application, env)
        timings.append((time.perf_counter() - started) * 1e6)
    if profiler:
        profiler.disable()
        for order in ("tottime", "cumulative"):
            print(f"\n--- cProfile, by {order} ---")
            pstats.Stats(profiler).sort_stats(order).print_stats(30)
    return statistics.median(timings)


def time_reads(repeat: int, profile: str | None) -> list[tuple[str, str, float, int, str]]:
    from django.core.cache import cache
    from django.test.utils import override_settings

    from bench.endpoints import signed_in_headers
    from catalogue.models import ProductListing
    from shop.wsgi import application

    token = signed_in_headers()["Authorization"].split()[1]
    slug = ProductListing.objects.order_by("name").values_list("slug", flat=True)[PRODUCTS // 2]
    rows = []
    for name, path, query, headers in reads(slug, token):
        env = environ(path, query, headers)
        for mode in ("hit", "304", "off"):
            label = f"{name}, {mode}"
            settings = {"CATALOGUE_CACHE_TIMEOUT": 0} if mode == "off" else {}
            with override_settings(**settings):
                cache.clear()
                status, sent, _body = call(application, env)  # warms imports, plans, the cache
                assert status.startswith("200"), (label, status)
                timed = dict(env, HTTP_IF_NONE_MATCH=sent["ETag"]) if mode == "304" else env
                status, sent, _body = call(application, timed)
                assert status.startswith("304" if mode == "304" else "200"), (label, status)
                queries = queries_of(application, timed)
                median = measure(application, timed, repeat, profile == label)
            rows.append((name, mode, median, queries, sent.get("X-Catalogue-Cache", "")))
            say(f"  {label}: {median:.0f} µs, {queries} SQL")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--redis", action="store_true", help="the cache on Redis (BENCH_REDIS_URL)")
    parser.add_argument("--profile", help='a row to profile, e.g. "list signed-in, hit"')
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop_bench_hitpath"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    work = Path(tempfile.mkdtemp(prefix="shop-hitpath-"))
    env = {
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "shop.settings",
    }
    os.environ.pop("REDIS_URL", None)
    if args.redis:
        env["REDIS_URL"] = redis_url
    database_create(database_url)
    try:
        django_setup(env)
        from django.core.management import call_command

        from bench.catalogue import bench_catalogue_create

        call_command("migrate", "--noinput", verbosity=0)
        bench_catalogue_create(products=PRODUCTS)
        rows = time_reads(args.repeat, args.profile)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            database_drop(database_url)
    cache = "Redis" if args.redis else "local memory"
    print()
    print(f"Catalogue reads through the WSGI handler, one at a time, median of {args.repeat}, cache: {cache}")
    print(f"({os.cpu_count()} CPU cores, PostgreSQL on the same machine, load {os.getloadavg()[0]:.2f})")
    print()
    print("| read | mode | µs | SQL | X-Catalogue-Cache |")
    print("|---|---|---:|---:|---|")
    for name, mode, median, queries, state in rows:
        print(f"| {name} | {mode} | {median:.0f} | {queries} | {state} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
