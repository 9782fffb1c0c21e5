"""Two requests for the last unit at the same moment on PostgreSQL: real row locks, real threads."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from orders.returns.models import ReturnLine
from tests.conftest import client_for
from tests.factories import UserFactory, VariantFactory
from tests.returns.helpers import delivered

# serialized_rollback: the flush after each test would otherwise drop the seeded shipping methods and group.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"returns": "10000/min"})


def test_two_simultaneous_requests_for_the_last_unit_one_wins():
    customer = UserFactory()
    staff = UserFactory(is_staff=True)
    order = delivered(staff=staff, user=customer, items=[(VariantFactory(stock=5), 1)])
    line = order.lines.get()
    clients: list[APIClient] = [client_for(customer), client_for(customer)]
    bodies = [
        {"kind": "return", "lines": [{"line_id": line.pk, "quantity": 1}], "reason": "changed_mind"},
        {"kind": "replacement", "lines": [{"line_id": line.pk, "quantity": 1}], "reason": "wrong_size"},
    ]
    barrier = threading.Barrier(2)
    results = [None, None]

    def ask(index):
        try:
            barrier.wait()
            response = clients[index].post(
                f"/api/v1/orders/{order.number}/returns/", bodies[index], format="json"
            )
            results[index] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(status for status, _ in results) == [201, 409]
    loser = next(body for status, body in results if status == 409)
    assert loser["errors"][0]["code"] == "quantity_exceeds_remaining"
    assert sum(ReturnLine.objects.filter(order_line=line).values_list("quantity", flat=True)) == 1
