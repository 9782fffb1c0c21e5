"""The back office on a large shop: the order and return changelists and the dashboard, timed in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop_bench .venv/bin/python -m bench.admin_lists \\
        --orders 1000000 --returns 100000

PostgreSQL only. It migrates the database, then (once: it skips what is already there) writes the
orders, one line each, a few refunds and the return requests with ``generate_series`` in plain SQL (a
million orders take about a minute), runs ``ANALYZE``, and requests each page through Django's test
client as a manager (not a superuser), ``--repeat`` times after one warm-up. It prints the median and
the slowest time of each page and its number of SQL statements. The target: every page under 500 ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Spread of the statuses of the generated orders: most are old and delivered.
STATUS_SQL = """CASE
    WHEN n %% 1000 < 2 THEN 'paid'
    WHEN n %% 1000 < 3 THEN 'in_production'
    WHEN n %% 1000 < 5 THEN 'pending_payment'
    WHEN n %% 1000 < 15 THEN 'shipped'
    WHEN n %% 1000 < 40 THEN 'cancelled'
    WHEN n %% 1000 < 60 THEN 'expired'
    ELSE 'delivered' END"""

ORDERS_SQL = f"""
INSERT INTO orders_order (number, email, status, currency, subtotal, shipping_total, total, captured_total,
    refunded_total, shipping_address, shipping_method_code, shipping_method_name, carrier, tracking_number,
    cancellation_reason, needs_attention, attention_note, created_at, updated_at, paid_at, shipped_at,
    delivered_at)
SELECT 'B' || lpad(n::text, 9, '0'), 'customer' || (n %% 200000) || '@example.com', s.status, 'EUR',
    39.90, 4.90, 44.80, 44.80, 0,
    jsonb_build_object('first_name', 'Kim', 'last_name', 'Name' || (n %% 50000), 'line1', 'Weg ' || n,
        'city', 'Berlin', 'postal_code', lpad((n %% 99999)::text, 5, '0'), 'country', 'DE',
        'phone', '+4930' || lpad(n::text, 8, '0')),
    CASE WHEN n %% 7 = 0 THEN 'express' ELSE 'standard' END,
    CASE WHEN n %% 7 = 0 THEN 'Express (DHL Express)' ELSE 'Standard (DHL)' END,
    CASE WHEN s.status IN ('shipped', 'delivered') THEN 'DHL' ELSE '' END,
    CASE WHEN s.status IN ('shipped', 'delivered') THEN 'JJD' || lpad(n::text, 10, '0') ELSE '' END,
    '', n %% 10000 = 0, '', t.at, t.at, t.at + interval '5 minutes',
    CASE WHEN s.status IN ('shipped', 'delivered') THEN t.at + interval '1 day' END,
    CASE WHEN s.status = 'delivered' THEN t.at + interval '3 days' END
FROM generate_series(%(start)s, %(stop)s) AS n,
    LATERAL (SELECT {STATUS_SQL} AS status) AS s,
    LATERAL (SELECT now() - make_interval(secs => (%(stop)s - n) * 60) AS at) AS t
"""

LINES_SQL = """
INSERT INTO orders_orderline (order_id, product_kind, product_name, sku, size_label, quantity, unit_price,
    line_total, returnable, return_days, replacement_days, delivered_at)
SELECT id, 'insole', 'Bench insole', 'BENCH-' || (id %% 500), 'EU 41-42', 1, 39.90, 39.90, true, 30, 30,
    delivered_at
FROM orders_order WHERE number LIKE 'B%%' AND id > %(after)s
"""

RETURNS_SQL = """
INSERT INTO orders_returnrequest (order_id, kind, status, reason, comment, requested_at, window_closes_at,
    rejection_reason, goodwill_reason, created_at, updated_at)
SELECT o.id, CASE WHEN o.id %% 4 = 0 THEN 'replacement' ELSE 'return' END,
    CASE WHEN o.id %% 100 < 2 THEN 'requested' WHEN o.id %% 100 < 3 THEN 'approved'
         WHEN o.id %% 100 < 4 THEN 'received' WHEN o.id %% 100 < 10 THEN 'rejected' ELSE 'closed' END,
    'wrong_size', '', o.delivered_at + interval '2 days', o.delivered_at + interval '30 days', '', '',
    o.delivered_at + interval '2 days', o.delivered_at + interval '2 days'
FROM (SELECT id, delivered_at FROM orders_order WHERE status = 'delivered' AND number LIKE 'B%%'
      ORDER BY id LIMIT %(count)s) AS o
"""

RETURN_LINES_SQL = """
INSERT INTO orders_returnline (return_request_id, order_line_id, quantity, replacement_sku, restock)
SELECT r.id, l.id, 1, '', false FROM orders_returnrequest r JOIN orders_orderline l ON l.order_id = r.order_id
"""

PAYMENTS_SQL = """
INSERT INTO orders_payment (order_id, provider, attempt, provider_reference, amount, currency, status,
    amount_received, failure_reason, created_at, updated_at)
SELECT id, 'dummy', 1, 'bench_pi_' || id, 44.80, 'EUR', 'succeeded', 44.80, '', created_at, created_at
FROM orders_order WHERE number LIKE 'B%%' AND id %% 50 = 0
"""

REFUNDS_SQL = """
INSERT INTO orders_refund (order_id, payment_id, amount, currency, status, reason, failure_reason,
    created_at, updated_at)
SELECT order_id, id, 10.00, 'EUR', CASE WHEN id %% 100 = 0 THEN 'failed' WHEN id %% 100 = 1 THEN 'pending'
    ELSE 'succeeded' END, 'bench', '', created_at, created_at
FROM orders_payment WHERE provider = 'dummy' AND provider_reference LIKE 'bench_pi_%%'
"""


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()


def build(*, orders: int, returns: int, batch: int = 200_000) -> None:
    from django.db import connection

    from orders.models import Order
    from orders.returns.models import ReturnRequest

    have = Order.objects.filter(number__startswith="B").count()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM orders_order")
        after = cursor.fetchone()[0]
        for start in range(have + 1, orders + 1, batch):
            stop = min(start + batch - 1, orders)
            cursor.execute(ORDERS_SQL, {"start": start, "stop": stop})
            print(f"  orders {stop:,} / {orders:,} ({time.perf_counter() - started:.0f} s)", flush=True)
        if have < orders:
            cursor.execute(LINES_SQL, {"after": after})
            cursor.execute(PAYMENTS_SQL, {})
            cursor.execute(REFUNDS_SQL, {})
        have_returns = ReturnRequest.objects.count()
        if have_returns < returns:
            cursor.execute(RETURNS_SQL, {"count": returns - have_returns})
            cursor.execute("DELETE FROM orders_returnline")
            cursor.execute(RETURN_LINES_SQL, {})
        cursor.execute("ANALYZE")
    print(f"data ready in {time.perf_counter() - started:.0f} s", flush=True)


def pages() -> list[tuple[str, str]]:
    from orders.models import Order
    from orders.returns.models import ReturnRequest

    order = Order.objects.filter(number__startswith="B", status="delivered").order_by("-id").first()
    request = ReturnRequest.objects.order_by("-id").first()
    return [
        ("dashboard", "/admin/"),
        ("orders", "/admin/orders/order/"),
        ("orders, page 50", "/admin/orders/order/?p=50"),
        ("orders: delivered", "/admin/orders/order/?status__exact=delivered"),
        ("orders: paid", "/admin/orders/order/?status__exact=paid"),
        ("orders: awaiting shipment", "/admin/orders/order/?awaiting_shipment=yes"),
        ("orders: needing attention", "/admin/orders/order/?needs_attention__exact=1"),
        ("orders: created this month", "/admin/orders/order/?created_at__gte=" + _month_start()),
        ("orders: search number", f"/admin/orders/order/?q={order.number}"),
        ("orders: search email", "/admin/orders/order/?q=customer4242@example.com"),
        ("orders: search surname", "/admin/orders/order/?q=Name4242"),
        ("orders: search postcode", "/admin/orders/order/?q=04242"),
        ("orders: search SKU", "/admin/orders/order/?q=BENCH-42"),
        ("orders: search tracking", f"/admin/orders/order/?q={order.tracking_number}"),
        ("order page", f"/admin/orders/order/{order.pk}/change/"),
        ("returns", "/admin/returns/returnrequest/"),
        ("returns: awaiting staff", "/admin/returns/returnrequest/?awaiting_action=yes"),
        ("returns: requested", "/admin/returns/returnrequest/?status__exact=requested"),
        ("returns: closed", "/admin/returns/returnrequest/?status__exact=closed"),
        ("return request page", f"/admin/returns/returnrequest/{request.pk}/change/"),
        ("refunds: pending or failed", "/admin/orders/refund/?open=yes"),
    ]


def _month_start() -> str:
    from django.utils import timezone

    return timezone.localdate().replace(day=1).isoformat()


def measure(*, repeat: int) -> list[tuple[str, float, float, int, int]]:
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shop.models import User

    manager, _ = User.objects.get_or_create(email="bench.manager@example.com", defaults={"is_staff": True})
    manager.groups.set([Group.objects.get(name="Manager")])
    client = Client()
    client.force_login(manager)
    rows = []
    for name, url in pages():
        client.get(url)  # warm-up
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        rows.append((name, statistics.median(times), max(times), len(queries), response.status_code))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--returns", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench.admin_lists needs PostgreSQL: set DATABASE_URL=postgres://...")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    build(orders=args.orders, returns=args.returns)
    rows = measure(repeat=args.repeat)
    print(f"\n{'page':<30} {'median ms':>10} {'max ms':>8} {'SQL':>4}  status")
    for name, median, slowest, queries, status in rows:
        flag = "" if slowest < 500 else "  over 500 ms"
        print(f"{name:<30} {median:>10.0f} {slowest:>8.0f} {queries:>4}  {status}{flag}")


if __name__ == "__main__":
    main()
