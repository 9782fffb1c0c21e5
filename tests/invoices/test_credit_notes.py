"""Credit notes: one per refund that succeeds, for the lines and amounts refunded, never above the invoice."""

from decimal import Decimal as D

import pytest

from orders.invoices.models import CreditNote, Invoice
from orders.returns import services as returns
from orders.services.orders import order_cancel
from orders.services.payments import refund_create
from orders.services.transitions import refund_transition
from orders.statuses import RefundStatus, Role
from tests.invoices.helpers import mixed_basket
from tests.orders.factories import paid_order
from tests.returns.helpers import delivered, request_for

pytestmark = pytest.mark.django_db


def _lines(credit_note: CreditNote) -> list[tuple]:
    return [
        (line.kind, line.quantity, line.net, line.rate, line.vat, line.gross)
        for line in credit_note.lines.order_by("position")
    ]


def _refund_returned(order, staff, quantities, reason="changed_mind") -> CreditNote:
    request = request_for(order, quantities=quantities, reason=reason, actor=staff)
    returns.return_request_approve(return_request=request, actor=staff)
    returns.return_request_receive(return_request=request, actor=staff)
    returns.return_request_refund(return_request=request, actor=staff)
    return CreditNote.objects.get(refund__in=request.refunds.all())


@pytest.fixture
def order(staff_user):
    return delivered(staff=staff_user, user=staff_user, items=mixed_basket())


def test_a_partial_return_credits_the_returned_unit_with_its_vat(order, staff_user):
    reduced = order.lines.get(quantity=3)
    credit_note = _refund_returned(order, staff_user, {reduced: 1})
    invoice = Invoice.objects.get(order=order)
    # One unit of 19.99 at 7 %: 19.99 × 7/107 = 1.3078 -> 1.31, net 18.68.
    assert _lines(credit_note) == [("item", 1, D("18.68"), D("7.00"), D("1.31"), D("19.99"))]
    assert credit_note.invoice == invoice
    assert credit_note.number == "CN-000001"
    assert credit_note.vat_summary == [{"rate": "7.00", "net": "18.68", "vat": "1.31", "gross": "19.99"}]
    assert (credit_note.net_total, credit_note.vat_total, credit_note.gross_total) == (
        D("18.68"),
        D("1.31"),
        D("19.99"),
    )


def test_three_single_unit_returns_give_back_exactly_the_lines_vat(order, staff_user):
    reduced = order.lines.get(quantity=3)
    notes = [_refund_returned(order, staff_user, {reduced: 1}) for _ in range(3)]
    # The VAT of 19.99, 39.98, 59.97 credited so far: 1.31, 2.62 (2.6157), 3.92 (3.9234): 1.31 + 1.31 + 1.30.
    assert [note.vat_total for note in notes] == [D("1.31"), D("1.31"), D("1.30")]
    assert [note.number for note in notes] == ["CN-000001", "CN-000002", "CN-000003"]
    invoice_line = Invoice.objects.get(order=order).lines.get(sku=reduced.sku)
    assert sum(note.vat_total for note in notes) == invoice_line.vat
    assert sum(note.gross_total for note in notes) == invoice_line.gross


def test_the_whole_order_back_for_a_shop_fault_credits_the_shipping_too(order, staff_user):
    credit_note = _refund_returned(
        order, staff_user, {line: line.quantity for line in order.lines.all()}, reason="defective"
    )
    invoice = Invoice.objects.get(order=order)
    assert _lines(credit_note) == [
        (line.kind, line.quantity, line.net, line.rate, line.vat, line.gross)
        for line in invoice.lines.order_by("position")
    ]
    assert credit_note.gross_total == invoice.gross_total == D("69.77")
    assert credit_note.vat_summary == invoice.vat_summary


def test_a_refund_tied_to_no_line_is_divided_in_proportion_by_the_largest_remainder(staff_user):
    order = paid_order(items=mixed_basket())
    refund_create(order=order, amount=D("10.00"), actor=staff_user, reason="goodwill")
    credit_note = CreditNote.objects.get(order=order)
    # 10.00 over 59.97 / 4.90 / 4.53 / 0.37 (of 69.77): 8.595, 0.702, 0.649, 0.053 -> 8.59 0.70 0.64 0.05,
    # the two cents left to the largest remainders (0.649 then 8.595): 8.60 0.70 0.65 0.05.
    # VAT: 8.60 × 7/107 = 0.5626; 0.70 × 19/119 = 0.1118; 0.65 × 7/107 = 0.0425; 0.05 × 19/119 = 0.0080.
    assert _lines(credit_note) == [
        ("item", None, D("8.04"), D("7.00"), D("0.56"), D("8.60")),
        ("item", None, D("0.59"), D("19.00"), D("0.11"), D("0.70")),
        ("shipping", None, D("0.61"), D("7.00"), D("0.04"), D("0.65")),
        ("shipping", None, D("0.04"), D("19.00"), D("0.01"), D("0.05")),
    ]
    assert credit_note.gross_total == D("10.00")


def test_a_staff_refund_below_the_returned_units_is_divided_among_those_lines(order, staff_user):
    reduced = order.lines.get(quantity=3)
    standard = order.lines.get(quantity=1)
    request = request_for(order, quantities={reduced: 1, standard: 1}, actor=staff_user)
    returns.return_request_approve(return_request=request, actor=staff_user)
    returns.return_request_refund(return_request=request, actor=staff_user, amount=D("12.44"))
    credit_note = CreditNote.objects.get(order=order)
    # 12.44 over 19.99 and 4.90 (24.89): 9.9910 and 2.4490 -> 9.99 + 2.44, the cent left to the larger
    # remainder (2.4490): 2.45. VAT: 9.99 × 7/107 = 0.6536 -> 0.65; 2.45 × 19/119 = 0.3912 -> 0.39.
    assert _lines(credit_note) == [
        ("item", None, D("9.34"), D("7.00"), D("0.65"), D("9.99")),
        ("item", None, D("2.06"), D("19.00"), D("0.39"), D("2.45")),
    ]


def test_cancelling_a_paid_order_credits_the_whole_invoice(staff_user):
    order = paid_order(items=mixed_basket())
    order_cancel(order=order, actor=staff_user, role=Role.STAFF, reason="out of stock")
    invoice = Invoice.objects.get(order=order)
    credit_note = CreditNote.objects.get(order=order)
    assert credit_note.gross_total == invoice.gross_total
    assert credit_note.vat_total == invoice.vat_total
    assert credit_note.net_total == invoice.net_total


def test_credit_notes_never_exceed_the_invoice_line_by_line(staff_user):
    order = paid_order(items=mixed_basket())
    for amount in ("0.01", "33.33", "20.00", "16.43"):
        refund_create(order=order, amount=D(amount), actor=staff_user)
    invoice = Invoice.objects.get(order=order)
    notes = list(CreditNote.objects.filter(order=order))
    assert sum(note.gross_total for note in notes) == invoice.gross_total == D("69.77")
    for line in invoice.lines.all():
        credits = list(line.credits.all())
        assert sum(credit.gross for credit in credits) == line.gross
        assert sum(credit.vat for credit in credits) == line.vat
    for note in notes:
        for line in note.lines.all():
            assert line.net + line.vat == line.gross


def test_a_refund_that_fails_issues_no_credit_note_and_one_that_fails_later_flags_the_order(staff_user):
    order = paid_order(items=mixed_basket())
    refund = refund_create(order=order, amount=D("5.00"), actor=staff_user)
    credit_note = CreditNote.objects.get(refund=refund)
    refund_transition(refund=refund, to_status=RefundStatus.FAILED, failure_reason="bank refused")
    order.refresh_from_db()
    assert CreditNote.objects.filter(refund=refund).exists()
    assert f"failed after credit note {credit_note.number}" in order.attention_note
