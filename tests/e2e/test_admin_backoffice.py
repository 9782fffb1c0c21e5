"""The back office in a real Chromium, one workflow per role, each logged in as a member of that role's
group (never a superuser): the dashboard leads to the work, the order's page acts.

The data is made through the shop's services; what the staff member does goes through the admin's pages,
and the database is checked afterwards. Screenshots of the dashboard and the order page are kept
(``test-results/e2e/``; the run's summary lists them).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from catalogue.choices import ProductKind
from catalogue.models import ProductVariant
from orders.fittings.models import OrthoticBuild
from orders.fittings.services import fitting_create
from orders.models import Order, Refund
from orders.returns.models import ReturnRequest
from orders.returns.services import return_request_approve
from tests.e2e.pages import BackOffice
from tests.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory, VariantFactory, consents_give
from tests.fittings.conftest import make_assessment, make_footprint
from tests.fittings.helpers import paid_custom_order
from tests.orders.factories import delivered_order, paid_order
from tests.returns.helpers import request_for

# serialized_rollback: the live server needs committed data, and the flush that follows a transactional
# test must not take the migrations' seed data (groups, shipping methods, conditions) from the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def member(group: str, email: str):
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_warehouse_ships_the_oldest_order_from_the_dashboard_in_three_clicks(page, shots):
    """The dashboard lists the orders to ship, oldest payment first, the express one flagged; the
    assistant ships the oldest with the carrier the page chose and a tracking number."""
    assistant = member("Warehouse", "warehouse.e2e@example.com")
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=2), tick=False):
        oldest = paid_order(email="first.e2e@example.com", shipping_method="express")
    with time_machine.travel(now - timedelta(hours=3), tick=False):
        newer = paid_order(email="second.e2e@example.com")
    office = BackOffice(page)

    office.login(email=assistant.email, password=DEFAULT_PASSWORD)
    to_ship = office.panel("to-ship")
    expect(to_ship.locator(".count")).to_have_text("2")
    expect(office.panel_rows("to-ship").first).to_contain_text(oldest.number)
    expect(office.panel_rows("to-ship").first).to_contain_text("Express")
    expect(office.panel_rows("to-ship").first).to_contain_text("waiting 2 days")
    expect(office.panel_rows("to-ship").nth(1)).to_contain_text(newer.number)
    shots("dashboard")

    office.click(office.panel_rows("to-ship").first.get_by_role("link", name="Ship"))
    expect(page.locator("#order-act")).to_contain_text(oldest.number)
    expect(page.locator("#id_carrier")).to_have_value("DHL Express")
    page.fill("#id_tracking_number", "JJD0099887766")
    office.confirm_act("Ship")
    assert office.clicks <= 3
    expect(page.locator("ul.messagelist")).to_contain_text(
        f"Order {oldest.number} is shipped with DHL Express (tracking number JJD0099887766)"
    )
    expect(page.locator("#order-acts")).to_contain_text("Shipped.")
    expect(page.locator("#status_changes-group")).to_contain_text("Shipped")
    shots("order-page-shipped")

    oldest.refresh_from_db()
    assert (oldest.status, oldest.carrier, oldest.tracking_number) == (
        "shipped",
        "DHL Express",
        "JJD0099887766",
    )
    assert Order.objects.get(pk=newer.pk).status == "paid"


def test_customer_service_starts_a_goodwill_return_a_day_after_the_window_closed_and_refunds_it(page, shots):
    """The customer phones the day after the return window closed: the order page shows it closed; the
    agent starts the return as goodwill with a reason and refunds it from the request's page."""
    agent = member("Customer service", "service.e2e@example.com")
    staff = UserFactory(email="ops.e2e@example.com", is_staff=True)
    insole = VariantFactory(
        product=ProductFactory(name="Arch Pro Runner"), sku="ARCH-PRO-4243", price=Decimal("39.90"), stock=10
    )
    # Delivered so that the window of SHOP_RETURN_DAYS days closed at the end of yesterday.
    delivered_at = timezone.now() - timedelta(days=settings.SHOP_RETURN_DAYS + 1)
    with time_machine.travel(delivered_at - timedelta(hours=1), tick=False):
        order = delivered_order(
            staff=staff, user=UserFactory(email="late.e2e@example.com"), items=[(insole, 1)]
        )
    Order.objects.filter(pk=order.pk).update(delivered_at=delivered_at)
    order.lines.update(delivered_at=delivered_at)
    office = BackOffice(page)

    office.login(email=agent.email, password=DEFAULT_PASSWORD)
    office.open_changelist("orders", "order")
    office.search("Walker")  # the customer's surname, as said on the phone
    office.open_row(order.number)
    expect(page.locator("#content-main")).to_contain_text("Hauptstraße 1")
    expect(page.locator("#content-main")).to_contain_text("10115 Berlin")
    expect(page.locator("#content-main")).to_contain_text("Germany")
    expect(page.locator("#order-acts")).not_to_contain_text("Ship")
    shots("order-page")

    office.act("Start a return or replacement")
    row = page.locator('#act-lines tbody tr[data-sku="ARCH-PRO-4243"]')
    expect(row).to_contain_text("(goodwill only)")
    row.locator("input[type=number]").fill("1")
    page.select_option("#id_reason", label="Not comfortable")
    office.click(page.locator("#order-act input[type=submit]"))
    expect(page.locator(".errorlist")).to_contain_text("Give a goodwill reason to accept it anyway.")
    assert not ReturnRequest.objects.exists()
    shots("goodwill-needed")

    page.fill("#id_goodwill_reason", "Phoned a day late; a loyal customer")
    office.confirm_act("Start a return or replacement")
    request = ReturnRequest.objects.get()
    expect(page.locator("ul.messagelist")).to_contain_text(
        f"{request} for order {order.number} is started and approved as goodwill"
    )
    page.locator("#return_requests-group").get_by_role("link", name=str(request)).click()
    office.open_step("Refund")
    expect(page.locator("#return-step")).to_contain_text("39.90")
    office.confirm_step("Refund")
    expect(page.locator("ul.messagelist")).to_contain_text(f"{request} is refunded 39.90 EUR.")
    shots("refunded")

    request = ReturnRequest.objects.get()
    assert (request.status, request.goodwill_by, request.goodwill_reason) == (
        "refunded", agent, "Phoned a day late; a loyal customer",
    )  # fmt: skip
    assert [refund.amount for refund in Refund.objects.filter(order=order)] == [Decimal("39.90")]


def test_the_lab_makes_a_custom_pair_from_its_queue(page, shots):
    """The lab's dashboard shows the pair to make; from its fitting sheet the technician records the
    build and marks it made, and the order can ship."""
    technician = member("Lab", "lab.e2e@example.com")
    customer = consents_give(UserFactory(email="custom.e2e@example.com"))
    variant = VariantFactory(
        product=ProductFactory(kind=ProductKind.CUSTOM_ORTHOTIC, name="Custom orthotic", production_days=5),
        sku="CUSTOM-42", price=Decimal("249.00"), stock=50,
    )  # fmt: skip
    fitting = fitting_create(
        owner=customer, assessment_id=make_assessment(customer).pk,
        footprint_left_id=make_footprint(customer, "left").pk,
        footprint_right_id=make_footprint(customer, "right", "normal").pk,
        foot_length_mm=Decimal("265.0"), foot_width_mm=Decimal("98.0"), shoe_type="athletic",
    )  # fmt: skip
    order = paid_custom_order(user=customer, variant=variant, fitting=fitting)
    assert order.status == "in_production"
    office = BackOffice(page)

    office.login(email=technician.email, password=DEFAULT_PASSWORD)
    expect(office.panel("to-make").locator(".count")).to_have_text("1")
    expect(office.panel("to-ship")).to_have_count(1)  # the lab reads orders, and ships none
    expect(office.panel_rows("to-ship")).to_have_count(0)
    shots("lab-dashboard")
    office.click(
        office.panel_rows("to-make").first.get_by_role("link", name=f"Custom orthotic · order {order.number}")
    )
    expect(page.locator("h1")).to_contain_text("Fitting sheet")
    page.select_option("#id_shell", label="Polypropylene")
    page.select_option("#id_posting", label="Medial")
    page.select_option("#id_top_cover", label="Microfibre")
    page.fill("#id_heel_lift_left_mm", "6")
    page.fill("#id_heel_lift_right_mm", "0")
    office.click(page.locator("input[name=mark_made]"))
    expect(page.locator("ul.messagelist")).to_contain_text("the pair is marked made")
    shots("made")

    build = OrthoticBuild.objects.get(order_line__order=order)
    assert (build.shell, build.heel_lift_left_mm, build.made_by) == ("polypropylene", 6, technician)
    assert build.made_at is not None
    page.goto("/admin/")
    expect(office.panel("to-make").locator(".count")).to_have_text("0")
    expect(office.panel("to-ship").locator(".count")).to_have_text("1")


def test_the_warehouse_receives_a_return_and_restocks_one_unit(page, shots):
    """From the dashboard's returns awaiting staff, the warehouse marks the parcel received and puts
    one of two units back to stock; it is not offered the refund."""
    worker = member("Warehouse", "receiving.e2e@example.com")
    staff = UserFactory(email="ops2.e2e@example.com", is_staff=True)
    insole = VariantFactory(sku="CLOUD-3940", price=Decimal("34.90"), stock=5)
    order = delivered_order(staff=staff, user=UserFactory(), items=[(insole, 2)])
    request = request_for(order, reason="wrong_size")
    return_request_approve(return_request=request, actor=staff)
    stock_before = ProductVariant.objects.get(pk=insole.pk).stock
    office = BackOffice(page)

    office.login(email=worker.email, password=DEFAULT_PASSWORD)
    expect(office.panel("returns").locator(".count")).to_have_text("1")
    office.click(
        office.panel_rows("returns").first.get_by_role("link", name=f"{request} · order {order.number}")
    )
    expect(office.field("next_steps")).not_to_contain_text("Refund")
    office.open_step("Mark received")
    office.receive_lines({"CLOUD-3940": (2, True)})
    page.locator('#return-lines tbody tr[data-sku="CLOUD-3940"] input[name$="-received_quantity"]').fill("1")
    office.confirm_step("Mark received")
    expect(page.locator("ul.messagelist")).to_contain_text(f"{request} is marked received")
    shots("received")

    request.refresh_from_db()
    line = request.lines.get()
    assert (request.status, line.received_quantity, line.restock) == ("received", 1, True)
    assert ProductVariant.objects.get(pk=insole.pk).stock == stock_before + 1


def test_customer_service_cannot_see_matching_rules_or_tokens(page, shots):
    """The agent's menus hold orders, returns and products, not matching rules, API tokens, users,
    groups or webhook events; typing their address is refused."""
    agent = member("Customer service", "menus.e2e@example.com")
    office = BackOffice(page)

    office.login(email=agent.email, password=DEFAULT_PASSWORD)
    links = office.app_links()
    assert "/admin/orders/order/" in links and "/admin/returns/returnrequest/" in links
    for hidden in ("/admin/matching/matchingrule/", "/admin/authtoken/tokenproxy/", "/admin/shop/user/",
                   "/admin/auth/group/", "/admin/orders/webhookevent/", "/admin/matching/footprint/"):  # fmt: skip
        assert hidden not in links
    expect(page.locator("#content-main")).not_to_contain_text("Matching rules")
    expect(page.locator("#content-main")).not_to_contain_text("Tokens")
    shots("service-dashboard")
    for url in ("/admin/matching/matchingrule/", "/admin/authtoken/tokenproxy/"):
        response = page.goto(url)
        assert response.status == 403
