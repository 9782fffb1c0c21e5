"""Gap-free numbers under concurrent payments and refunds on PostgreSQL: real threads, real row locks."""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from orders.invoices.models import CreditNote, Invoice
from orders.models import Order
from orders.payments.webhooks import dummy_payment_event, payment_event_receive
from orders.services.payments import refund_create
from tests.invoices.helpers import insole
from tests.orders.factories import place_order

# serialized_rollback: the flush after each test would otherwise drop the seeded rates and shipping methods.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _together(calls) -> list:
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_fifty_concurrent_payments_are_invoiced_one_to_fifty_without_gap_or_duplicate():
    variant = insole("19.99", stock=100)
    orders = [place_order(items=[(variant, 1)], email=f"c{i}@example.com") for i in range(50)]
    events = [dummy_payment_event(order=order, outcome="succeed") for order in orders]

    errors = _together([lambda event=event: payment_event_receive(event=event) for event in events])

    assert errors == []
    assert Order.objects.filter(status="paid").count() == 50
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 51))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [f"INV-{n:06d}" for n in range(1, 51)]
    assert Invoice.objects.values("order").distinct().count() == 50


def test_concurrent_refunds_get_credit_notes_one_to_twenty():
    variant = insole("19.99", stock=100)
    orders = []
    for i in range(20):
        order = place_order(items=[(variant, 1)], email=f"r{i}@example.com")
        payment_event_receive(event=dummy_payment_event(order=order, outcome="succeed"))
        orders.append(Order.objects.get(pk=order.pk))

    errors = _together([lambda order=order: refund_create(order=order, amount=D("5.00")) for order in orders])

    assert errors == []
    assert sorted(CreditNote.objects.values_list("sequence", flat=True)) == list(range(1, 21))
