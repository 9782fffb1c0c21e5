"""Order fulfilment in the admin, in a real Chromium: staff mark a paid order shipped."""

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.e2e.pages import AdminSite
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.orders.factories import paid_order, place_order

# serialized_rollback: the live server needs committed data, and the flush that follows a transactional
# test must not take the migrations' seed data (shipping methods, conditions) from the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_staff_ship_a_paid_order_with_carrier_and_tracking_number(page, shots):
    """Filter the orders awaiting shipment, run "Mark shipped", give carrier and tracking number, and
    see the order shipped with the change in its history; an unpaid order is not offered."""
    staff = UserFactory(email="warehouse.e2e@example.com", is_staff=True, is_superuser=True)
    customer = UserFactory(email="buyer.e2e@example.com")
    order = paid_order(user=customer)
    unpaid = place_order(email="later.e2e@example.com")
    admin = AdminSite(page)

    admin.login(email=staff.email, password=DEFAULT_PASSWORD)
    admin.open_changelist("orders", "order")
    admin.filter_by("awaiting shipment", "Awaiting shipment")
    expect(admin.result_rows()).to_have_count(1)
    expect(admin.result_rows().first).to_contain_text(order.number)
    expect(page.locator("#result_list")).not_to_contain_text(unpaid.number)
    shots("awaiting-shipment")

    admin.run_action("ship", rows=[order.number])
    expect(page.locator("h1")).to_contain_text("Ship orders")
    admin.ship_orders({order.number: ("DHL", "JJD0099887766")})
    shots("ship-form-submitted")
    expect(page.locator("ul.messagelist")).to_contain_text(f"Order {order.number} is shipped with DHL.")

    admin.open_changelist("orders", "order")
    admin.search(order.number)
    admin.open_row(order.number)
    history = page.locator("#status_changes-group")
    expect(history).to_contain_text("Shipped")
    shots("order-shipped-with-history")

    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "DHL", "JJD0099887766")
    assert Order.objects.get(pk=unpaid.pk).status == "pending_payment"
