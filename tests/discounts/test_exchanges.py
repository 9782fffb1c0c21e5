"""Exchanges: another product or size for delivered units, the price difference settled exactly."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from orders.models import Order
from orders.returns import services as returns
from orders.returns.exceptions import InvalidReplacementSku, InvalidReturnTransition, ReturnWindowClosed
from orders.returns.models import ReturnRequest
from orders.returns.services import ReturnLineInput
from orders.statuses import OrderStatus
from tests.discounts.helpers import code, delivered_with, insole
from tests.orders.factories import pay

pytestmark = pytest.mark.django_db
D = Decimal


def exchange(order, new_variant, *, actor, reason="wrong_size", units=None, **kwargs):
    line = order.lines.get()
    return returns.return_request_create(
        order=order,
        kind="exchange",
        lines=[
            ReturnLineInput(line_id=line.pk, quantity=units or line.quantity, replacement_sku=new_variant.sku)
        ],
        reason=reason,
        actor=actor,
        **kwargs,
    )


def test_an_exchange_to_a_dearer_insole_charges_exactly_the_difference(customer, staff_user):
    order = delivered_with([(insole("39.90"), 1)], discount=None, staff=staff_user, user=customer)
    dearer = insole("54.90", stock=3)
    request = exchange(order, dearer, actor=customer)
    returns.return_request_approve(return_request=request, actor=staff_user)
    request.refresh_from_db()
    new = request.replacement_order
    assert new.replacement_for == order
    assert (new.status, new.subtotal, new.discount_total, new.total) == (
        OrderStatus.PENDING_PAYMENT,
        D("54.90"),
        D("39.90"),
        D("15.00"),
    )
    assert request.exchange_difference == D("15.00")
    dearer.refresh_from_db()
    assert dearer.stock == 2  # taken like any order
    session = returns.return_request_exchange_payment(return_request=request)
    assert session is not None
    new = pay(new)
    assert new.status == OrderStatus.PAID
    assert new.captured_total == D("15.00")
    assert [payment.amount for payment in new.payments.all()] == [D("15.00")]
    # The new item ships once the units sent back have arrived.
    with pytest.raises(InvalidReturnTransition):
        returns.return_request_replace(
            return_request=request, actor=staff_user, carrier="DHL", tracking_number="X1"
        )
    returns.return_request_receive(return_request=request, actor=staff_user)
    returns.return_request_replace(
        return_request=request, actor=staff_user, carrier="DHL", tracking_number="X1"
    )
    request.refresh_from_db()
    assert request.status == "replacement_shipped"
    order.refresh_from_db()
    assert order.refunded_total == D("0.00")  # nothing given back on the original


def test_an_exchange_to_a_cheaper_insole_refunds_exactly_the_difference_after_receipt(customer, staff_user):
    order = delivered_with([(insole("39.90"), 2)], discount=None, staff=staff_user, user=customer)
    cheaper = insole("29.95", stock=5)
    request = exchange(order, cheaper, actor=customer)
    returns.return_request_approve(return_request=request, actor=staff_user)
    request.refresh_from_db()
    new = request.replacement_order
    assert (new.status, new.total) == (OrderStatus.PAID, D("0.00"))
    assert request.exchange_difference == D("-19.90")  # 2 × 29.95 against 2 × 39.90
    order.refresh_from_db()
    assert order.refunded_total == D("0.00")  # not before the units are back
    returns.return_request_receive(return_request=request, actor=staff_user)
    order.refresh_from_db()
    assert order.refunded_total == D("19.90")
    assert [refund.amount for refund in request.refunds.all()] == [D("19.90")]
    returns.return_request_replace(
        return_request=request, actor=staff_user, carrier="DHL", tracking_number="X2"
    )
    assert Order.objects.get(pk=new.pk).status == OrderStatus.SHIPPED


def test_an_exchange_credits_what_the_units_actually_paid_after_a_discount(customer, staff_user):
    code("SPRING20", value="20")
    order = delivered_with([(insole("150.00"), 1)], discount="SPRING20", staff=staff_user, user=customer)
    request = exchange(order, insole("150.00", stock=2), actor=customer)
    returns.return_request_approve(return_request=request, actor=staff_user)
    request.refresh_from_db()
    # Paid 120.00 for the insole sent back: the same insole at its full price costs 30.00 more.
    assert request.replacement_order.total == D("30.00")


def test_a_change_of_mind_has_the_return_window_a_wrong_size_the_replacement_window(customer, staff_user):
    order = delivered_with([(insole("39.90"), 1)], discount=None, staff=staff_user, user=customer)
    other = insole("39.90")
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        with pytest.raises(ReturnWindowClosed):
            exchange(order, other, actor=customer, reason="changed_mind")
        request = exchange(order, other, actor=customer, reason="wrong_size")
    assert request.kind == "exchange"


def test_an_exchange_names_a_size_on_sale_and_never_a_custom_orthotic(customer, staff_user):
    order = delivered_with([(insole("39.90"), 1)], discount=None, staff=staff_user, user=customer)
    line = order.lines.get()
    with pytest.raises(InvalidReplacementSku):
        returns.return_request_create(
            order=order, kind="exchange", lines=[ReturnLineInput(line_id=line.pk, quantity=1)],
            reason="wrong_size", actor=customer,
        )  # fmt: skip
    with pytest.raises(InvalidReplacementSku):
        exchange(order, insole("39.90", is_active=False), actor=customer)


def test_the_customer_asks_for_an_exchange_and_sees_it_through_the_api(customer, staff_user, api_client):
    order = delivered_with([(insole("39.90"), 1)], discount=None, staff=staff_user, user=customer)
    dearer = insole("44.90")
    api_client.force_authenticate(customer)
    line = order.lines.get()
    response = api_client.post(
        f"/api/v1/orders/{order.number}/returns/",
        {"kind": "exchange", "reason": "not_comfortable",
         "lines": [{"line_id": line.pk, "quantity": 1, "exchange_sku": dearer.sku}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["exchange"] == {
        "order": None, "order_status": None, "difference": None, "to_pay": None, "to_refund": None,
    }  # fmt: skip
    returns.return_request_approve(return_request=ReturnRequest.objects.get(pk=pk), actor=staff_user)
    body = api_client.get(f"/api/v1/returns/{pk}/").json()
    assert body["exchange"]["difference"] == "5.00"
    assert body["exchange"]["to_pay"] == "5.00"
    assert body["exchange"]["order_status"] == "pending_payment"
    payment = api_client.post(f"/api/v1/returns/{pk}/exchange/payment/", {}, format="json")
    assert payment.status_code == 200, payment.json()
    assert payment.json()["amount"] == "5.00"
    assert payment.json()["client_secret"]


def test_staff_see_the_exchange_s_settlement_on_the_request_page(customer, staff_user, client):
    order = delivered_with([(insole("39.90"), 2)], discount=None, staff=staff_user, user=customer)
    request = exchange(order, insole("29.95"), actor=customer)
    returns.return_request_approve(return_request=request, actor=staff_user)
    client.force_login(staff_user)
    page = client.get(f"/admin/returns/returnrequest/{request.pk}/change/").content.decode()
    assert "19.90 EUR refunded when the units are received." in page
    assert ReturnRequest.objects.get(pk=request.pk).replacement_order.number in page


def test_staff_see_codes_with_their_usage(staff_user, client):
    code("TEN", value="10", usage_limit=10, once_per_customer=False)
    delivered_with([(insole("30.00"), 1)], discount="TEN", staff=staff_user)
    client.force_login(staff_user)
    page = client.get("/admin/discounts/discountcode/").content.decode()
    assert "1 of 10" in page
    orders = client.get("/admin/orders/order/?discount_code__exact=TEN")
    assert orders.status_code == 200


def test_staff_start_an_exchange_from_the_order_page_and_its_order_is_created(customer, staff_user, client):
    order = delivered_with([(insole("39.90"), 1)], discount=None, staff=staff_user, user=customer)
    line = order.lines.get()
    dearer = insole("49.90")
    client.force_login(staff_user)
    url = f"/admin/orders/order/{order.pk}/act/return/"
    assert "Exchange for (SKU)" in client.get(url).content.decode()
    data = {
        "kind": "exchange",
        "reason": "wrong_size",
        f"line_{line.pk}": "1",
        f"line_{line.pk}_sku": dearer.sku,
    }
    client.post(url, data)
    request = ReturnRequest.objects.get()
    assert (request.kind, request.status, request.exchange_difference) == ("exchange", "approved", D("10.00"))
    assert request.replacement_order.total == D("10.00")
    assert request.status_changes.filter(to_status="approved", actor=staff_user).exists()
