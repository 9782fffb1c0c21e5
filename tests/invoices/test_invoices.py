"""Invoices issued when a payment succeeds: lines, VAT per line and per rate, numbering, who gets none."""

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine

from catalogue.choices import TaxClass
from orders.invoices.models import Invoice, TaxRate
from orders.models import Order
from orders.returns.services import return_request_replace
from tests.invoices.helpers import insole, mixed_basket
from tests.orders.factories import paid_order, pay, place_order

pytestmark = pytest.mark.django_db


def _lines(invoice: Invoice) -> list[tuple]:
    return [
        (line.kind, line.sku, line.quantity, line.unit_price, line.net, line.rate, line.vat, line.gross)
        for line in invoice.lines.order_by("position")
    ]


def test_a_mixed_rate_basket_is_invoiced_line_by_line_with_vat_taken_out_and_rounded_half_up():
    items = mixed_basket()
    (reduced, _), (standard, _) = items
    order = paid_order(items=items)

    invoice = Invoice.objects.get(order=order)
    # 59.97 × 7/107 = 3.9234 -> 3.92; 4.90 × 19/119 = 0.7824 -> 0.78. Shipping 4.90 follows the goods:
    # 4.90 × 59.97/64.87 = 4.5299 and 4.90 × 4.90/64.87 = 0.3701 -> 4.52 + 0.37, the last cent to the
    # larger remainder: 4.53 (VAT 4.53 × 7/107 = 0.2964 -> 0.30) and 0.37 (0.37 × 19/119 = 0.0591 -> 0.06).
    assert _lines(invoice) == [
        ("item", reduced.sku, 3, D("19.99"), D("56.05"), D("7.00"), D("3.92"), D("59.97")),
        ("item", standard.sku, 1, D("4.90"), D("4.12"), D("19.00"), D("0.78"), D("4.90")),
        ("shipping", "", None, None, D("4.23"), D("7.00"), D("0.30"), D("4.53")),
        ("shipping", "", None, None, D("0.31"), D("19.00"), D("0.06"), D("0.37")),
    ]
    assert invoice.vat_summary == [
        {"rate": "7.00", "net": "60.28", "vat": "4.22", "gross": "64.50"},
        {"rate": "19.00", "net": "4.43", "vat": "0.84", "gross": "5.27"},
    ]
    assert (invoice.net_total, invoice.vat_total, invoice.gross_total) == (D("64.71"), D("5.06"), D("69.77"))
    assert invoice.gross_total == order.total
    assert invoice.number == "INV-000001" and invoice.sequence == 1
    assert invoice.customer_name == "Ada Walker"
    assert invoice.customer_address == "Hauptstraße 1\n10115 Berlin\nDE"
    assert invoice.seller_vat_id == "DE000000000"
    assert invoice.tax_country == "DE"


@pytest.mark.parametrize(
    ("prices", "tax_class"),
    [
        (["0.01", "0.05", "0.99", "1.07", "9.99", "33.33", "104.95"], TaxClass.REDUCED),
        (["0.01", "0.05", "0.99", "1.19", "9.99", "33.33", "104.95"], TaxClass.STANDARD),
    ],
)
def test_net_plus_vat_is_gross_on_every_line_and_in_every_total(prices, tax_class):
    items = [(insole(price, tax_class=tax_class), quantity) for quantity, price in enumerate(prices, start=1)]
    order = paid_order(items=items)
    invoice = Invoice.objects.get(order=order)
    for line in invoice.lines.all():
        assert line.net + line.vat == line.gross
    assert invoice.net_total + invoice.vat_total == invoice.gross_total == order.total
    assert sum(D(row["gross"]) for row in invoice.vat_summary) == order.total


def test_small_amounts_round_half_up_at_the_half_cent():
    # 0.05 × 7/107 = 0.00327 -> 0.00; 1.07 × 7/107 = 0.07 exactly; 0.08 × 7/107 = 0.00523 -> 0.01.
    order = paid_order(items=[(insole("0.05"), 1), (insole("1.07"), 1), (insole("0.08"), 1)])
    vats = [
        line.vat for line in Invoice.objects.get(order=order).lines.filter(kind="item").order_by("position")
    ]
    assert vats == [D("0.00"), D("0.07"), D("0.01")]


def test_invoices_are_numbered_one_after_another_and_an_unpaid_order_has_none():
    first = paid_order(items=mixed_basket())
    unpaid = place_order(items=mixed_basket())
    failed = pay(place_order(items=mixed_basket()), outcome="fail")
    second = paid_order(items=mixed_basket())
    assert Invoice.objects.get(order=first).number == "INV-000001"
    assert Invoice.objects.get(order=second).number == "INV-000002"
    assert not Invoice.objects.filter(order__in=[unpaid, failed]).exists()


def test_a_repeated_payment_event_issues_no_second_invoice():
    order = paid_order(items=mixed_basket())
    pay(order)
    assert Invoice.objects.filter(order=order).count() == 1


def test_the_rate_valid_on_the_day_of_issue_applies():
    TaxRate.objects.create(
        country="DE", tax_class=TaxClass.REDUCED, rate=D("5.00"), valid_from=date(2030, 1, 1)
    )
    with time_machine.travel("2029-12-31 22:59:59+00:00"):  # 23:59:59 in Berlin: still 7 %
        before = paid_order(items=[(insole("10.70"), 1)])
    with time_machine.travel("2029-12-31 23:00:00+00:00"):  # midnight in Berlin: 5 %
        after = paid_order(items=[(insole("10.50"), 1)])
    before_line = Invoice.objects.get(order=before).lines.get(kind="item")
    after_line = Invoice.objects.get(order=after).lines.get(kind="item")
    assert (before_line.rate, before_line.vat) == (D("7.00"), D("0.70"))
    assert (after_line.rate, after_line.vat) == (D("5.00"), D("0.50"))
    assert Invoice.objects.get(order=after).supplied_on == date(2030, 1, 1)


def test_with_one_stop_shop_a_sale_to_france_takes_the_french_rates(settings):
    settings.SHOP_VAT_OSS = True
    order = place_order(items=[(insole("10.55"), 1)])
    Order.objects.filter(pk=order.pk).update(shipping_address={**order.shipping_address, "country": "FR"})
    pay(order)
    invoice = Invoice.objects.get(order=order)
    line = invoice.lines.get(kind="item")
    # 10.55 × 5.5/105.5 = 0.55 exactly.
    assert (invoice.tax_country, line.rate, line.vat, line.net) == ("FR", D("5.50"), D("0.55"), D("10.00"))


def test_without_one_stop_shop_a_sale_to_france_takes_the_shops_rates():
    order = place_order(items=[(insole("10.70"), 1)])
    Order.objects.filter(pk=order.pk).update(shipping_address={**order.shipping_address, "country": "FR"})
    pay(order)
    invoice = Invoice.objects.get(order=order)
    assert (invoice.tax_country, invoice.lines.get(kind="item").rate) == ("DE", D("7.00"))


def test_a_missing_rate_records_the_payment_and_flags_the_order(settings):
    TaxRate.objects.filter(country="DE", tax_class=TaxClass.REDUCED).delete()
    order = paid_order(items=[(insole("10.70"), 1)])
    assert order.status == "paid"
    assert not Invoice.objects.filter(order=order).exists()
    assert order.needs_attention and "No invoice issued" in order.attention_note


def test_a_replacement_order_gets_no_invoice(staff_user):
    from tests.returns.helpers import delivered, request_for

    order = delivered(staff=staff_user, user=staff_user, items=[(insole("19.99"), 1)])
    request = request_for(order, kind="replacement", reason="defective", actor=staff_user)
    from orders.returns.services import return_request_approve

    return_request_approve(return_request=request, actor=staff_user)
    replacement = return_request_replace(return_request=request, actor=staff_user)
    assert Invoice.objects.filter(order=order).count() == 1
    assert not Invoice.objects.filter(order=replacement).exists()


def test_issuing_an_invoice_takes_as_many_queries_for_one_line_as_for_six(django_assert_num_queries):
    from orders.invoices.services import invoice_issue

    small = paid_order(items=[(insole("1.00"), 1)])
    large = paid_order(items=[(insole(f"{n}.99"), n) for n in range(1, 7)])
    counts = []
    for order in (small, large):
        Invoice.objects.filter(order=order).delete()
        with django_assert_num_queries(12) as captured:
            invoice_issue(payment=order.payments.get())
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_shipping_of_goods_charged_nothing_takes_the_standard_rate():
    order = paid_order(items=[(insole("0.00"), 1)])
    invoice = Invoice.objects.get(order=order)
    shipping = invoice.lines.get(kind="shipping")
    # 4.90 × 19/119 = 0.7824 -> 0.78.
    assert (shipping.rate, shipping.vat, shipping.net, shipping.gross) == (
        D("19.00"),
        D("0.78"),
        D("4.12"),
        D("4.90"),
    )
    assert invoice.gross_total == order.total == D("4.90")
