"""Checkout under load: cart → checkout → dummy payment with N concurrent clients against a running server.

    # a server on PostgreSQL with the dummy gateway and the checkout throttle lifted, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop THROTTLE_CHECKOUT=1000000/min DEBUG=false \\
        .venv/bin/gunicorn shop.wsgi -w 4 -b 127.0.0.1:8000
    # then, with the same DATABASE_URL (the script reads the database to check the stock afterwards):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop .venv/bin/python -m bench.checkout http://127.0.0.1:8000 \\
        --clients 16 --orders 400

It creates one product with a few variants holding ``--stock`` units in all (default: fewer than the
orders, so some checkouts must be refused), runs the flows, prints orders per second and p50/p99
latencies, and checks that stock before = stock after + units on orders that hold stock, never below 0.

``checkout_requests`` is also the hook ``bench/run.py`` calls for its "checkout" row (see
``bench/endpoints.py``): it prepares fresh carts in the benchmark database and returns one checkout
request per cart. That server must run with ``THROTTLE_CHECKOUT`` lifted, or most answers are 429.
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ADDRESS = {
    "first_name": "Bench",
    "last_name": "Mark",
    "line1": "Teststraße 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}
HOOK_CARTS = 6000  # more than a run can check out, so wrk never repeats a cart


# --- the hook for bench/run.py ---------------------------------------------------------------------


def checkout_requests(context) -> list:
    """Return one checkout request per fresh cart (one unit of one of the first 200 off-the-shelf SKUs each)."""
    from django.db import transaction
    from django.db.models import F

    from bench.endpoints import BenchRequest
    from catalogue.cache import catalogue_changed
    from catalogue.choices import ProductKind
    from catalogue.listing import listings_stock_write
    from catalogue.models import ProductVariant
    from orders.models import Cart, CartItem

    # Off-the-shelf products only: a custom orthotic needs a fitting first (409 fitting_incomplete).
    variants = list(
        ProductVariant.objects.filter(sku__in=context.skus, is_active=True)
        .exclude(product__kind=ProductKind.CUSTOM_ORTHOTIC)
        .order_by("pk")[:200]
    )
    with transaction.atomic():
        ProductVariant.objects.filter(pk__in=[v.pk for v in variants]).update(stock=F("stock") + HOOK_CARTS)
        listings_stock_write({v.product_id for v in variants})  # a size at 0 is back in stock
        catalogue_changed()
        carts = Cart.objects.bulk_create([Cart() for _ in range(HOOK_CARTS)])
        CartItem.objects.bulk_create(
            [
                CartItem(cart=cart, variant=variants[i % len(variants)], quantity=1)
                for i, cart in enumerate(carts)
            ]
        )
    return [
        BenchRequest(
            "POST",
            "/api/v1/checkout/",
            {
                "cart": str(cart.token),
                "email": f"bench{context.run}-{i}@example.com",
                "shipping_address": ADDRESS,
                "shipping_method": "standard",
            },
            {"Idempotency-Key": f"bench-{context.run}-{cart.token}"},
        )
        for i, cart in enumerate(carts)
    ]


# --- the standalone driver ---------------------------------------------------------------------------


class Api:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (operator-given URL)
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            payload = error.read()
            try:
                return error.code, json.loads(payload or b"{}")
            except ValueError:
                return error.code, {"raw": payload[:200].decode(errors="replace")}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import django

    django.setup()


def _create_stock(total: int, variants: int) -> list[tuple[int, str]]:
    from decimal import Decimal

    from catalogue.models import Category, Product, ProductVariant

    tag = uuid.uuid4().hex[:8]
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    product = Product.objects.create(
        category=category, name=f"Bench insole {tag}", slug=f"bench-insole-{tag}"
    )
    created = []
    for index in range(variants):
        stock = total // variants + (1 if index < total % variants else 0)
        variant = ProductVariant.objects.create(
            product=product, sku=f"BENCH-{tag}-{index}", size_label=f"EU {36 + index}", price=Decimal("39.90"),
            stock=stock,
        )  # fmt: skip
        created.append((variant.pk, variant.sku))
    return created


def _flow(api: Api, sku: str, index: int) -> tuple[str, float, float]:
    """Run one customer's flow; return (outcome, flow seconds, checkout seconds)."""
    started = time.perf_counter()
    status, cart = api.call("POST", "/api/v1/carts/")
    if status != 201:
        return f"cart {status}", time.perf_counter() - started, 0.0
    status, body = api.call("POST", f"/api/v1/carts/{cart['token']}/items/", {"sku": sku, "quantity": 1})
    if status != 201:
        return f"add {status} {body.get('errors', [{}])[0].get('code')}", time.perf_counter() - started, 0.0
    email = f"bench-{index}@example.com"
    body = {"cart": cart["token"], "email": email, "shipping_address": ADDRESS, "shipping_method": "standard"}
    checkout_started = time.perf_counter()
    status, order = api.call("POST", "/api/v1/checkout/", body, {"Idempotency-Key": str(uuid.uuid4())})
    checkout_seconds = time.perf_counter() - checkout_started
    if status != 201:
        code = order.get("errors", [{}])[0].get("code")
        return f"checkout {status} {code}", time.perf_counter() - started, checkout_seconds
    status, paid = api.call(
        "POST", f"/api/v1/payments/dummy/{order['number']}/", {"outcome": "succeed", "email": email}
    )
    if status != 200 or paid.get("status") != "paid":
        return f"pay {status}", time.perf_counter() - started, checkout_seconds
    return "paid", time.perf_counter() - started, checkout_seconds


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="The running server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=16, help="concurrent customers")
    parser.add_argument("--orders", type=int, default=400, help="flows to run in all")
    parser.add_argument(
        "--stock", type=int, help="units in stock across the variants (default: 90%% of --orders)"
    )
    parser.add_argument("--variants", type=int, default=4)
    args = parser.parse_args()

    _setup_django()
    from django.db.models import Sum

    from catalogue.models import ProductVariant
    from orders.models import OrderLine
    from orders.statuses import HOLDS_STOCK

    stock = args.stock if args.stock is not None else int(args.orders * 0.9)
    variants = _create_stock(stock, args.variants)
    skus = [sku for _, sku in variants]
    api = Api(args.base_url)
    status, _ = api.call("GET", "/healthz")
    if status != 200:
        print(f"The server at {args.base_url} is not answering /healthz ({status}).", file=sys.stderr)
        return 2

    outcomes: list[tuple[str, float, float]] = []
    lock = threading.Lock()
    counter = iter(range(args.orders))

    def worker():
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            result = _flow(api, skus[index % len(skus)], index)
            with lock:
                outcomes.append(result)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    paid = [o for o in outcomes if o[0] == "paid"]
    refused = {}
    for outcome, _, _ in outcomes:
        if outcome != "paid":
            refused[outcome] = refused.get(outcome, 0) + 1
    checkout_latencies = [o[2] for o in outcomes if o[2] > 0]
    flow_latencies = [o[1] for o in paid]

    pks = [pk for pk, _ in variants]
    left = ProductVariant.objects.filter(pk__in=pks).aggregate(s=Sum("stock"))["s"]
    held = (
        OrderLine.objects.filter(variant_id__in=pks, order__status__in=HOLDS_STOCK).aggregate(
            s=Sum("quantity")
        )["s"]
        or 0
    )
    negative = ProductVariant.objects.filter(pk__in=pks, stock__lt=0).exists()

    print(
        f"checkout bench: {args.orders} flows, {args.clients} clients, {stock} units in stock, {elapsed:.1f} s"
    )
    print(f"  paid orders        {len(paid)}  ({len(paid) / elapsed:.1f} orders/s)")
    print(f"  refused            {refused or 'none'}")
    print(f"  checkout latency   p50 {_percentile(checkout_latencies, 0.5) * 1000:.0f} ms   "
          f"p99 {_percentile(checkout_latencies, 0.99) * 1000:.0f} ms")  # fmt: skip
    print(f"  whole flow (paid)  p50 {_percentile(flow_latencies, 0.5) * 1000:.0f} ms   "
          f"p99 {_percentile(flow_latencies, 0.99) * 1000:.0f} ms   mean {statistics.fmean(flow_latencies or [0]) * 1000:.0f} ms")  # fmt: skip
    placed = sum(1 for outcome, _, _ in outcomes if outcome == "paid" or outcome.startswith("pay"))
    adds_up = stock == left + held and not negative and held == placed
    print(
        f"  stock check        before {stock} = left {left} + on orders {held}: {'OK' if adds_up else 'MISMATCH'}"
    )
    return 0 if adds_up else 1


if __name__ == "__main__":
    sys.exit(main())
