"""Benchmark the shop against a bare Django + DRF ceiling on this machine; print one table.

    .venv/bin/python -m bench.run [--runs 3] [--duration 6] [--connections 16]

What it does, all on 127.0.0.1:
1. creates a throwaway PostgreSQL database (``BENCH_DATABASE_URL``, default ``shop_bench``), migrates it
   and generates 1,000 products with 5 variants and 2 images each (``bench/catalogue.py``);
2. counts the SQL queries of one request per endpoint in-process (Django's test client on the same
   database): without the cache, and with it for a miss and for a hit;
3. starts three gunicorn servers, 2 sync workers each: the ceiling (``bench/ceiling``: a fixed JSON list
   of 20 products, no database), the shop without the catalogue cache (``CATALOGUE_CACHE_TIMEOUT=0``)
   and the shop with it on Redis (``BENCH_REDIS_URL``, default database 15);
4. drives each endpoint with wrk (2 threads, ``--connections``) for ``--duration`` seconds after a
   warm-up (a second per 500 paths, at least one, so each worker has served each path of an endpoint
   of many, such as every product page), ``--runs`` times in rotation, each right after a run of the
   ceiling, and prints the medians with the ratio to the ceiling (each run over the ceiling run just
   before it: load from anything else on the machine then moves both alike);
5. stops the servers and drops the database (``--keep-db`` keeps it).
"""

import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bench.endpoints import ENDPOINTS, BenchContext, BenchRequest, Endpoint

ROOT = Path(__file__).resolve().parent.parent

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PORTS = {"ceiling": 8300, "nocache": 8301, "cache": 8302}
CATALOGUE_READS = [endpoint.name for endpoint in ENDPOINTS if endpoint.cached]
# (endpoint, cache) -> minimum ratio to the ceiling: uncached, every list shape 0.4 and a detail 0.6;
# cached, 0.9 for every shape.
TARGETS = {
    **{(name, False): 0.6 if "detail" in name else 0.4 for name in CATALOGUE_READS},
    **{(name, True): 0.9 for name in CATALOGUE_READS},
}
# The most SQL queries one request may run: a catalogue read 3, an assessment 5, a checkout 8 (the
# ORM's statements, the same on every database: tests/orders/test_checkout_queries.py pins them).
MAX_QUERIES = 5
MAX_QUERIES_BY_ENDPOINT = {"checkout": 8, **dict.fromkeys(CATALOGUE_READS, 3)}


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    statuses: dict[int, int]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- database -------------------------------------------------------------------------------------


def _admin_connection(database_url: str):
    import psycopg

    url = urlparse(database_url)
    return psycopg.connect(
        host=url.hostname, port=url.port or 5432, user=url.username, password=url.password, dbname="postgres",
        autocommit=True,
    )  # fmt: skip


def database_create(database_url: str) -> None:
    import psycopg

    name = urlparse(database_url).path.lstrip("/")
    try:
        connection = _admin_connection(database_url)
    except psycopg.OperationalError as error:
        raise SystemExit(f"bench: PostgreSQL is not reachable ({database_url}): {error}") from None
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def database_drop(database_url: str) -> None:
    name = urlparse(database_url).path.lstrip("/")
    with _admin_connection(database_url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- servers --------------------------------------------------------------------------------------


def server_start(name: str, module: str, env: dict, log_dir: Path) -> subprocess.Popen:
    log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "--workers", "2", "--bind", f"127.0.0.1:{PORTS[name]}",
         module],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return process


def server_wait(name: str, path: str, process: subprocess.Popen, log_dir: Path) -> None:
    url = f"http://127.0.0.1:{PORTS[name]}{path}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} server exited; see {log_dir / (name + '.log')}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1 only
                if response.status == 200:
                    return
        time.sleep(0.2)
    raise SystemExit(f"{name} server did not answer {url} within 30 s; see {log_dir / (name + '.log')}")


def server_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # the gunicorn master, which stops its own workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


# --- wrk ------------------------------------------------------------------------------------------


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def wrk_script(requests: list[BenchRequest], threads: int) -> str:
    lines = ["local requests = {}"]
    for request in requests:
        headers = dict(request.headers)
        body = "nil"
        if request.body is not None:
            headers.setdefault("Content-Type", "application/json")
            body = _lua_string(json.dumps(request.body))
        header_table = (
            "{" + ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()) + "}"
        )
        lines.append(
            f"requests[#requests + 1] = wrk.format({_lua_string(request.method)}, {_lua_string(request.path)}, "
            f"{header_table}, {body})"
        )
    lines += [
        "local next_thread = 0",
        "local threads = {}",
        "function setup(thread)",
        "  thread:set('thread_index', next_thread); next_thread = next_thread + 1",
        "  table.insert(threads, thread)",
        "end",
        "refused = {}",
        "function response(status, headers, body)",
        "  if status >= 400 then refused[status] = (refused[status] or 0) + 1 end",
        "end",
        "function done(summary, latency, requests)",
        "  for _, thread in ipairs(threads) do",
        "    local counts = thread:get('refused')",
        "    for status, n in pairs(counts) do io.write(string.format('status %d: %d\\n', status, n)) end",
        "  end",
        "end",
        "local i = nil",
        "function request()",
        "  if i == nil then i = thread_index or 0 end",
        "  local r = requests[(i % #requests) + 1]",
        f"  i = i + {threads}",
        "  return r",
        "end",
    ]
    return "\n".join(lines) + "\n"


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, script: Path, *, duration: float, connections: int, threads: int) -> Result:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",  # the slow endpoints (assessment) must be measured, not counted as timeouts
        "10s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 60)
    if finished.stderr.strip():  # a Lua error: wrk would go on sending plain GETs
        raise SystemExit(f"wrk: {finished.stderr.strip()}")
    output = finished.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    count = int(errors.group(1)) if errors else 0
    count += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    statuses: dict[int, int] = {}
    for status, n in re.findall(r"^status (\d+): (\d+)$", output, re.MULTILINE):
        statuses[int(status)] = statuses.get(int(status), 0) + int(n)
    return Result(rps, p50, p99, count, statuses)


def probe_answer(base_url: str, request: BenchRequest) -> None:
    """Send one request and warn if it is refused, so an error column has a reason next to it."""
    data = None if request.body is None else json.dumps(request.body).encode()
    headers = {**request.headers, **({"Content-Type": "application/json"} if data else {})}
    probe = urllib.request.Request(base_url + request.path, data=data, headers=headers, method=request.method)
    try:
        with urllib.request.urlopen(probe, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
            response.read()
    except urllib.error.HTTPError as error:
        say(f"  warning: {request.method} {request.path} answered {error.code}: {error.read()[:300]!r}")


def prime(base_url: str, requests: list[BenchRequest]) -> None:
    """Fetch every distinct GET once, so a "with cache" run measures a warm cache, not its filling."""
    from concurrent.futures import ThreadPoolExecutor

    paths = sorted({r.path for r in requests if r.method == "GET"})

    def fetch(path: str) -> None:
        with urllib.request.urlopen(base_url + path, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
            response.read()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(fetch, paths))


# --- Django in the harness ------------------------------------------------------------------------


def django_setup(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def catalogue_generate() -> tuple[dict, list[str], list[str]]:
    from django.db import connection

    from bench.catalogue import bench_catalogue_create
    from catalogue.models import Product, ProductVariant

    counts = bench_catalogue_create()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    slugs = list(Product.objects.order_by("id").values_list("slug", flat=True))
    skus = list(ProductVariant.objects.order_by("id").values_list("sku", flat=True))
    return counts, slugs, skus


def route_exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).url_name != "api-not-found"
    except Resolver404:
        return False


def requests_hook(endpoint: Endpoint):
    module_name, function_name = endpoint.requests.split(":")
    if importlib.util.find_spec(module_name) is None:
        return None, f"{module_name.replace('.', '/')}.py not written yet"
    return getattr(importlib.import_module(module_name), function_name), None


def query_counts(requests: list[BenchRequest], *, cached: bool) -> dict[str, int]:
    """Count the SQL queries of one request: cache off, then (reads) a miss and a hit with the cache on.

    The first request warms imports and per-process caches; a write is counted on a second, different
    request, so a one-use cart is not replayed.
    """
    request = requests[0]
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    client = Client()

    def count(request: BenchRequest = request) -> int:
        kwargs = {}
        if request.body is not None:
            kwargs = {"data": json.dumps(request.body), "content_type": "application/json"}
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items()}
        executed = []

        def counter(execute, sql, params, many, context):
            executed.append(sql)
            return execute(sql, params, many, context)

        # (CaptureQueriesContext would miscount: each request clears the query log it reads.)
        with connection.execute_wrapper(counter):
            response = client.generic(request.method, request.path, **kwargs, **headers)
        if response.status_code >= 400:
            say(f"  warning: {request.method} {request.path} answered {response.status_code} in-process")
        return len(executed)

    with override_settings(CATALOGUE_CACHE_TIMEOUT=0):
        count()
        if not cached:
            return {"off": count(requests[1 % len(requests)])}
        off = count()
    cache.clear()
    with override_settings(CATALOGUE_CACHE_TIMEOUT=300):
        miss = count()
        hit = count()
    return {"off": off, "miss": miss, "hit": hit}


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated endpoint names (e.g. 'product list,list ?search'); all by default",
    )
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}

    if shutil.which("wrk") is None:
        say("wrk is missing: install it with `sudo apt-get install -y wrk` (Debian/Ubuntu), then rerun.")
        return 2
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop_bench")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    work = Path(tempfile.mkdtemp(prefix="shop-bench-"))
    base_env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        # Throttles would answer most of a load test with 429.
        **{
            f"THROTTLE_{scope}": "100000000/min"
            for scope in ("LOGIN", "REGISTER", "CHECKOUT", "UPLOADS", "RETURNS")
        },
        "PAYMENT_GATEWAY": "dummy",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    servers: dict[str, subprocess.Popen] = {}
    say(f"bench: database {database_url}, redis {redis_url}, work dir {work}")
    try:
        database_create(database_url)
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=base_env, check=True
        )
        django_setup({k: v for k, v in base_env.items() if k != "REDIS_URL"})
        started = time.monotonic()
        counts, slugs, skus = catalogue_generate()
        say(f"bench: generated {counts} in {time.monotonic() - started:.1f} s")

        import redis

        try:  # a fresh catalogue version: nothing cached by an earlier run can be served
            redis.Redis.from_url(redis_url).delete(":1:catalogue:version")
        except redis.ConnectionError as error:
            raise SystemExit(f"bench: Redis is not reachable ({redis_url}): {error}") from None

        context = BenchContext(base_url="", slugs=slugs, skus=skus)
        plan: list[tuple[Endpoint, object]] = []
        skipped: list[str] = []
        for endpoint in ENDPOINTS:
            if only and endpoint.name not in only:
                continue
            hook, why = requests_hook(endpoint)
            probe = endpoint.probe.replace("{slug}", slugs[0])
            if hook is None or not route_exists(probe):
                skipped.append(f"{endpoint.method} {endpoint.path}: {why or 'endpoint does not exist yet'}")
                continue
            plan.append((endpoint, hook))
        queries = {
            endpoint.name: query_counts(hook(context), cached=endpoint.cached) for endpoint, hook in plan
        }

        servers["ceiling"] = server_start("ceiling", "bench.ceiling.wsgi", base_env, work)
        servers["nocache"] = server_start(
            "nocache", "shop.wsgi", {**base_env, "CATALOGUE_CACHE_TIMEOUT": "0"}, work
        )
        servers["cache"] = server_start(
            "cache", "shop.wsgi", {**base_env, "REDIS_URL": redis_url, "CATALOGUE_CACHE_TIMEOUT": "300"}, work
        )
        server_wait("ceiling", "/api/v1/products/", servers["ceiling"], work)
        server_wait("nocache", "/healthz", servers["nocache"], work)
        server_wait("cache", "/healthz", servers["cache"], work)

        rows: dict[tuple[str, bool | None], list[Result]] = {}
        ratios: dict[tuple[str, bool | None], list[float]] = {}
        ceiling_script = work / "ceiling.lua"
        ceiling_script.write_text(wrk_script([BenchRequest("GET", "/api/v1/products/")], args.threads))
        load = {"duration": args.duration, "connections": args.connections, "threads": args.threads}
        for run in range(args.runs):
            say(f"bench: run {run + 1} of {args.runs}")
            jobs: list = []
            for endpoint, hook in plan:
                modes = (False, True) if endpoint.cached else (None,)
                for cached in modes:
                    # The ceiling right before each job: other load on the machine moves both alike.
                    jobs.append(("ceiling", None, None, "ceiling"))
                    jobs.append((endpoint, hook, cached, "nocache" if cached is False else "cache"))
            for endpoint, hook, cached, server in jobs:
                url = f"http://127.0.0.1:{PORTS[server]}"
                name = getattr(endpoint, "name", endpoint)
                if hook is None:
                    script = ceiling_script
                else:  # fresh requests for every load run: a write hook may hand out one-use carts
                    requests = hook(BenchContext(url, slugs, skus, run))
                    script = work / f"{name.replace(' ', '-')}-{server}-{run}.lua"
                    script.write_text(wrk_script(requests, args.threads))
                    if cached and run == 0:
                        prime(url, requests)
                    if run == 0:
                        probe_answer(url, requests[-1])
                # Warm-up: long enough for each worker to have served each of many paths a few times
                # (it keeps its own copies of cached pages), at least a second.
                warm_up = max(1, -(-len(requests) // 500)) if hook is not None else 1
                wrk(url, script, duration=warm_up, connections=args.connections, threads=args.threads)
                result = wrk(url, script, **load)
                rows.setdefault((name, cached), []).append(result)
                if hook is not None:
                    ratios.setdefault((name, cached), []).append(result.rps / rows[("ceiling", None)][-1].rps)
                say(
                    f"  {name:<15} {server:<8} {result.rps:8.0f} req/s  p50 {result.p50_ms:6.2f} ms"
                    + (f"  refused {result.statuses}" if result.statuses else "")
                )

        print_table(rows, ratios, queries, skipped, args)
        return 0
    finally:
        for process in servers.values():
            server_stop(process)
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if not args.keep_db:
            database_drop(database_url)
        shutil.rmtree(work, ignore_errors=True)


def print_table(rows, ratios, queries, skipped, args) -> None:
    def median(results: list[Result], attribute: str) -> float:
        return statistics.median(getattr(r, attribute) for r in results)

    print()
    print(
        f"Shop vs ceiling on this machine ({os.cpu_count()} CPU cores), 2 gunicorn sync workers each, "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s, medians of {args.runs} runs "
        "(ratio: median of each run's req/s over the ceiling's, measured just before it)"
    )
    print()
    print(
        "| endpoint | cache | req/s | p50 ms | p99 ms | SQL queries/req | ratio to ceiling | target | errors |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---:|")
    for (name, cached), results in rows.items():
        rps = median(results, "rps")
        ratio = statistics.median(ratios.get((name, cached), [1.0]))
        if name == "ceiling":
            label, cache, sql = f"ceiling: GET fixed 20 products (DRF, no DB; {len(results)} runs)", "-", "0"
        else:
            endpoint = next(e for e in ENDPOINTS if e.name == name)
            label = f"{endpoint.method} {endpoint.path}"
            counts = queries[name]
            if cached is None:  # a write: no read cache applies, the server has Redis
                cache, sql = "n/a (Redis server)", str(counts["off"])
            else:
                cache = "on (Redis)" if cached else "off"
                sql = f"{counts['hit']} (miss {counts['miss']})" if cached else str(counts["off"])
        target = TARGETS.get((name, cached))
        target_text = "" if target is None else f"≥ {target:g}: {'met' if ratio >= target else 'NOT met'}"
        errors = sum(r.errors for r in results)
        print(
            f"| {label} | {cache} | {rps:,.0f} | {median(results, 'p50_ms'):.2f} | {median(results, 'p99_ms'):.2f} "
            f"| {sql} | {ratio:.2f} | {target_text} | {errors} |"
        )
    print()
    for name, counts in queries.items():
        most, ceiling = max(counts.values()), MAX_QUERIES_BY_ENDPOINT.get(name, MAX_QUERIES)
        print(
            f"Most SQL queries in one {name} request: {most} (target ≤ {ceiling}: {'met' if most <= ceiling else 'NOT met'})"
        )
    for line in skipped:
        print(f"Skipped {line}.")


if __name__ == "__main__":
    sys.exit(main())
