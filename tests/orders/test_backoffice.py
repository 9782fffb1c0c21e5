"""The back office: the dashboard on the admin index, the acts on an order's page, search, and the roles."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group

from orders.models import Order, Refund
from orders.returns.models import ReturnRequest
from tests.factories import UserFactory, VariantFactory
from tests.orders.factories import delivered_order, paid_order, place_order, shipped_order

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def member(group: str, email: str):
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def settings_berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    return settings


def act_url(order, act):
    return f"/admin/orders/order/{order.pk}/act/{act}/"


def test_the_dashboard_lists_the_oldest_order_to_ship_first_and_flags_express(client):
    warehouse = member("Warehouse", "wh@example.com")
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN), tick=False):
        older = paid_order(email="first@example.com", shipping_method="express")
    with time_machine.travel(datetime(2026, 12, 1, 11, 0, tzinfo=BERLIN), tick=False):
        newer = paid_order(email="second@example.com")
        place_order(email="unpaid@example.com")
    client.force_login(warehouse)
    with time_machine.travel(datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN), tick=False):
        page = client.get("/admin/").content.decode()
    to_ship = page[
        page.index('id="panel-to-ship"') : page.index("</section>", page.index('id="panel-to-ship"'))
    ]
    assert 'data-count="2"' in to_ship
    assert to_ship.index(older.number) < to_ship.index(newer.number)
    assert "Express" in to_ship and "waiting 2 days" in to_ship
    assert f"/admin/orders/order/{older.pk}/act/ship/" in to_ship
    # The warehouse sees no refunds panel (it cannot view refunds) and no lab queue.
    assert 'id="panel-refunds"' not in page and 'id="panel-to-make"' not in page
    assert 'id="panel-out-of-stock"' in page


def test_the_dashboard_counts_with_few_queries(client, django_assert_max_num_queries):
    manager = member("Manager", "boss@example.com")
    for _ in range(3):
        paid_order()
    client.force_login(manager)
    with django_assert_max_num_queries(30):
        assert client.get("/admin/").status_code == 200


def test_ship_from_the_order_page_with_the_methods_carrier(client, settings_berlin):
    warehouse = member("Warehouse", "wh@example.com")
    order = paid_order(shipping_method="express")
    client.force_login(warehouse)
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert 'id="act-ship"' in page and 'id="act-cancel"' not in page and 'id="act-refund"' not in page
    form = client.get(act_url(order, "ship")).content.decode()
    assert '<option value="DHL Express" selected>DHL Express</option>' in form
    response = client.post(
        act_url(order, "ship"), {"carrier": "DHL Express", "tracking_number": "JJD42"}, follow=True
    )
    assert (
        f"Order {order.number} is shipped with DHL Express (tracking number JJD42); the customer has been sent "
        "the tracking details." in response.content.decode()
    )
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "DHL Express", "JJD42")
    # A shipped order offers no ship form any more.
    again = client.get(act_url(order, "ship"), follow=True).content.decode()
    assert "This order cannot be shipped now" in again and 'name="tracking_number"' not in again


def test_cancel_needs_a_reason_and_says_what_it_did(client):
    agent = member("Customer service", "cs@example.com")
    order = paid_order()
    client.force_login(agent)
    assert "This field is required." in client.post(act_url(order, "cancel"), {"reason": ""}).content.decode()
    response = client.post(act_url(order, "cancel"), {"reason": "Customer phoned"}, follow=True)
    assert f"Order {order.number} is cancelled" in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_customer_service_cannot_ship_or_refund_an_order(client):
    agent = member("Customer service", "cs@example.com")
    order = paid_order()
    client.force_login(agent)
    assert client.get(act_url(order, "ship")).status_code == 403
    assert client.get(act_url(order, "refund")).status_code == 403


def test_the_refund_page_refuses_more_than_is_left_and_is_not_offered_when_nothing_is(client):
    manager = member("Manager", "boss@example.com")
    order = paid_order()  # 39.90 + 4.90 shipping captured
    client.force_login(manager)
    too_much = client.post(act_url(order, "refund"), {"amount": "44.81", "reason": "Late"}).content.decode()
    assert "At most 44.80 EUR is left to refund on this order." in too_much
    done = client.post(act_url(order, "refund"), {"amount": "44.80", "reason": "Late"}, follow=True)
    assert f"A refund of 44.80 EUR for order {order.number}" in done.content.decode()
    assert list(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [Decimal("44.80")]
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert 'id="act-refund"' not in page
    again = client.post(act_url(order, "refund"), {"amount": "1.00", "reason": "x"}, follow=True)
    assert "Nothing is left to refund on this order." in again.content.decode()
    assert Refund.objects.filter(order=order).count() == 1


def test_a_goodwill_return_after_the_window_closed(client, staff_user, settings_berlin):
    agent = member("Customer service", "cs@example.com")
    variant = VariantFactory(price=Decimal("39.90"), stock=5)
    with time_machine.travel(datetime(2026, 11, 1, 10, 0, tzinfo=BERLIN), tick=False):
        order = delivered_order(staff=staff_user, items=[(variant, 1)])
    line = order.lines.get()
    client.force_login(agent)
    # The 30-day window closed at the end of 1 December (Berlin); the customer phones a day later.
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN), tick=False):
        form = client.get(act_url(order, "return")).content.decode()
        assert "closed Tue 1 Dec, 23:59 (goodwill only)" in form
        data = {"kind": "return", "reason": "not_comfortable", f"line_{line.pk}": "1", "goodwill_reason": ""}
        refused = client.post(act_url(order, "return"), data).content.decode()
        assert "Give a goodwill reason to accept it anyway." in refused
        assert not ReturnRequest.objects.exists()
        response = client.post(
            act_url(order, "return"),
            {**data, "goodwill_reason": "Loyal customer, phoned a day late"},
            follow=True,
        )
    request = ReturnRequest.objects.get()
    assert (request.status, request.goodwill_reason, request.goodwill_by) == (
        "approved", "Loyal customer, phoned a day late", agent,
    )  # fmt: skip
    assert "is started and approved as goodwill" in response.content.decode()


def test_inside_the_window_no_goodwill_reason_is_needed(client, staff_user, settings_berlin):
    agent = member("Customer service", "cs@example.com")
    order = delivered_order(staff=staff_user)
    line = order.lines.get()
    client.force_login(agent)
    data = {"kind": "replacement", "reason": "wrong_size", f"line_{line.pk}": "1"}
    client.post(act_url(order, "return"), data)
    request = ReturnRequest.objects.get()
    assert (request.kind, request.status, request.goodwill_reason) == ("replacement", "approved", "")


@pytest.mark.parametrize(
    "term",
    ["number", "ada.walker@example.com", "ada.walker@", "Walker", "Ada Walker", "10115", "+49 30 1234567",
     "sku", "JJD0001"],
)  # fmt: skip
def test_search_finds_an_order_by_what_the_customer_says(client, staff_user, term):
    variant = VariantFactory(sku="ARCH-41", stock=5)
    order = shipped_order(staff=staff_user, email="ada.walker@example.com", items=[(variant, 1)])
    Order.objects.filter(pk=order.pk).update(
        shipping_address={**order.shipping_address, "phone": "+49 30 1234567"}
    )
    other = paid_order(email="someone@example.org")
    Order.objects.filter(pk=other.pk).update(shipping_address={**other.shipping_address, "last_name": "Other",
                                                               "postal_code": "80331"})  # fmt: skip
    term = {"number": order.number.lower(), "sku": "arch-41"}.get(term, term)
    client.force_login(staff_user)
    found = client.get("/admin/orders/order/", {"q": term}).context["cl"].result_list
    assert list(found) == [order]


def test_customer_service_does_not_see_matching_rules_or_tokens(client):
    agent = member("Customer service", "cs@example.com")
    client.force_login(agent)
    index = client.get("/admin/").content.decode()
    assert "/admin/matching/matchingrule/" not in index and "/admin/authtoken/" not in index
    assert "/admin/orders/webhookevent/" not in index
    assert client.get("/admin/matching/matchingrule/").status_code == 403
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 403


def test_warehouse_receives_a_return_and_restocks(client, staff_user):
    from orders.returns import services as returns
    from tests.returns.helpers import request_for

    warehouse = member("Warehouse", "wh@example.com")
    variant = VariantFactory(stock=3)
    order = delivered_order(staff=staff_user, items=[(variant, 1)])
    request = request_for(order)
    returns.return_request_approve(return_request=request, actor=staff_user)
    client.force_login(warehouse)
    page = client.get(f"/admin/returns/returnrequest/{request.pk}/change/").content.decode()
    assert f"{request.pk}/receive/" in page and f"{request.pk}/refund/" not in page
    assert client.get(f"/admin/returns/returnrequest/{request.pk}/refund/").status_code == 403
    line = request.lines.get()
    response = client.post(
        f"/admin/returns/returnrequest/{request.pk}/receive/",
        {"receive-TOTAL_FORMS": "1", "receive-INITIAL_FORMS": "1", "receive-0-line": line.pk,
         "receive-0-received_quantity": "1", "receive-0-restock": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.stock == 3  # 3 - 1 sold + 1 back


@pytest.mark.postgres
def test_the_order_list_never_counts_the_whole_table_on_postgresql(client, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shop.admin import EstimatedCountPaginator

    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_UP_TO", 3)
    for _ in range(5):
        place_order()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    client.force_login(member("Manager", "boss@example.com"))
    for query in ("", "?status__exact=pending_payment"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/admin/orders/order/{query}")
        assert response.status_code == 200
        assert response.context["cl"].result_count >= 3
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "orders_order" in q["sql"]]
        assert counts and all("LIMIT" in sql.upper() for sql in counts), counts


def test_deliver_from_the_order_page_with_the_time_and_history_in_words(client, staff_user, settings_berlin):
    warehouse = member("Warehouse", "wh@example.com")
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN), tick=False):
        order = shipped_order(staff=staff_user)
    client.force_login(warehouse)
    with time_machine.travel(datetime(2026, 12, 3, 16, 0, tzinfo=BERLIN), tick=False):
        response = client.post(act_url(order, "deliver"), {"delivered_at": "2026-12-03T14:05"}, follow=True)
    content = response.content.decode()
    assert f"Order {order.number} is marked delivered on Thu 3 Dec, 14:05." in content
    order.refresh_from_db()
    assert (order.status, order.delivered_at) == ("delivered", datetime(2026, 12, 3, 14, 5, tzinfo=BERLIN))
    history = content[content.index('id="status_changes-group"') :]
    assert "Pending payment" in history and "pending_payment" not in history
    assert 'id="act-deliver"' not in content and 'id="act-ship"' not in content


def test_a_return_is_not_offered_a_refund_when_nothing_is_left_on_the_order(client, staff_user):
    from orders.returns import services as returns
    from orders.services.payments import refund_create
    from tests.returns.helpers import request_for

    agent = member("Customer service", "cs@example.com")
    order = delivered_order(staff=staff_user)
    request = request_for(order)
    returns.return_request_approve(return_request=request, actor=staff_user)
    refund_create(order=order, amount=order.captured_total, actor=staff_user, reason="Refunded by phone")
    client.force_login(agent)
    page = client.get(f"/admin/returns/returnrequest/{request.pk}/change/").content.decode()
    assert f"{request.pk}/refund/" not in page and f"{request.pk}/receive/" in page
    response = client.post(
        f"/admin/returns/returnrequest/{request.pk}/refund/", {"amount": "1.00"}, follow=True
    )
    assert f"Request {request.pk} is approved: “Refund” is not possible now." in response.content.decode()
    assert Refund.objects.filter(order=order).count() == 1
