"""Returns and replacements in the admin, in a real Chromium: staff work a request step by step.

The data (delivered orders, the customer's requests) is made through the shop's services; everything
the staff member does goes through the admin's pages, and the database is checked afterwards.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalogue.models import ProductVariant
from orders.models import Order, Refund
from orders.returns.models import ReturnRequest
from orders.returns.services import ReturnLineInput, return_request_approve, return_request_create
from tests.e2e.pages import AdminSite
from tests.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory, VariantFactory
from tests.returns.helpers import delivered, request_for

# serialized_rollback: the live server needs committed data, and the flush that follows a transactional
# test must not take the migrations' seed data (shipping methods, conditions) from the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_staff_approve_receive_without_restocking_and_refund_a_return(page, shots):
    """Find the request under the "Requested" filter, approve it, mark one insole received without
    putting it back to stock, refund the amount the page computes, and see the refund, the refunded
    total and the request's history on the order and request pages."""
    staff = UserFactory(email="returns.e2e@example.com", is_staff=True, is_superuser=True)
    customer = UserFactory(email="returner.e2e@example.com")
    insole = VariantFactory(
        product=ProductFactory(name="Arch Pro Runner"), sku="ARCH-PRO-4243", price=Decimal("39.90"), stock=10
    )
    order = delivered(staff=staff, user=customer, items=[(insole, 2)])  # 2 × 39.90 + 4.90 shipping
    request = request_for(order, reason="not_comfortable", quantities={order.lines.get(): 1})
    # Another customer's request, already approved: the "Requested" filter must leave it out.
    other = request_for(delivered(staff=staff, user=UserFactory()), reason="changed_mind")
    return_request_approve(return_request=other, actor=staff)
    stock_before = ProductVariant.objects.get(pk=insole.pk).stock
    admin = AdminSite(page)

    admin.login(email=staff.email, password=DEFAULT_PASSWORD)
    admin.open_changelist("returns", "returnrequest")
    expect(admin.result_rows()).to_have_count(2)
    admin.filter_by("status", "Requested")
    assert "status__exact=requested" in page.url
    expect(admin.result_rows()).to_have_count(1)
    expect(admin.result_rows().first).to_contain_text(order.number)
    expect(page.locator("#result_list")).not_to_contain_text(other.order.number)
    shots("requested-filter")

    admin.open_row(str(request))
    expect(admin.field("status")).to_have_text("Requested")
    expect(admin.field("order_summary")).to_contain_text(order.number)
    expect(page.locator("#content-main")).to_contain_text("ARCH-PRO-4243")
    expect(page.locator("#content-main")).to_contain_text("Return until")
    shots("request-page")

    admin.open_step("Approve")
    assert page.url.endswith(f"/admin/returns/returnrequest/{request.pk}/approve/")
    shots("approve-page")
    admin.confirm_step("Approve")
    expect(page.locator("ul.messagelist")).to_contain_text(f"{request} is approved;")
    expect(admin.field("status")).to_have_text("Approved")
    shots("approved")

    admin.open_step("Mark received")
    assert page.url.endswith(f"/{request.pk}/receive/")
    row = page.locator('#return-lines tbody tr[data-sku="ARCH-PRO-4243"]')
    expect(row.locator("input[name$='-received_quantity']")).to_have_value("1")
    expect(row.locator("input[name$='-restock']")).not_to_be_checked()  # worn insoles are not resold
    expect(page.locator("#return-lines thead")).to_contain_text("Back to stock")
    admin.receive_lines({"ARCH-PRO-4243": (1, False)})
    shots("receive-page")
    admin.confirm_step("Mark received")
    expect(page.locator("ul.messagelist")).to_contain_text(f"{request} is marked received;")
    expect(admin.field("status")).to_have_text("Received")
    shots("received")

    admin.open_step("Refund")
    assert page.url.endswith(f"/{request.pk}/refund/")
    quote = page.locator("#refund-quote")
    expect(quote).to_contain_text("39.90 EUR")  # 1 × 39.90; shipping not refunded (not the shop's fault)
    expect(quote.locator("tr", has_text="Shipping")).to_contain_text("0.00 EUR")
    expect(page.locator("#refund-total")).to_have_text("39.90 EUR")
    expect(page.locator("input[name=amount]")).to_have_value("39.90")
    shots("refund-page-shows-the-amount")
    admin.confirm_step("Refund")
    expect(page.locator("ul.messagelist")).to_contain_text(f"{request} is refunded 39.90 EUR.")
    expect(admin.field("status")).to_have_text("Refunded")
    expect(admin.field("refund_list")).to_contain_text("39.90 EUR (Succeeded)")
    history = admin.inline_rows("status_changes")
    expect(history).to_have_count(4)
    for position, status in enumerate(["Requested", "Approved", "Received", "Refunded"]):
        expect(history.nth(position).locator("td.field-to_label")).to_have_text(status)
    expect(history.nth(3).locator("td.field-actor")).to_contain_text(staff.email)
    shots("refunded-with-history")

    page.locator("#content-main .field-order_summary").get_by_role("link", name=order.number).click()
    expect(page.locator("#content-main form")).to_be_visible()
    expect(admin.field("number")).to_have_text(order.number)
    expect(admin.field("refunded_total")).to_have_text("39.90")
    refunds = admin.inline_rows("refunds")
    expect(refunds).to_have_count(1)
    expect(refunds.first.locator("td.field-amount")).to_have_text("39.90")
    expect(refunds.first.locator("td.field-status")).to_have_text("Succeeded")
    requests = admin.inline_rows("return_requests")
    expect(requests).to_have_count(1)
    expect(requests.first).to_contain_text(str(request))
    expect(requests.first.locator("td.field-status")).to_have_text("Refunded")
    expect(page.locator("#status_changes-group")).to_contain_text("Delivered")
    shots("order-page-with-refund-and-history")

    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.status, refund.created_by) == (Decimal("39.90"), "succeeded", staff)
    assert refund.payment.provider == "dummy" and refund.provider_reference.startswith("dummy_")
    assert list(refund.return_requests.all()) == [request]
    order.refresh_from_db()
    assert order.refunded_total == Decimal("39.90")
    request = ReturnRequest.objects.get(pk=request.pk)
    assert request.status == "refunded"
    assert [(c.to_status, c.actor) for c in request.status_changes.order_by("created_at", "pk")][1:] == [
        ("approved", staff),
        ("received", staff),
        ("refunded", staff),
    ]
    line = request.lines.get()
    assert (line.received_quantity, line.restock) == (1, False)
    assert ProductVariant.objects.get(pk=insole.pk).stock == stock_before  # not restocked


def test_staff_create_and_ship_a_replacement_for_a_wrong_size(page, shots):
    """Approve a replacement request for a bigger size, create and ship the replacement with carrier and
    tracking number, and follow the link to the new order: shipped, free, linked to the original."""
    staff = UserFactory(email="replacements.e2e@example.com", is_staff=True, is_superuser=True)
    customer = UserFactory(email="wrongsize.e2e@example.com")
    product = ProductFactory(name="Heel Comfort")
    small = VariantFactory(
        product=product, sku="HEEL-4243", size_label="EU 42-43", price=Decimal("29.90"), stock=5
    )
    bigger = VariantFactory(
        product=product, sku="HEEL-4445", size_label="EU 44-45", price=Decimal("29.90"), stock=5
    )
    order = delivered(staff=staff, user=customer, items=[(small, 1)])
    request = return_request_create(
        order=order, kind="replacement", reason="wrong_size", actor=customer,
        lines=[ReturnLineInput(line_id=order.lines.get().pk, quantity=1, replacement_sku=bigger.sku)],
    )  # fmt: skip
    admin = AdminSite(page)

    admin.login(email=staff.email, password=DEFAULT_PASSWORD)
    admin.open_changelist("returns", "returnrequest", "status__exact=requested")
    expect(admin.result_rows()).to_have_count(1)
    expect(admin.result_rows().first).to_contain_text("Wrong size")
    shots("requested-list")

    admin.open_row(str(request))
    expect(admin.field("kind")).to_have_text("Replacement")
    expect(page.locator("#content-main")).to_contain_text("HEEL-4445")
    admin.open_step("Approve")
    shots("approve-page")
    admin.confirm_step("Approve")
    expect(admin.field("status")).to_have_text("Approved")
    shots("approved")

    admin.open_step("Create and ship replacement")
    assert page.url.endswith(f"/{request.pk}/replace/")
    expect(admin.step_lines().first).to_contain_text("HEEL-4243")
    expect(admin.step_lines().first).to_contain_text("HEEL-4445")  # the replacement SKU
    page.fill("input[name=carrier]", "DHL")
    page.fill("input[name=tracking_number]", "JJD0042424242")
    shots("replace-page")
    admin.confirm_step("Create and ship replacement")
    replacement = Order.objects.get(replacement_for=order)
    expect(page.locator("ul.messagelist")).to_contain_text(
        f"{request} has its replacement: order {replacement.number} is shipped."
    )
    expect(admin.field("status")).to_have_text("Replacement shipped")
    expect(admin.field("replacement")).to_contain_text(f"{replacement.number} (Shipped)")
    expect(admin.inline_rows("status_changes").last.locator("td.field-note")).to_contain_text("JJD0042424242")
    shots("replacement-shipped")

    admin.field("replacement").get_by_role("link", name=replacement.number).click()
    expect(admin.field("number")).to_have_text(replacement.number)
    expect(admin.field("status")).to_have_text("Shipped")
    expect(admin.field("replacement_for")).to_have_text(order.number)
    expect(admin.field("total")).to_have_text("0.00")
    expect(admin.field("tracking_number")).to_have_text("JJD0042424242")
    lines = admin.inline_rows("lines")
    expect(lines).to_have_count(1)
    expect(lines.first.locator("td.field-sku")).to_have_text("HEEL-4445")
    expect(page.locator("#status_changes-group")).to_contain_text("Shipped")
    shots("replacement-order-page")

    replacement.refresh_from_db()
    assert replacement.replacement_for_id == order.pk
    assert (replacement.status, replacement.carrier, replacement.tracking_number) == (
        "shipped", "DHL", "JJD0042424242"
    )  # fmt: skip
    assert (replacement.total, replacement.subtotal, replacement.shipping_total) == (Decimal("0.00"),) * 3
    assert [(line.sku, line.quantity) for line in replacement.lines.all()] == [("HEEL-4445", 1)]
    assert ReturnRequest.objects.get(pk=request.pk).replacement_order_id == replacement.pk
    assert ProductVariant.objects.get(pk=bigger.pk).stock == 4  # the replacement takes stock
    assert ProductVariant.objects.get(pk=small.pk).stock == 4  # the original order's unit only
    assert not Refund.objects.filter(order=order).exists()
