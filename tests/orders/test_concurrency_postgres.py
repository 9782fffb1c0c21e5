"""Concurrent checkouts on PostgreSQL: real row locks, real threads, one database connection each."""

import random
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from catalogue.models import ProductListing, ProductVariant
from orders.models import Order, OrderLine
from orders.services.stock import stock_reserve
from tests.factories import ProductFactory, VariantFactory
from tests.orders.factories import address

# serialized_rollback: the flush after each test would otherwise drop the seeded shipping methods.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _no_checkout_throttle(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"checkout": "10000/min"})


def _cart(items) -> str:
    client = APIClient()
    token = client.post("/api/v1/carts/").json()["token"]
    for variant, quantity in items:
        response = client.post(
            f"/api/v1/carts/{token}/items/", {"sku": variant.sku, "quantity": quantity}, format="json"
        )
        assert response.status_code == 201
    return token


def _run_together(tokens) -> list:
    barrier = threading.Barrier(len(tokens))
    results = [None] * len(tokens)

    def checkout(index, token):
        try:
            client = APIClient()
            body = {"cart": token, "email": f"c{index}@example.com", "shipping_address": address(),
                    "shipping_method": "standard"}  # fmt: skip
            barrier.wait()
            response = client.post("/api/v1/checkout/", body, format="json")
            results[index] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout, args=(i, token)) for i, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_thirty_checkouts_for_the_last_ten_units_make_exactly_ten_orders():
    variant = VariantFactory(stock=10)
    tokens = [_cart([(variant, 1)]) for _ in range(30)]
    results = _run_together(tokens)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 10 + [409] * 20
    assert {body["errors"][0]["code"] for status, body in results if status == 409} == {"insufficient_stock"}
    assert ProductVariant.objects.get(pk=variant.pk).stock == 0
    assert Order.objects.count() == 10
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == 10
    # Each order with its own line and first history row (their ids were drawn while the others waited).
    assert sorted(Order.objects.annotate(n=Count("lines")).values_list("n", flat=True)) == [1] * 10
    assert sorted(Order.objects.annotate(n=Count("status_changes")).values_list("n", flat=True)) == [1] * 10


def test_checkouts_of_the_same_variants_in_any_order_never_deadlock():
    """Carts hold the same variants added in different orders; locks are taken in primary-key order."""
    variants = [VariantFactory(stock=100) for _ in range(4)]
    tokens = []
    for _ in range(20):
        shuffled = random.sample(variants, k=len(variants))
        tokens.append(_cart([(variant, 2) for variant in shuffled]))
    results = _run_together(tokens)
    assert [status for status, _ in results] == [201] * 20
    assert [ProductVariant.objects.get(pk=v.pk).stock for v in variants] == [60] * 4


def test_the_same_idempotency_key_sent_twice_at_once_makes_one_order():
    variant = VariantFactory(stock=10)
    token = _cart([(variant, 1)])
    barrier = threading.Barrier(5)
    numbers = []

    def checkout():
        try:
            body = {
                "cart": token,
                "email": "a@example.com",
                "shipping_address": address(),
                "shipping_method": "standard",
            }
            barrier.wait()
            response = APIClient().post(
                "/api/v1/checkout/", body, format="json", headers={"Idempotency-Key": "once"}
            )
            numbers.append((response.status_code, response.json().get("number")))
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len({number for _, number in numbers}) == 1 and {status for status, _ in numbers} == {201}
    assert Order.objects.count() == 1
    assert ProductVariant.objects.get(pk=variant.pk).stock == 9


def test_two_refunds_at_once_never_exceed_what_was_captured():
    from decimal import Decimal

    from orders.exceptions import RefundExceedsCaptured
    from orders.models import Refund
    from orders.services.payments import refund_create
    from tests.orders.factories import paid_order

    order = paid_order(items=[(VariantFactory(price=Decimal("95.10")), 1)])  # 100.00 with shipping
    barrier = threading.Barrier(2)
    outcomes = []

    def refund():
        try:
            barrier.wait()
            refund_create(order=order, amount=Decimal("60.00"))
            outcomes.append("refunded")
        except RefundExceedsCaptured:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=refund) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refunded", "refused"]
    order.refresh_from_db()
    assert order.refunded_total == Decimal("60.00") and Refund.objects.count() == 1


def _wait_for_a_lock_wait(timeout: float = 20.0) -> None:
    """Return once another connection waits for a row lock on the read model (fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query LIKE %s",
                ["%catalogue_productlisting%"],
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second order never waited for the read model's row")


def _second_waits_for_the_first(first_change, second_change) -> list:
    """Run ``first_change`` in a transaction held open until ``second_change`` waits for a row lock."""
    first_done, first_may_commit = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                first_change()
                first_done.set()
                assert first_may_commit.wait(timeout=30)
        except Exception as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)
        finally:
            connection.close()

    def second():
        try:
            assert first_done.wait(timeout=30)
            with transaction.atomic():
                second_change()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    try:
        _wait_for_a_lock_wait()
    finally:
        first_may_commit.set()
        for thread in threads:
            thread.join(timeout=60)
    return errors


@pytest.fixture
def two_last_units():
    """A product in two bands, EU 40-41 and 42-43, each with its last unit."""
    product = ProductFactory(slug="two-sizes")
    small = VariantFactory(product=product, eu_min=Decimal("40"), eu_max=Decimal("41"), stock=1)
    large = VariantFactory(product=product, eu_min=Decimal("42"), eu_max=Decimal("43"), stock=1)
    return product, small, large


def _shown_out_of_stock(product) -> None:
    assert ProductListing.objects.values_list("in_stock", "stock_sizes").get(product=product) == (False, [])
    client = APIClient()
    assert client.get("/api/v1/products/", {"in_stock": "true"}).json()["count"] == 0
    assert client.get("/api/v1/products/", {"size_eu": "42", "in_stock": "true"}).json()["count"] == 0
    assert client.get("/api/v1/products/two-sizes/").json()["in_stock"] is False


def test_two_orders_taking_the_last_unit_of_two_sizes_leave_the_product_out_of_stock(two_last_units):
    """The second order's recount, after the first commits, sees both sizes sold out."""
    product, small, large = two_last_units
    errors = _second_waits_for_the_first(
        lambda: stock_reserve(quantities={small.pk: 1}),
        lambda: stock_reserve(quantities={large.pk: 1}),  # waits for the first order's read-model row
    )
    assert errors == []
    _shown_out_of_stock(product)


def test_a_staff_edit_during_the_sale_of_the_last_units_does_not_put_them_back(two_last_units):
    """A sold-out size's price saved while an order sells the last units: the row is rewritten after the order."""
    product, small, large = two_last_units
    sold_out = VariantFactory(product=product, eu_min=Decimal("44"), eu_max=Decimal("45"), stock=0)

    def price_edit():
        sold_out.price = Decimal("44.00")
        sold_out.save()  # the signal rewrites the product's row, waiting for the order's lock first

    errors = _second_waits_for_the_first(
        lambda: stock_reserve(quantities={small.pk: 1, large.pk: 1}), price_edit
    )
    assert errors == []
    _shown_out_of_stock(product)
