"""Issue invoices and credit notes (``docs/invoices.md``): once each, numbered without gaps, never changed.

``invoice_issue`` runs inside the transaction that records a payment as succeeded, and
``credit_note_issue`` inside the one that records a refund as succeeded (both called from
``orders.services.transitions``), so a document exists exactly when the money moved. Each takes its
number from its series' counter row, locked until that transaction ends: concurrent payments queue
there, and a transaction that rolls back gives its number back.
"""

import logging
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalogue.choices import TaxClass
from orders.invoices import policy
from orders.invoices.exceptions import CreditExceedsInvoice
from orders.invoices.models import (
    CreditNote,
    CreditNoteLine,
    DocumentCounter,
    DocumentLine,
    Invoice,
    InvoiceLine,
)
from orders.invoices.selectors import (
    invoice_line_credits,
    order_charges,
    order_tax_country,
    refund_returned_units,
    tax_rate,
    tax_rates,
)
from orders.models import Order, Payment, Refund
from shop.formats import seller_lines

logger = logging.getLogger(__name__)

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"


def document_number_take(*, series: str) -> tuple[int, str]:
    """Return the next sequence number of ``series`` and its printed form (``INV-000042``).

    Locks the series' counter row until the current transaction ends (call inside it): the next
    caller waits, and sees the number this one took only if it commits.
    """
    counter = DocumentCounter.objects.select_for_update().filter(series=series).first()
    if counter is None:  # the first document of a series: make its row (once, whoever comes first)
        DocumentCounter.objects.bulk_create([DocumentCounter(series=series)], ignore_conflicts=True)
        counter = DocumentCounter.objects.select_for_update().get(series=series)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"{series}-{counter.last_number:06d}"


def _address_text(address: dict | None) -> tuple[str, str]:
    """Return the name and the address lines of an order's address as printed on a document."""
    address = address or {}
    name = " ".join(filter(None, [address.get("first_name", ""), address.get("last_name", "")]))
    city = " ".join(filter(None, [address.get("postal_code", ""), address.get("city", "")]))
    lines = [address.get("line1", ""), address.get("line2", ""), city, address.get("region", "")]
    lines.append(address.get("country", ""))
    return name, "\n".join(line for line in lines if line)


def _seller() -> dict:
    return {
        "seller_name": settings.SHOP_SELLER_NAME,
        "seller_address": "\n".join(seller_lines()[1:]),
        "seller_vat_id": settings.SHOP_SELLER_VAT_ID,
    }


def _summary(lines: list[DocumentLine]) -> tuple[list[dict], policy.Amounts]:
    rows = policy.vat_summary(
        [(line.rate, policy.Amounts(net=line.net, vat=line.vat, gross=line.gross)) for line in lines]
    )
    summary = [
        {"rate": str(row.rate), "net": str(row.net), "vat": str(row.vat), "gross": str(row.gross)}
        for row in rows
    ]
    total = policy.Amounts(
        net=sum((row.net for row in rows), policy.ZERO),
        vat=sum((row.vat for row in rows), policy.ZERO),
        gross=sum((row.gross for row in rows), policy.ZERO),
    )
    return summary, total


def invoice_issue(*, payment: Payment) -> Invoice | None:
    """Issue the invoice of the order ``payment`` paid, once; return it (None: nothing to invoice).

    Call inside the transaction that records the payment as succeeded, with the order locked. An
    order that already has an invoice keeps it; a zero-charge order (a replacement) gets none.
    Raises ``TaxRateMissing`` before writing anything when a rate is not set.
    """
    order = Order.objects.prefetch_related("lines__product").get(pk=payment.order_id)
    existing = Invoice.objects.filter(order=order).first()
    if existing is not None:
        return existing
    if order.total <= 0 or order.replacement_for_id is not None:
        return None
    now = timezone.now()
    today = timezone.localdate(now)
    country = order_tax_country(order=order)
    rates = tax_rates(country=country, on=today)
    charges = order_charges(order=order)
    lines: list[InvoiceLine] = []
    goods_per_rate: dict[Decimal, Decimal] = {}
    shipping = []
    for charge in charges:
        if charge.kind == DocumentLine.Kind.SHIPPING:
            shipping.append(charge)
            continue
        rate = tax_rate(rates=rates, country=country, tax_class=charge.tax_class)
        goods_per_rate[rate] = goods_per_rate.get(rate, policy.ZERO) + charge.gross
        lines.append(_invoice_line(charge=charge, rate=rate, gross=charge.gross))
    for charge in shipping:
        # Shipping follows the goods: divided among their rates in proportion to their gross amounts.
        if sum(goods_per_rate.values(), policy.ZERO) <= 0:  # nothing charged for goods: the standard rate
            goods_per_rate = {
                tax_rate(rates=rates, country=country, tax_class=TaxClass.STANDARD): charge.gross
            }
        shipping_rates = sorted(goods_per_rate)
        shares = policy.allocate(charge.gross, [goods_per_rate[rate] for rate in shipping_rates])
        for rate, share in zip(shipping_rates, shares, strict=True):
            if share > 0:
                description = (
                    charge.description if len(goods_per_rate) == 1 else f"{charge.description} ({rate} %)"
                )
                lines.append(_invoice_line(charge=charge, rate=rate, gross=share, description=description))
    summary, total = _summary(lines)
    customer_name, customer_address = _address_text(order.billing_address or order.shipping_address)
    with transaction.atomic():
        sequence, number = document_number_take(series=INVOICE_SERIES)
        invoice = Invoice.objects.create(
            order=order,
            payment=payment,
            series=INVOICE_SERIES,
            sequence=sequence,
            number=number,
            issued_at=now,
            supplied_on=today,
            currency=order.currency,
            tax_country=country,
            customer_name=customer_name,
            customer_address=customer_address,
            customer_email=order.email,
            net_total=total.net,
            vat_total=total.vat,
            gross_total=total.gross,
            vat_summary=summary,
            **_seller(),
        )
        for position, line in enumerate(lines, start=1):
            line.invoice = invoice
            line.position = position
        InvoiceLine.objects.bulk_create(lines)
    logger.info("Invoice %s issued for order %s", number, order.number)
    return invoice


def _invoice_line(*, charge, rate: Decimal, gross: Decimal, description: str = "") -> InvoiceLine:
    amounts = policy.split(gross, rate)
    return InvoiceLine(
        kind=charge.kind,
        description=description or charge.description,
        sku=charge.sku,
        quantity=charge.quantity,
        unit_price=charge.unit_price,
        discount=charge.discount,
        order_line_id=charge.order_line_id,
        rate=rate,
        net=amounts.net,
        vat=amounts.vat,
        gross=amounts.gross,
        position=0,
    )


def refund_allocation(*, refund: Refund, lines: list[InvoiceLine], credited: dict) -> list[Decimal]:
    """Return how much of the refund goes back on each invoice line (same order as ``lines``).

    A refund for returned units (through its return requests) gives back first what those units were
    charged (the line's gross × units / quantity, rounded half up, never more than is left on the
    line); less than that is divided among them in proportion; more goes to the shipping lines (the
    shipping refunded with the whole order), and whatever is still left to every line in proportion
    to what is left on it. A refund tied to no line is divided among all lines in proportion to what
    is left on each. Every division is ``policy.allocate`` (largest remainder, to the cent).
    """
    amount = Decimal(refund.amount)
    remaining = [line.gross - credited.get(line.pk, (policy.ZERO, policy.ZERO))[0] for line in lines]
    if amount > sum(remaining, policy.ZERO):
        raise CreditExceedsInvoice(
            f"Refund {refund.pk} of {amount} exceeds the {sum(remaining, policy.ZERO)} left to credit."
        )
    units = refund_returned_units(refund=refund)
    if not units:
        return policy.allocate(amount, remaining)
    tied = []
    for line, left in zip(lines, remaining, strict=True):
        returned = units.get(line.order_line_id, 0) if line.kind == DocumentLine.Kind.ITEM else 0
        due = (line.gross * returned / line.quantity).quantize(policy.CENT, ROUND_HALF_UP) if returned else 0
        tied.append(min(left, Decimal(due)))
    tied_total = sum(tied, policy.ZERO)
    if amount <= tied_total:
        return policy.allocate(amount, tied)
    shares = list(tied)
    excess = amount - tied_total
    shipping_left = [
        left if line.kind == DocumentLine.Kind.SHIPPING else policy.ZERO
        for line, left in zip(lines, remaining, strict=True)
    ]
    to_shipping = min(excess, sum(shipping_left, policy.ZERO))
    for i, share in enumerate(policy.allocate(to_shipping, shipping_left)):
        shares[i] += share
    excess -= to_shipping
    if excess > 0:
        rest = [left - share for left, share in zip(remaining, shares, strict=True)]
        for i, share in enumerate(policy.allocate(excess, rest)):
            shares[i] += share
    return shares


def credit_note_issue(*, refund: Refund) -> CreditNote | None:
    """Issue the credit note of a refund that succeeded, once; return it (None: no invoice to correct).

    Call inside the transaction that records the refund as succeeded, with the order locked. A refund
    of a payment the invoice was not issued for (an order paid twice) corrects no invoice. Raises
    ``CreditExceedsInvoice`` before writing anything when the refund is more than is left to credit.
    """
    existing = CreditNote.objects.filter(refund=refund).first()
    if existing is not None:
        return existing
    invoice = Invoice.objects.filter(order_id=refund.order_id).first()
    if invoice is None or invoice.payment_id != refund.payment_id:
        logger.warning("Refund %s corrects no invoice: no credit note issued", refund.pk)
        return None
    invoice_lines = list(invoice.lines.order_by("position"))
    credited = invoice_line_credits(invoice=invoice)
    shares = refund_allocation(refund=refund, lines=invoice_lines, credited=credited)
    lines: list[CreditNoteLine] = []
    for line, share in zip(invoice_lines, shares, strict=True):
        if share <= 0:
            continue
        before_gross, before_vat = credited.get(line.pk, (policy.ZERO, policy.ZERO))
        amounts = policy.split_credit(
            gross=share, rate=line.rate, credited_gross=before_gross, credited_vat=before_vat
        )
        quantity = None
        if (
            line.kind == DocumentLine.Kind.ITEM
            and line.quantity
            and line.gross
            and (share * line.quantity) % line.gross == 0
        ):
            quantity = int(share * line.quantity / line.gross)
        lines.append(
            CreditNoteLine(
                invoice_line=line,
                kind=line.kind,
                description=line.description,
                sku=line.sku,
                quantity=quantity,
                unit_price=line.unit_price if quantity else None,
                discount=(line.unit_price * quantity - share)
                if quantity and line.unit_price
                else policy.ZERO,
                rate=line.rate,
                net=amounts.net,
                vat=amounts.vat,
                gross=amounts.gross,
                position=0,
            )
        )
    summary, total = _summary(lines)
    now = timezone.now()
    with transaction.atomic():
        sequence, number = document_number_take(series=CREDIT_NOTE_SERIES)
        credit_note = CreditNote.objects.create(
            invoice=invoice,
            order_id=refund.order_id,
            refund=refund,
            series=CREDIT_NOTE_SERIES,
            sequence=sequence,
            number=number,
            issued_at=now,
            supplied_on=invoice.supplied_on,
            currency=invoice.currency,
            tax_country=invoice.tax_country,
            seller_name=invoice.seller_name,
            seller_address=invoice.seller_address,
            seller_vat_id=invoice.seller_vat_id,
            customer_name=invoice.customer_name,
            customer_address=invoice.customer_address,
            customer_email=invoice.customer_email,
            net_total=total.net,
            vat_total=total.vat,
            gross_total=total.gross,
            vat_summary=summary,
        )
        for position, line in enumerate(lines, start=1):
            line.credit_note = credit_note
            line.position = position
        CreditNoteLine.objects.bulk_create(lines)
    logger.info("Credit note %s issued for refund %s (invoice %s)", number, refund.pk, invoice.number)
    return credit_note


def documents_erase(*, order_ids: list[int], email: str) -> int:
    """Take the customer out of the invoices and credit notes of these orders; return how many were changed.

    Part of an account's erasure (``docs/privacy.md``), the one change a document ever sees: the
    customer's name goes, the address keeps only its country (its last line), the email becomes
    ``email``. Numbers, dates, lines and amounts stay: they are the shop's tax records.
    """
    changed = 0
    for model in (Invoice, CreditNote):
        documents = list(model.objects.filter(order_id__in=order_ids))
        for document in documents:
            lines = document.customer_address.splitlines()
            document.customer_name = ""
            document.customer_address = lines[-1] if lines else ""
            document.customer_email = email
        model.objects.bulk_update(documents, ["customer_name", "customer_address", "customer_email"])
        changed += len(documents)
    return changed
