"""Time the catalogue's reads in process as the catalogue grows; print how each grows.

    .venv/bin/python -m bench.scale [--sizes 1000,10000,100000] [--repeat 30]

Creates a throwaway PostgreSQL database per size (``BENCH_DATABASE_URL``, default
``shop_bench_scale``, with ``_<size>`` appended), grows the benchmark catalogue
(``bench/catalogue.py``: 5 sizes and 2 pictures a product) to each size in turn, each size's
database copied from the one before (``CREATE DATABASE ... TEMPLATE``), and times every read of ``make bench`` (``bench/endpoints.py``: the first page, each
filter, search, ordering, page 7, a detail, signed in and not) through Django's test client, one
request at a time, the catalogue cache off, so each figure is the read model's query plus the
framework. Prints the median milliseconds per read and size, the growth (largest size over the
smallest) and the SQL queries of one request. The targets (issue of the read path): at 100,000
products every median at most 3x its 1,000-product median and at most 20 ms.

``--keep-db`` keeps the databases; ``--reuse`` then times a kept one again (migrated, and grown
only by the products it lacks), so a 100,000-product catalogue (about ten minutes to generate) is
built once: ``--keep-db --reuse`` on every run.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from bench.run import _admin_connection, database_drop, django_setup, say

ROOT = Path(__file__).resolve().parent.parent
GROWTH_TARGET = 3.0
MS_TARGET = 20.0


def reads(slugs: list[str], token: str) -> list[tuple[str, str, dict]]:
    """(name, path, headers) of every timed read."""
    from bench.endpoints import LIST_SHAPES

    signed_in = {"HTTP_AUTHORIZATION": f"Token {token}"}
    middle = slugs[len(slugs) // 2]
    return [
        ("list", "/api/v1/products/", {}),
        *((name, f"/api/v1/products/{query}", {}) for name, query in LIST_SHAPES),
        ("detail", f"/api/v1/products/{middle}/", {}),
        ("list signed-in", "/api/v1/products/", signed_in),
        ("list ?search two words", "/api/v1/products/?search=plantar+fasciitis", {}),
        ("list ?search two words, not in names", "/api/v1/products/?search=heel+spur", {}),
        ("list ?search two words, no match", "/api/v1/products/?search=zebra+quilt", {}),
        ("list ?search signed-in", "/api/v1/products/?search=heel", signed_in),
        ("detail signed-in", f"/api/v1/products/{middle}/", signed_in),
    ]


def time_reads(repeat: int) -> dict[str, tuple[float, int, str]]:
    """name -> (median ms, SQL queries, count in the page) for every read, on the catalogue as it is now."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from bench.endpoints import signed_in_headers
    from catalogue.models import ProductListing

    token = signed_in_headers()["Authorization"].split()[1]
    slugs = list(ProductListing.objects.order_by("name").values_list("slug", flat=True))
    client = Client()
    results = {}
    with override_settings(CATALOGUE_CACHE_TIMEOUT=0):
        for name, path, headers in reads(slugs, token):
            response = client.get(path, **headers)  # warm: imports, plans, the connection
            assert response.status_code == 200, (path, response.status_code, response.content[:300])
            executed = []

            def counter(execute, sql, params, many, context, executed=executed):
                executed.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(counter):
                client.get(path, **headers)
            timings = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(path, **headers)
                timings.append((time.perf_counter() - started) * 1000)
            body = response.json()
            count = f"{body.get('count', 1):,}" + ("" if body.get("count_exact", True) else "+")
            results[name] = (statistics.median(timings), len(executed), count)
    return results


def _database_url(base: str, size: int) -> str:
    url = urlparse(base)
    return url._replace(path=f"{url.path}_{size}").geturl()


def _database_names(base: str) -> set[str]:
    with _admin_connection(base) as admin:
        return {name for (name,) in admin.execute("SELECT datname FROM pg_database").fetchall()}


def _database_use(base: str, size: int, previous: int | None, reuse: bool) -> None:
    """Point Django at the database of ``size``: kept (``reuse``), else a copy of ``previous``'s, else new."""
    from django.db import connections

    name = urlparse(_database_url(base, size)).path.lstrip("/")
    connections.close_all()
    if not (reuse and name in _database_names(base)):
        with _admin_connection(base) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if previous is None:
                admin.execute(f'CREATE DATABASE "{name}"')
            else:
                source = urlparse(_database_url(base, previous)).path.lstrip("/")
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    connections["default"].settings_dict["NAME"] = name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep-db", action="store_true", help="keep each size's database")
    parser.add_argument("--reuse", action="store_true", help="time a kept database again, grown as needed")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop_bench_scale")
    work = Path(tempfile.mkdtemp(prefix="shop-scale-"))
    env = {
        "DATABASE_URL": _database_url(database_url, sizes[0]),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "MEDIA_ROOT": str(work / "media"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "shop.settings",
    }
    os.environ.pop("REDIS_URL", None)
    try:
        _admin_connection(database_url).close()
    except Exception as error:  # noqa: BLE001 - any failure to connect says the same
        raise SystemExit(f"bench: PostgreSQL is not reachable ({database_url}): {error}") from None
    try:
        django_setup(env)
        from django.core.management import call_command
        from django.db import connection

        from bench.catalogue import bench_catalogue_create
        from catalogue.models import Product

        table: dict[int, dict[str, tuple[float, int, str]]] = {}
        previous = None
        for size in sizes:
            started = time.monotonic()
            _database_use(database_url, size, previous, args.reuse)
            call_command("migrate", "--noinput", verbosity=0)
            have = Product.objects.count()
            if have > size:
                raise SystemExit(f"bench: the kept database of {size:,} holds {have:,} products")
            bench_catalogue_create(products=size - have, start=have)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            say(
                f"scale: {size:,} products ({size - have:,} added) in {time.monotonic() - started:.0f} s; timing"
            )
            table[size] = time_reads(args.repeat)
            say("  " + ", ".join(f"{name} {ms:.1f}" for name, (ms, _q, _c) in table[size].items()))
            previous = size
        print_table(table, args)
        return 0
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            for size in sizes:
                database_drop(_database_url(database_url, size))


def print_table(table, args) -> None:
    sizes = sorted(table)
    first, last = sizes[0], sizes[-1]
    print()
    print(
        f"Catalogue reads in process, one at a time, cache off, median of {args.repeat} "
        f"({os.cpu_count()} CPU cores, PostgreSQL on the same machine)"
    )
    print()
    header = " | ".join(f"{size:,} products ms" for size in sizes)
    # The count the page gives: "1,000+" where it is a lower bound (CATALOGUE_COUNT_LIMIT).
    print(f"| read | {header} | growth {last:,} / {first:,} | SQL | count at {last:,} | target |")
    print("|---|" + "---:|" * len(sizes) + "---:|---:|---:|---|")
    for name in table[first]:
        figures = [table[size][name][0] for size in sizes]
        growth = figures[-1] / figures[0]
        met = growth <= GROWTH_TARGET and figures[-1] <= MS_TARGET
        verdict = f"≤ {GROWTH_TARGET:g}x and ≤ {MS_TARGET:g} ms: {'met' if met else 'NOT met'}"
        cells = " | ".join(f"{ms:.1f}" for ms in figures)
        print(
            f"| {name} | {cells} | {growth:.2f}x | {table[last][name][1]} | {table[last][name][2]} | {verdict} |"
        )


if __name__ == "__main__":
    sys.exit(main())
