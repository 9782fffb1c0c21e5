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
        "lines": (lines := list(document.lines.all())),
        "discounted": any(line.discount for line in lines),
        "seller_address_lines": document.seller_address.splitlines(),
        "customer_address_lines": document.customer_address.splitlines(),
    }


def _weasyprint_html():
    """Return WeasyPrint's ``HTML``, imported on first use (it loads Pango), leaving Pillow as it was.

    Importing WeasyPrint turns on Pillow's process-wide ``LOAD_TRUNCATED_IMAGES``, which would let
    truncated images through the upload checks (``catalogue/images.py``) of every later request in
    the process; documents load no image, so the flag is put back at once.
    """
    from PIL import ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return HTML


def document_pdf(document: Invoice | CreditNote) -> bytes:
    """Return the document as a PDF."""
    html = render_to_string("invoices/document.html", document_context(document))
    return _weasyprint_html()(string=html, url_fetcher=_fetch_nothing).write_pdf()


def document_pdf_response(document: Invoice | CreditNote) -> HttpResponse:
    """Return the document's PDF as a download named after its number, never cached on the way."""
    response = HttpResponse(document_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
