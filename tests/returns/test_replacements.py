"""Replacement orders: linked, free, taking stock, with their own replacement window and no refund window."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from catalogue.models import ProductVariant
from orders.exceptions import InsufficientStock
from orders.models import Order
from orders.returns import services as returns
from orders.returns.exceptions import InvalidReturnTransition
from orders.services.orders import order_deliver
from tests.factories import VariantFactory
from tests.returns.helpers import delivered, reload

pytestmark = pytest.mark.django_db


def replacement_request(order, *, sku="", reason="wrong_size", actor=None):
    line = order.lines.get()
    return returns.return_request_create(
        order=order,
        kind="replacement",
        lines=[returns.ReturnLineInput(line_id=line.pk, quantity=1, replacement_sku=sku)],
        reason=reason,
        actor=actor or order.user,
    )


def test_a_replacement_in_another_size_is_a_linked_zero_charge_order_that_takes_stock(customer, staff_user):
    variant = VariantFactory(stock=5, price=Decimal("39.90"))
    bigger = VariantFactory(product=variant.product, size_label="EU 43-44", stock=3)
    order = delivered(staff=staff_user, user=customer, items=[(variant, 1)])
    request = replacement_request(order, sku=bigger.sku)
    returns.return_request_approve(return_request=request, actor=staff_user)

    replacement = returns.return_request_replace(
        return_request=request, actor=staff_user, carrier="DHL", tracking_number="JJD42"
    )

    assert replacement.replacement_for == order and replacement.user == customer
    assert (replacement.total, replacement.subtotal, replacement.shipping_total) == (0, 0, 0)
    assert (replacement.status, replacement.tracking_number) == ("shipped", "JJD42")
    line = replacement.lines.get()
    assert (line.sku, line.quantity, line.unit_price, line.returnable) == (bigger.sku, 1, 0, False)
    assert ProductVariant.objects.get(pk=bigger.pk).stock == 2
    request = reload(request)
    assert request.status == "replacement_shipped" and request.replacement_order == replacement
    assert [(c.from_status, c.to_status, c.role, c.actor) for c in replacement.status_changes.all()] == [
        ("", "paid", "staff", staff_user),
        ("paid", "shipped", "staff", staff_user),
    ]
    assert replacement.paid_at is not None


def test_the_replacement_has_its_own_30_day_replacement_window_and_no_refund_window(
    customer, customer_client, staff_user
):
    order = delivered(staff=staff_user, user=customer, items=[(VariantFactory(stock=5), 1)])
    request = replacement_request(order, reason="defective")
    returns.return_request_approve(return_request=request, actor=staff_user)
    replacement = returns.return_request_replace(
        return_request=request, actor=staff_user, carrier="DHL", tracking_number="T"
    )
    later = timezone.now() + timedelta(days=20)
    with time_machine.travel(later, tick=False):  # the replacement arrives 20 days on
        order_deliver(order=replacement, actor=staff_user, delivered_at=later)
    url = f"/api/v1/orders/{replacement.number}/returns/eligibility/"
    with time_machine.travel(later + timedelta(days=25), tick=False):  # the original's window has closed
        row = customer_client.get(url).json()[0]
        assert (row["returnable_quantity"], row["replaceable_quantity"]) == (0, 1)
        assert row["return_deadline"] is None and row["return_reasons_blocked"] == ["not_returnable"]
        replacement_line = replacement.lines.get()
        body = {
            "kind": "return",
            "lines": [{"line_id": replacement_line.pk, "quantity": 1}],
            "reason": "changed_mind",
        }
        response = customer_client.post(f"/api/v1/orders/{replacement.number}/returns/", body, format="json")
        assert response.json()["errors"][0]["code"] == "not_returnable"
        body = {**body, "kind": "replacement", "reason": "defective"}
        response = customer_client.post(f"/api/v1/orders/{replacement.number}/returns/", body, format="json")
        assert response.status_code == 201
        original_row = customer_client.get(f"/api/v1/orders/{order.number}/returns/eligibility/").json()[0]
        assert original_row["replacement_reasons_blocked"] == [
            "replacement_window_closed",
            "quantity_exceeds_remaining",
        ]
    deadline = timezone.localtime(later).replace(
        hour=23, minute=59, second=59, microsecond=999999
    ) + timedelta(days=30)
    assert row["replacement_deadline"] == timezone.localtime(deadline).isoformat()


def test_no_stock_for_the_replacement_is_insufficient_stock_and_nothing_is_created(customer, staff_user):
    variant = VariantFactory(stock=1)
    order = delivered(staff=staff_user, user=customer, items=[(variant, 1)])  # takes the last unit
    request = replacement_request(order)
    returns.return_request_approve(return_request=request, actor=staff_user)
    with pytest.raises(InsufficientStock):
        returns.return_request_replace(
            return_request=request, actor=staff_user, carrier="DHL", tracking_number="T"
        )
    assert Order.objects.filter(replacement_for=order).count() == 0
    assert reload(request).status == "approved"
    # the shop's failure: refund instead
    returns.return_request_refund(return_request=request, actor=staff_user, note="Out of stock")
    assert reload(request).status == "refunded"


def test_a_return_request_cannot_ship_a_replacement(customer, staff_user):
    order = delivered(staff=staff_user, user=customer)
    line = order.lines.get()
    request = returns.return_request_create(
        order=order, kind="return", lines=[returns.ReturnLineInput(line_id=line.pk, quantity=1)],
        reason="changed_mind", actor=customer,
    )  # fmt: skip
    returns.return_request_approve(return_request=request, actor=staff_user)
    with pytest.raises(InvalidReturnTransition):
        returns.return_request_replace(
            return_request=request, actor=staff_user, carrier="DHL", tracking_number="T"
        )
