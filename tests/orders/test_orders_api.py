from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from catalogue.models import ProductVariant
from orders.models import Payment
from tests.factories import VariantFactory
from tests.orders.factories import delivered_order, paid_order, pay, place_order, shipped_order

pytestmark = pytest.mark.django_db


def test_customers_see_their_own_orders_newest_first(customer_client, customer, other_customer):
    first = place_order(user=customer)
    second = place_order(user=customer)
    place_order(user=other_customer)
    body = customer_client.get("/api/v1/orders/").json()
    assert body["count"] == 2
    assert [order["number"] for order in body["results"]] == [second.number, first.number]


def test_the_order_list_uses_a_constant_number_of_queries(
    customer_client, customer, django_assert_max_num_queries
):
    for _ in range(2):
        paid_order(user=customer, items=[(VariantFactory(), 1), (VariantFactory(), 2)])
    with django_assert_max_num_queries(8) as few:
        assert customer_client.get("/api/v1/orders/").status_code == 200
    for _ in range(5):
        paid_order(user=customer, items=[(VariantFactory(), 1), (VariantFactory(), 2)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = customer_client.get("/api/v1/orders/").json()
    assert body["count"] == 7


def test_anonymous_callers_have_no_order_list(api_client):
    assert api_client.get("/api/v1/orders/").status_code == 401


def test_the_detail_shows_lines_totals_payments_and_history(customer_client, customer):
    order = paid_order(user=customer, items=[(VariantFactory(price=Decimal("20.00")), 2)])
    body = customer_client.get(f"/api/v1/orders/{order.number}/").json()
    assert body["status"] == "paid" and body["paid_at"]
    assert body["lines"][0]["line_total"] == "40.00" and body["total"] == "44.90"
    assert body["payments"][0]["status"] == "succeeded"
    assert [step["to_status"] for step in body["history"]] == ["pending_payment", "paid"]
    assert body["refunded_total"] == "0.00" and body["replacement_for"] is None


def test_another_customers_order_is_404(other_client, customer):
    order = place_order(user=customer)
    response = other_client.get(f"/api/v1/orders/{order.number}/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "order_not_found"
    assert other_client.post(f"/api/v1/orders/{order.number}/cancel/").status_code == 404


def test_a_guest_reads_their_order_only_with_its_email(api_client):
    order = place_order(email="guest@example.com")
    assert api_client.get(f"/api/v1/orders/{order.number}/").status_code == 404
    assert api_client.get(f"/api/v1/orders/{order.number}/?email=someone@example.com").status_code == 404
    response = api_client.get(f"/api/v1/orders/{order.number}/?email=Guest@Example.com")
    assert response.status_code == 200 and response.json()["number"] == order.number


def test_a_registered_customers_order_cannot_be_read_by_email(api_client, customer):
    order = place_order(user=customer)
    assert api_client.get(f"/api/v1/orders/{order.number}/?email={customer.email}").status_code == 404


def test_cancelling_an_unpaid_order_releases_stock_and_voids_the_payment(customer_client, customer):
    variant = VariantFactory(stock=5)
    order = place_order(user=customer, items=[(variant, 2)])
    assert ProductVariant.objects.get(pk=variant.pk).stock == 3
    response = customer_client.post(f"/api/v1/orders/{order.number}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert ProductVariant.objects.get(pk=variant.pk).stock == 5
    assert Payment.objects.get(order=order).status == "cancelled"


def test_a_customer_cancels_after_a_failed_payment_and_gets_the_stock_back_with_nothing_to_refund(
    customer_client, customer
):
    """A declined card leaves the order payment_failed; cancelling it then releases the units and refunds nothing."""
    variant = VariantFactory(stock=5, price=Decimal("10.00"))
    order = pay(place_order(user=customer, items=[(variant, 2)]), outcome="fail")
    assert order.status == "payment_failed"
    assert ProductVariant.objects.get(pk=variant.pk).stock == 3

    response = customer_client.post(f"/api/v1/orders/{order.number}/cancel/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["refunds"] == [] and body["refunded_total"] == "0.00"
    assert [(row["from_status"], row["to_status"]) for row in body["history"]][-1] == (
        "payment_failed",
        "cancelled",
    )
    assert ProductVariant.objects.get(pk=variant.pk).stock == 5
    assert customer_client.post(f"/api/v1/orders/{order.number}/cancel/").status_code == 409


def test_cancelling_a_paid_order_refunds_it(customer_client, customer, django_capture_on_commit_callbacks):
    variant = VariantFactory(stock=5, price=Decimal("10.00"))
    order = paid_order(user=customer, items=[(variant, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        body = customer_client.post(f"/api/v1/orders/{order.number}/cancel/").json()
    assert body["status"] == "cancelled"
    assert body["refunded_total"] == "14.90"
    assert [(r["amount"], r["status"]) for r in body["refunds"]] == [("14.90", "succeeded")]
    assert ProductVariant.objects.get(pk=variant.pk).stock == 5
    assert any("cancelled" in message.subject for message in mail.outbox)


def test_a_guest_cancels_with_the_email(api_client):
    order = place_order(email="guest@example.com")
    assert api_client.post(f"/api/v1/orders/{order.number}/cancel/").status_code == 404
    response = api_client.post(
        f"/api/v1/orders/{order.number}/cancel/", {"email": "guest@example.com"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_cancellation_after_shipment_is_refused(customer_client, customer, staff_user):
    variant = VariantFactory(stock=5)
    order = shipped_order(staff=staff_user, user=customer, items=[(variant, 1)])
    response = customer_client.post(f"/api/v1/orders/{order.number}/cancel/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "invalid_transition"
    order.refresh_from_db()
    assert order.status == "shipped" and order.refunded_total == 0
    assert ProductVariant.objects.get(pk=variant.pk).stock == 4


def test_cancelling_twice_is_refused(customer_client, customer):
    order = place_order(user=customer)
    customer_client.post(f"/api/v1/orders/{order.number}/cancel/")
    response = customer_client.post(f"/api/v1/orders/{order.number}/cancel/")
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_transition"


def test_staff_ship_and_deliver(staff_client, staff_user, customer, django_capture_on_commit_callbacks):
    with time_machine.travel("2026-02-27 10:00Z"), django_capture_on_commit_callbacks(execute=True):
        order = paid_order(user=customer)
        response = staff_client.post(
            f"/api/v1/staff/orders/{order.number}/ship/",
            {"carrier": "DHL", "tracking_number": "JJD42"},
            format="json",
        )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "shipped" and body["tracking_number"] == "JJD42" and body["carrier"] == "DHL"
    assert "JJD42" in mail.outbox[-1].body

    response = staff_client.post(
        f"/api/v1/staff/orders/{order.number}/deliver/",
        {"delivered_at": "2026-03-01T14:00:00+01:00"},
        format="json",
    )
    assert response.status_code == 200
    order.refresh_from_db()
    expected = datetime(2026, 3, 1, 14, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert order.status == "delivered" and order.delivered_at == expected
    assert all(line.delivered_at == expected for line in order.lines.all())
    last = order.status_changes.last()
    assert (last.to_status, last.actor, last.role) == ("delivered", staff_user, "staff")


@pytest.mark.parametrize(
    ("delivered_at", "status", "code"),
    [
        ("2026-03-01T10:05:00Z", 200, None),  # five minutes ahead of the clock: skew, accepted
        ("2026-03-01T10:05:00.000001Z", 400, "delivered_in_future"),
        ("2026-02-27T10:00:00Z", 200, None),  # the moment it shipped
        ("2026-02-27T09:59:59.999999Z", 400, "delivered_before_shipped"),
    ],
)
def test_a_delivery_time_is_neither_in_the_future_nor_before_shipment(
    staff_client, staff_user, delivered_at, status, code
):
    """The windows count from delivery, so a wrong time would move the customer's deadlines."""
    with time_machine.travel("2026-02-27 10:00Z", tick=False):
        order = shipped_order(staff=staff_user)
    with time_machine.travel("2026-03-01 10:00Z", tick=False):
        response = staff_client.post(
            f"/api/v1/staff/orders/{order.number}/deliver/", {"delivered_at": delivered_at}, format="json"
        )
    assert response.status_code == status, response.json()
    order.refresh_from_db()
    if code:
        error = response.json()["errors"][0]
        assert (error["code"], error["attr"]) == (code, "delivered_at")
        assert order.status == "shipped" and order.delivered_at is None
    else:
        assert order.status == "delivered"


def test_delivery_defaults_to_now(staff_client, staff_user):
    order = shipped_order(staff=staff_user)
    assert (
        staff_client.post(f"/api/v1/staff/orders/{order.number}/deliver/", {}, format="json").status_code
        == 200
    )
    order.refresh_from_db()
    assert order.delivered_at is not None


def test_shipping_an_unpaid_order_is_refused(staff_client):
    order = place_order()
    response = staff_client.post(
        f"/api/v1/staff/orders/{order.number}/ship/",
        {"carrier": "DHL", "tracking_number": "1"},
        format="json",
    )
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_transition"


@pytest.mark.parametrize("action", ["ship", "deliver", "cancel"])
def test_non_staff_cannot_use_fulfilment(action, customer_client, api_client, customer):
    order = paid_order(user=customer)
    body = {"carrier": "DHL", "tracking_number": "1", "reason": "x"}
    url = f"/api/v1/staff/orders/{order.number}/{action}/"
    assert customer_client.post(url, body, format="json").status_code == 403
    assert api_client.post(url, body, format="json").status_code == 401
    order.refresh_from_db()
    assert order.status == "paid"


def test_staff_cancel_needs_a_reason_and_records_it(staff_client, staff_user):
    order = paid_order()
    assert (
        staff_client.post(f"/api/v1/staff/orders/{order.number}/cancel/", {}, format="json").status_code
        == 400
    )
    response = staff_client.post(
        f"/api/v1/staff/orders/{order.number}/cancel/",
        {"reason": "Out of stock at the warehouse"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["history"][-1]["note"] == "Out of stock at the warehouse"
    order.refresh_from_db()
    assert order.cancellation_reason == "Out of stock at the warehouse"


def test_delivered_orders_keep_the_line_delivery_time(staff_user):
    order = delivered_order(staff=staff_user)
    assert order.lines.get().delivered_at == order.delivered_at


def test_a_guest_cancelling_a_paid_order_gets_a_refund(api_client):
    order = paid_order(email="guest@example.com")
    response = api_client.post(
        f"/api/v1/orders/{order.number}/cancel/", {"email": "guest@example.com"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled" and body["refunded_total"] == body["total"]
    change = order.status_changes.last()
    assert change.actor is None and change.role == "customer"
