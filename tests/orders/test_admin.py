from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from orders.models import Order
from tests.orders.factories import paid_order, place_order, shipped_order

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_the_changelist_filters_and_searches(admin_client, staff_user):
    paid = paid_order(email="ada@example.com")
    unpaid = place_order(email="bob@example.com")
    shipped = shipped_order(staff=staff_user)
    for query, expected in [
        ("?status__exact=paid", {paid}),
        ("?awaiting_shipment=yes", {paid}),
        ("?paid=no", {unpaid}),
        ("?paid=yes", {paid, shipped}),
        (f"?q={unpaid.number}", {unpaid}),
        ("?q=ada@example", {paid}),
    ]:
        response = admin_client.get(CHANGELIST + query)
        assert response.status_code == 200, query
        assert set(response.context["cl"].result_list) == expected, query


def test_the_order_page_shows_lines_history_and_payments(admin_client):
    order = paid_order()
    response = admin_client.get(f"{CHANGELIST}{order.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert order.lines.get().sku in content
    assert "Pending payment" in content or "pending_payment" in content
    assert order.payments.get().provider_reference in content


def test_the_ship_action_asks_for_tracking_then_ships_through_the_service(admin_client, staff_user):
    first, second = paid_order(), paid_order()
    ids = [first.pk, second.pk]
    response = admin_client.post(CHANGELIST, {"action": "ship", "_selected_action": ids})
    assert response.status_code == 200
    assert b"Tracking number" in response.content
    form = {
        "action": "ship",
        "_selected_action": ids,
        "apply": "1",
        "ship-TOTAL_FORMS": "2",
        "ship-INITIAL_FORMS": "2",
        "ship-0-order": first.number,
        "ship-0-carrier": "DHL",
        "ship-0-tracking_number": "T1",
        "ship-1-order": second.number,
        "ship-1-carrier": "UPS",
        "ship-1-tracking_number": "T2",
    }
    response = admin_client.post(CHANGELIST, form)
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.carrier, first.tracking_number) == ("shipped", "DHL", "T1")
    assert (second.status, second.tracking_number) == ("shipped", "T2")
    change = first.status_changes.last()
    assert (change.actor, change.role) == (staff_user, "staff")


def test_the_ship_action_refuses_unpaid_orders_with_a_message(admin_client):
    order = place_order()
    form = {
        "action": "ship",
        "_selected_action": [order.pk],
        "apply": "1",
        "ship-TOTAL_FORMS": "1",
        "ship-INITIAL_FORMS": "1",
        "ship-0-order": order.number,
        "ship-0-carrier": "DHL",
        "ship-0-tracking_number": "T1",
    }
    response = admin_client.post(CHANGELIST, form, follow=True)
    assert f"Order {order.number}: This order cannot be shipped now" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_the_ship_action_opens_no_form_for_an_order_already_shipped(admin_client, staff_user):
    shipped = shipped_order(staff=staff_user)
    response = admin_client.post(
        CHANGELIST, {"action": "ship", "_selected_action": [shipped.pk]}, follow=True
    )
    content = response.content.decode()
    assert f"Order {shipped.number}: This order cannot be shipped now" in content
    assert "ship-0-tracking_number" not in content


def deliver_form(order, delivered_at: str) -> dict:
    return {
        "action": "deliver",
        "_selected_action": [order.pk],
        "apply": "1",
        "deliver-TOTAL_FORMS": "1",
        "deliver-INITIAL_FORMS": "1",
        "deliver-0-order": order.number,
        "deliver-0-delivered_at": delivered_at,
    }


def test_the_deliver_action_asks_when_each_order_was_delivered(admin_client, staff_user):
    """The form offers "now" in the shop's time zone; the time staff give is where the windows start."""
    with time_machine.travel("2026-03-02 08:00Z", tick=False):
        order = shipped_order(staff=staff_user)
    with time_machine.travel("2026-03-04 09:30Z", tick=False):
        page = admin_client.post(CHANGELIST, {"action": "deliver", "_selected_action": [order.pk]})
        assert page.status_code == 200 and "Deliver orders" in page.content.decode()
        assert 'value="2026-03-04T10:30"' in page.content.decode()  # now, in Europe/Berlin
        response = admin_client.post(CHANGELIST, deliver_form(order, "2026-03-03T15:45"))
    assert response.status_code == 302
    order.refresh_from_db()
    expected = datetime(2026, 3, 3, 15, 45, tzinfo=ZoneInfo("Europe/Berlin"))
    assert order.status == "delivered" and order.delivered_at == expected
    assert order.lines.get().delivered_at == expected
    change = order.status_changes.last()
    assert (change.to_status, change.actor, change.role) == ("delivered", staff_user, "staff")


def test_the_deliver_action_refuses_a_time_before_shipment_with_a_message(admin_client, staff_user):
    with time_machine.travel("2026-03-02 08:00Z", tick=False):
        order = shipped_order(staff=staff_user)
    response = admin_client.post(CHANGELIST, deliver_form(order, "2026-03-01T12:00"), follow=True)
    assert "cannot be before the order shipped" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "shipped" and order.delivered_at is None


def test_status_cannot_be_edited_and_payments_are_read_only(admin_client):
    order = paid_order()
    admin_client.post(f"{CHANGELIST}{order.pk}/change/", {"status": "delivered", "needs_attention": "on"})
    assert Order.objects.get(pk=order.pk).status == "paid"
    payment = order.payments.get()
    assert admin_client.get(f"/admin/orders/payment/{payment.pk}/change/").status_code == 200
    assert admin_client.get("/admin/orders/payment/add/").status_code == 403
    assert admin_client.get("/admin/orders/refund/").status_code == 200
    assert admin_client.get("/admin/orders/webhookevent/").status_code == 200


def test_saving_the_order_page_only_writes_the_staff_note(admin_client):
    """A save from a stale page never overwrites the status a webhook changed meanwhile."""
    order = place_order()
    stale = Order.objects.get(pk=order.pk)
    from tests.orders.factories import pay

    pay(order)
    from django.contrib import admin as django_admin

    from orders.admin import OrderAdmin

    stale.needs_attention = True
    stale.attention_note = "Customer called"
    OrderAdmin(Order, django_admin.site).save_model(None, stale, None, True)
    order.refresh_from_db()
    assert order.status == "paid" and order.needs_attention and order.attention_note == "Customer called"
