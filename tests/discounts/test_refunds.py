"""Refunds, credit notes and invoices count what each line actually paid after its discount."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from orders.invoices.documents import document_context
from orders.invoices.models import CreditNote, Invoice
from orders.returns import services as returns
from orders.returns.exceptions import DeductionRefused
from orders.returns.selectors import return_request_refund_quote
from tests.discounts.helpers import code, delivered_with, insole
from tests.returns.helpers import request_for

pytestmark = pytest.mark.django_db
D = Decimal


def refund_units(order, staff, quantities, kind="return", reason="changed_mind"):
    request = request_for(order, quantities=quantities, kind=kind, reason=reason, actor=staff)
    returns.return_request_approve(return_request=request, actor=staff)
    returns.return_request_receive(return_request=request, actor=staff)
    returns.return_request_refund(return_request=request, actor=staff)
    order.refresh_from_db()
    return request


def test_twenty_percent_off_150_and_60_returning_the_150_line_refunds_120(staff_user):
    code("SPRING20", value="20")
    big, small = insole("150.00"), insole("60.00")
    order = delivered_with([(big, 1), (small, 1)], discount="SPRING20", staff=staff_user)
    line = order.lines.get(sku=big.sku)
    assert (line.discount_total, line.paid_total) == (D("30.00"), D("120.00"))
    request = refund_units(order, staff_user, {line: 1})
    assert order.refunded_total == D("120.00")
    assert CreditNote.objects.get(refund__in=request.refunds.all()).gross_total == D("120.00")


def test_six_at_50_with_ten_percent_above_300_returning_five_refunds_five_times_45(staff_user):
    code("BIG", value="10", minimum_subtotal=D("300.00"))
    variant = insole("50.00")
    order = delivered_with([(variant, 6)], discount="BIG", staff=staff_user)
    assert (order.discount_total, order.total, order.captured_total) == (D("30.00"), D("274.90"), D("274.90"))
    line = order.lines.get()
    refund_units(order, staff_user, {line: 5})
    assert order.refunded_total == D("225.00")  # 5 × 45.00
    # The unit kept is not charged again: no payment more, and what the shop keeps is 45.00 + shipping.
    assert order.payments.count() == 1
    assert order.captured_total - order.refunded_total == D("49.90")
    # The last unit, returned later, gives back exactly the rest of what the line paid.
    refund_units(order, staff_user, {line: 1})
    assert order.refunded_total == D("270.00")


def test_a_fixed_ten_off_three_lines_of_9_99_is_3_33_3_33_3_34_and_each_line_refunds_what_it_paid(staff_user):
    code("TEN", kind="fixed", value="10.00")
    variants = [insole("9.99") for _ in range(3)]
    order = delivered_with([(variant, 1) for variant in variants], discount="TEN", staff=staff_user)
    lines = list(order.lines.order_by("pk"))
    assert sorted(line.discount_total for line in lines) == [D("3.33"), D("3.33"), D("3.34")]
    assert order.total == D("19.97") + D("4.90")
    most = max(lines, key=lambda line: line.discount_total)
    refund_units(order, staff_user, {most: 1})
    assert order.refunded_total == D("6.65")


def test_units_of_a_line_returned_one_by_one_add_up_to_exactly_what_it_paid(staff_user):
    code("TEN", kind="fixed", value="10.00")
    order = delivered_with([(insole("9.99"), 3)], discount="TEN", staff=staff_user)
    line = order.lines.get()
    assert line.paid_total == D("19.97")
    refunded = []
    for _ in range(3):
        before = order.refunded_total
        refund_units(order, staff_user, {line: 1})
        refunded.append(order.refunded_total - before)
    # 19.97 / 3 = 6.6567: the first unit 6.66, the first two 13.31, all three 19.97.
    assert refunded == [D("6.66"), D("6.65"), D("6.66")]
    assert order.refunded_total == D("19.97")


def test_a_withdrawal_of_the_whole_order_refunds_what_was_paid_and_the_delivery(staff_user):
    code("SPRING20", value="20")
    order = delivered_with(
        [(insole("150.00"), 1), (insole("60.00"), 1)], discount="SPRING20", staff=staff_user
    )
    request = request_for(order, kind="withdrawal", reason="withdrawal", actor=staff_user)
    quote = return_request_refund_quote(return_request=request)
    assert (quote.items, quote.shipping, quote.total) == (D("168.00"), D("4.90"), D("172.90"))


def test_a_deduction_is_capped_at_what_the_units_actually_cost(staff_user):
    code("SPRING20", value="20")
    big = insole("150.00")
    order = delivered_with([(big, 1)], discount="SPRING20", staff=staff_user)
    request = request_for(order, kind="withdrawal", reason="withdrawal", actor=staff_user)
    line = request.lines.get()
    with pytest.raises(DeductionRefused):
        returns.return_line_deduct(
            return_request=request, line_id=line.pk, amount=D("120.01"), reason="worn", actor=staff_user
        )
    returns.return_line_deduct(
        return_request=request, line_id=line.pk, amount=D("120.00"), reason="worn", actor=staff_user
    )


def test_the_invoice_shows_the_discount_and_each_line_adds_up(staff_user):
    code("TEN", kind="fixed", value="10.00")
    order = delivered_with([(insole("9.99"), 1) for _ in range(3)], discount="TEN", staff=staff_user)
    invoice = Invoice.objects.get(order=order)
    items = list(invoice.lines.filter(kind="item").order_by("position"))
    assert sorted((line.unit_price, line.discount, line.gross) for line in items) == [
        (D("9.99"), D("3.33"), D("6.66")),
        (D("9.99"), D("3.33"), D("6.66")),
        (D("9.99"), D("3.34"), D("6.65")),
    ]
    for line in invoice.lines.all():
        assert line.net + line.vat == line.gross
    assert invoice.gross_total == D("24.87")  # 19.97 of goods and 4.90 shipping
    assert invoice.net_total + invoice.vat_total == invoice.gross_total
    html = render_to_string("invoices/document.html", document_context(invoice))
    assert '<th class="num">Discount</th>' in html
    assert "−3.34" in html


def test_an_invoice_without_a_discount_has_no_discount_column(staff_user):
    order = delivered_with([(insole("9.99"), 1)], discount=None, staff=staff_user)
    html = render_to_string("invoices/document.html", document_context(Invoice.objects.get(order=order)))
    assert "Discount" not in html
