"""The invoice and credit-note PDFs: who may download them, and what their text says."""

import io
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from orders.invoices.models import CreditNote, Invoice
from orders.services.payments import refund_create
from tests.conftest import client_for
from tests.invoices.helpers import mixed_basket
from tests.orders.factories import paid_order, pay, place_order

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_invoice_pdf_shows_number_dates_each_line_and_the_vat_summary(customer, customer_client):
    items = mixed_basket()
    order = paid_order(user=customer, items=items)
    invoice = Invoice.objects.get(order=order)
    response = customer_client.get(f"/api/v1/orders/{order.number}/invoice.pdf")
    text = _text(response)
    assert response["Content-Disposition"] == 'attachment; filename="INV-000001.pdf"'
    assert "Invoice INV-000001" in text
    assert f"Date of issue {invoice.issued_at:%Y-%m-%d}" in text
    assert f"Date of supply {invoice.supplied_on:%Y-%m-%d}" in text
    for variant, _quantity in items:
        assert variant.sku in text
        assert variant.product.name in text
    assert "56.05 7.00 % 3.92 59.97" in text  # the 3 × 19.99 line: net, rate, VAT, gross
    assert "4.12 19.00 % 0.78 4.90" in text
    assert "VAT 7.00 % 60.28 4.22 64.50" in text
    assert "VAT 19.00 % 4.43 0.84 5.27" in text
    assert "Total EUR 64.71 5.06 69.77" in text
    assert "DE000000000" in text and "Ada Walker" in text


def test_the_credit_note_pdf_names_the_invoice_it_corrects(customer, customer_client, staff_user):
    order = paid_order(user=customer, items=mixed_basket())
    refund_create(order=order, amount=D("10.00"), actor=staff_user)
    credit_note = CreditNote.objects.get(order=order)
    text = _text(customer_client.get(f"/api/v1/orders/{order.number}/credit-notes/{credit_note.number}.pdf"))
    assert "Credit note CN-000001" in text
    assert f"Corrects invoice INV-000001 of {credit_note.invoice.issued_at:%Y-%m-%d}" in text
    assert "8.04 7.00 % 0.56 8.60" in text
    assert "Total EUR refunded" in text and "10.00" in text


def test_a_guest_downloads_with_the_orders_email_and_nobody_else_does(api_client, other_customer):
    order = paid_order(items=mixed_basket(), email="guest@example.com")
    url = f"/api/v1/orders/{order.number}/invoice.pdf"
    assert "INV-000001" in _text(api_client.get(url, {"email": "Guest@Example.com"}))
    assert (
        api_client.get(url, {"email": "other@example.com"}).json()["errors"][0]["code"] == "order_not_found"
    )
    assert api_client.get(url).status_code == 404
    assert (
        client_for(other_customer).get(url, {"email": "guest@example.com"}).status_code == 200
    )  # a guest order
    mine = paid_order(user=other_customer, items=mixed_basket())
    assert (
        api_client.get(
            f"/api/v1/orders/{mine.number}/invoice.pdf", {"email": other_customer.email}
        ).status_code
        == 404
    )


def test_an_unpaid_order_has_no_invoice_yet(customer, customer_client):
    order = place_order(user=customer, items=mixed_basket())
    response = customer_client.get(f"/api/v1/orders/{order.number}/invoice.pdf")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "invoice_not_found"
    response = customer_client.get(f"/api/v1/orders/{order.number}/credit-notes/CN-000001.pdf")
    assert response.json()["errors"][0]["code"] == "credit_note_not_found"


def test_another_orders_credit_note_is_not_found(customer, customer_client, staff_user):
    first = paid_order(user=customer, items=mixed_basket())
    second = paid_order(user=customer, items=mixed_basket())
    refund_create(order=first, amount=D("1.00"), actor=staff_user)
    response = customer_client.get(f"/api/v1/orders/{second.number}/credit-notes/CN-000001.pdf")
    assert response.status_code == 404


def test_guest_downloads_are_throttled_like_other_guest_lookups(api_client, settings):
    from rest_framework.throttling import SimpleRateThrottle

    order = paid_order(items=mixed_basket(), email="guest@example.com")
    url = f"/api/v1/orders/{order.number}/invoice.pdf"
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "guest_lookup": "2/hour"}
    from unittest import mock

    with mock.patch.object(SimpleRateThrottle, "THROTTLE_RATES", rates):
        assert api_client.get(url, {"email": "wrong@example.com"}).status_code == 404
        assert api_client.get(url, {"email": "wrong2@example.com"}).status_code == 404
        assert api_client.get(url, {"email": "guest@example.com"}).status_code == 429


def test_the_payment_email_links_the_invoice_with_the_guests_email(
    django_capture_on_commit_callbacks, settings
):
    from django.core import mail

    settings.SHOP_FRONTEND_URL = "https://shop.example"
    order = place_order(items=mixed_basket(), email="guest@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    paid = next(message for message in mail.outbox if message.subject.startswith("Payment received"))
    link = f"https://shop.example/api/v1/orders/{order.number}/invoice.pdf?email=guest%40example.com"
    assert f"Your invoice (PDF): {link}" in paid.body
    assert link in paid.alternatives[0][0]


def test_the_payment_email_of_a_customer_links_the_invoice_without_an_email(
    customer, django_capture_on_commit_callbacks, settings
):
    from django.core import mail

    settings.SHOP_FRONTEND_URL = "https://shop.example"
    order = place_order(user=customer, items=mixed_basket())
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    paid = next(message for message in mail.outbox if message.subject.startswith("Payment received"))
    assert f"Your invoice (PDF): https://shop.example/api/v1/orders/{order.number}/invoice.pdf\n" in paid.body


def test_the_order_names_its_invoice_and_each_refunds_credit_note(customer, customer_client, staff_user):
    order = place_order(user=customer, items=mixed_basket())
    assert customer_client.get(f"/api/v1/orders/{order.number}/").json()["invoice"] is None
    pay(order)
    refund_create(order=order, amount=D("2.00"), actor=staff_user)
    body = customer_client.get(f"/api/v1/orders/{order.number}/").json()
    assert body["invoice"] == "INV-000001"
    assert [refund["credit_note"] for refund in body["refunds"]] == ["CN-000001"]


def test_rendering_a_pdf_leaves_the_upload_checks_refusing_truncated_images(customer, customer_client):
    """WeasyPrint's import turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process: not here."""
    from PIL import ImageFile

    from catalogue.images import validated_renditions
    from shop.exceptions import ApplicationError
    from tests.images import image_bytes, upload

    order = paid_order(user=customer, items=mixed_basket())
    _text(customer_client.get(f"/api/v1/orders/{order.number}/invoice.pdf"))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    data = image_bytes("JPEG", size=(800, 600))
    with pytest.raises(ApplicationError) as refused:
        validated_renditions(upload(data[: len(data) // 2]))
    assert refused.value.code == "invalid_image"
