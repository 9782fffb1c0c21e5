"""Concurrent checkouts with one code on PostgreSQL: real row locks, real threads, one connection each."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from orders.discounts.models import DiscountCode
from orders.models import Order
from tests.discounts.helpers import code, insole
from tests.orders.test_concurrency_postgres import _run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _no_checkout_throttle(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"checkout": "10000/min"})


def test_twenty_checkouts_with_a_code_limited_to_ten_make_exactly_ten_orders_carrying_it():
    code("TEN", value="10", usage_limit=10)
    tokens = []
    for _ in range(20):
        client = APIClient()
        token = client.post("/api/v1/carts/").json()["token"]
        assert (
            client.post(
                f"/api/v1/carts/{token}/items/", {"sku": insole("40.00").sku, "quantity": 1}, format="json"
            ).status_code
            == 201
        )
        assert (
            client.post(f"/api/v1/carts/{token}/discount/", {"code": "TEN"}, format="json").status_code == 200
        )
        tokens.append(token)
    results = _run_together(tokens)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 10 + [409] * 10
    assert {body["errors"][0]["code"] for status, body in results if status == 409} == {"discount_used_up"}
    assert Order.objects.filter(discount_code="TEN").count() == 10
    assert Order.objects.count() == 10
    assert DiscountCode.objects.get(code="TEN").times_used == 10
