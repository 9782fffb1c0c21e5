"""Invoices and credit notes as PDF: a Django template rendered by WeasyPrint, fetching nothing.

The API (customer and guest) and the admin (staff) both call ``document_pdf_response``.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string

from orders.invoices.models import CreditNote, Invoice


def _fetch_nothing(url: str, *args, **kwargs):
    """WeasyPrint's URL fetcher: a document loads no file and no URL (its template needs none)."""
    raise ValueError(f"Documents load no external resources ({url}).")


def document_context(document: Invoice | CreditNote) -> dict:
    is_credit_note = isinstance(document, CreditNote)
    return {
        "document": document,
        "title": "Credit note" if is_credit_note else "Invoice",
        "corrects": document.invoice if is_credit_note else None,
        "order": document.order,
        "lines": list(document.lines.all()),
        "seller_address_lines": document.seller_address.splitlines(),
        "customer_address_lines": document.customer_address.splitlines(),
    }


def document_pdf(document: Invoice | CreditNote) -> bytes:
    """Return the document as a PDF."""
    from weasyprint import HTML  # loaded when a PDF is made: it loads Pango at import

    html = render_to_string("invoices/document.html", document_context(document))
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()


def document_pdf_response(document: Invoice | CreditNote) -> HttpResponse:
    """Return the document's PDF as a download named after its number, never cached on the way."""
    response = HttpResponse(document_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
