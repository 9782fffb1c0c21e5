"""Reads for invoices and credit notes: what an order charged, the rates that apply, the documents."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet, Sum
from django.urls import reverse
from django.utils.http import urlencode

from catalogue.choices import TaxClass
from orders.invoices import policy
from orders.invoices.exceptions import CreditNoteNotFound, InvoiceNotFound, TaxRateMissing
from orders.invoices.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, TaxRate
from orders.models import Order, Refund
from orders.returns.models import ReturnLine


@dataclass(frozen=True)
class Charge:
    """One thing an order charged, tax included: a line's goods, or the shipping."""

    kind: str  # "item" or "shipping" (``DocumentLine.Kind``)
    description: str
    sku: str
    quantity: int | None
    unit_price: Decimal | None
    gross: Decimal
    tax_class: str
    order_line_id: int | None = None
    discount: Decimal = Decimal("0.00")  # taken off unit_price × quantity by a discount code


def order_charges(*, order: Order) -> list[Charge]:
    """Return what the order actually charged, line by line, then the shipping.

    The one place the documents learn a line's amount: what the order line actually paid
    (``paid_total``: unit price × quantity less its share of a discount code, frozen at checkout),
    with the discount alongside, and the order's ``shipping_total`` (zero with free shipping).
    """
    charges = []
    for line in order.lines.all():
        tax_class = line.product.tax_class if line.product is not None else TaxClass.STANDARD
        description = f"{line.product_name} ({line.size_label})" if line.size_label else line.product_name
        charges.append(
            Charge(
                kind="item",
                description=description,
                sku=line.sku,
                quantity=line.quantity,
                unit_price=line.unit_price,
                gross=line.paid_total,
                tax_class=tax_class,
                order_line_id=line.pk,
                discount=line.discount_total,
            )
        )
    if order.shipping_total > 0:
        charges.append(
            Charge(
                kind="shipping",
                description=f"Shipping: {order.shipping_method_name}",
                sku="",
                quantity=None,
                unit_price=None,
                gross=order.shipping_total,
                tax_class="",  # shipping follows the goods' rates (``docs/invoices.md``)
            )
        )
    return charges


def order_tax_country(*, order: Order) -> str:
    """Return whose VAT rates the order's documents use (the shop's country, or OSS: the destination)."""
    return policy.tax_country(
        destination=(order.shipping_address or {}).get("country", ""),
        shop_country=settings.SHOP_COUNTRY,
        oss=settings.SHOP_VAT_OSS,
    )


def tax_rates(*, country: str, on: date) -> dict[str, Decimal]:
    """Return the rate of each tax class in ``country`` on the day ``on`` (the newest row not after it)."""
    rates: dict[str, Decimal] = {}
    for row in TaxRate.objects.filter(country=country, valid_from__lte=on).order_by(
        "tax_class", "-valid_from"
    ):
        rates.setdefault(row.tax_class, row.rate)
    return rates


def tax_rate(*, rates: dict[str, Decimal], country: str, tax_class: str) -> Decimal:
    try:
        return rates[tax_class]
    except KeyError:
        raise TaxRateMissing(f"No {tax_class} VAT rate is set for {country}.") from None


def invoice_get(*, order: Order) -> Invoice:
    """Return the order's invoice with its lines, or ``invoice_not_found``."""
    invoice = Invoice.objects.filter(order=order).prefetch_related("lines").first()
    if invoice is None:
        raise InvoiceNotFound()
    return invoice


def credit_note_get(*, order: Order, number: str) -> CreditNote:
    """Return one of the order's credit notes by its number, with its lines and invoice."""
    credit_note = (
        CreditNote.objects.filter(order=order, number=number)
        .select_related("invoice")
        .prefetch_related("lines")
        .first()
    )
    if credit_note is None:
        raise CreditNoteNotFound()
    return credit_note


def order_credit_notes(*, order: Order) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(order=order).order_by("sequence")


def invoice_line_credits(*, invoice: Invoice) -> dict[int, tuple[Decimal, Decimal]]:
    """Return, per invoice line id, the gross and VAT its credit notes gave back so far."""
    rows = (
        CreditNoteLine.objects.filter(invoice_line__invoice=invoice)
        .values("invoice_line_id")
        .annotate(gross=Sum("gross"), vat=Sum("vat"))
    )
    return {row["invoice_line_id"]: (row["gross"], row["vat"]) for row in rows}


def refund_returned_units(*, refund: Refund) -> dict[int, int]:
    """Return the order lines (id -> units) a refund pays back, through its return requests; {} if none.

    A line counts the units received back, or those requested when staff skipped receiving, as the
    refund quote does.
    """
    units: dict[int, int] = {}
    for line in ReturnLine.objects.filter(return_request__refunds=refund):
        quantity = line.received_quantity if line.received_quantity is not None else line.quantity
        units[line.order_line_id] = units.get(line.order_line_id, 0) + quantity
    return units


def documents_between(*, start: datetime, end: datetime) -> tuple[list[Invoice], list[CreditNote]]:
    """Return the invoices and credit notes issued in [start, end), in number order, with their lines."""
    invoices = list(
        Invoice.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .select_related("order")
        .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")))
        .order_by("series", "sequence")
    )
    credit_notes = list(
        CreditNote.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .select_related("order", "invoice")
        .prefetch_related(Prefetch("lines", queryset=CreditNoteLine.objects.order_by("position")))
        .order_by("series", "sequence")
    )
    return invoices, credit_notes


def invoice_url(*, order: Order) -> str | None:
    """Return the link to the order's invoice PDF for its emails (a guest's carries their email), or None."""
    if not Invoice.objects.filter(order=order).exists():
        return None
    url = settings.SHOP_FRONTEND_URL.rstrip("/") + reverse(
        "order-invoice-pdf", kwargs={"number": order.number}
    )
    return f"{url}?{urlencode({'email': order.email})}" if order.user_id is None else url
