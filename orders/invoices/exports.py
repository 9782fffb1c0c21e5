"""The accountant's CSV: every invoice and credit note issued in a date range, one row per rate, and totals.

Credit notes count negative, so each rate's total is what was invoiced less what was credited.
"""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from orders.invoices.selectors import documents_between

HEADER = ["type", "number", "issued", "order", "corrects", "customer", "tax_country", "currency", "rate", "net",
          "vat", "gross"]  # fmt: skip


def day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """Return the instants from the start of ``start`` to the end of ``end`` (both included), shop time."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def documents_csv(*, start: date, end: date) -> str:
    """Return the CSV of the documents issued from ``start`` to ``end`` (days in the shop's time zone)."""
    since, until = day_range(start, end)
    invoices, credit_notes = documents_between(start=since, end=until)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    totals: dict[tuple[str, Decimal], list[Decimal]] = {}

    def rows(document, kind: str, sign: int, corrects: str) -> None:
        issued = timezone.localtime(document.issued_at).date().isoformat()
        for row in document.vat_summary:
            rate = Decimal(row["rate"])
            amounts = [sign * Decimal(row[key]) for key in ("net", "vat", "gross")]
            writer.writerow([kind, document.number, issued, document.order.number, corrects,
                             document.customer_name, document.tax_country, document.currency, row["rate"],
                             *amounts])  # fmt: skip
            entry = totals.setdefault((document.currency, rate), [Decimal("0.00")] * 3)
            for i, amount in enumerate(amounts):
                entry[i] += amount

    for invoice in invoices:
        rows(invoice, "invoice", 1, "")
    for credit_note in credit_notes:
        rows(credit_note, "credit_note", -1, credit_note.invoice.number)
    for (currency, rate), (net, vat, gross) in sorted(totals.items()):
        writer.writerow(["total", "", "", "", "", "", "", currency, f"{rate:.2f}", net, vat, gross])
    return out.getvalue()
