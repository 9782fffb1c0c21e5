"""Staff: the documents in the admin, their PDFs, and the accountant's CSV with totals per rate."""

import csv
import io
from decimal import Decimal as D

import pytest
import time_machine
from django.contrib.auth.models import Permission

from orders.invoices.models import CreditNote, Invoice
from orders.services.payments import refund_create
from tests.factories import UserFactory
from tests.invoices.helpers import insole, mixed_basket
from tests.orders.factories import paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_staff_download_the_invoice_and_credit_note_pdfs_from_the_order_page(admin_client, staff_user):
    order = paid_order(items=mixed_basket())
    refund_create(order=order, amount=D("1.00"), actor=staff_user)
    invoice = Invoice.objects.get(order=order)
    credit_note = CreditNote.objects.get(order=order)
    page = admin_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert f"/admin/invoices/invoice/{invoice.pk}/pdf/" in page
    assert f"/admin/invoices/creditnote/{credit_note.pk}/pdf/" in page
    response = admin_client.get(f"/admin/invoices/invoice/{invoice.pk}/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    response = admin_client.get(f"/admin/invoices/creditnote/{credit_note.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('"CN-000001.pdf"')


def test_staff_without_the_view_permission_get_no_pdf(client):
    order = paid_order(items=mixed_basket())
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert client.get(f"/admin/invoices/invoice/{order.invoice.pk}/pdf/").status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    assert client.get(f"/admin/invoices/invoice/{order.invoice.pk}/pdf/").status_code == 200


def test_an_invoice_cannot_be_changed_or_deleted_in_the_admin(admin_client):
    order = paid_order(items=mixed_basket())
    invoice = Invoice.objects.get(order=order)
    admin_client.post(f"/admin/invoices/invoice/{invoice.pk}/change/", {"gross_total": "1.00"})
    assert (
        admin_client.post(f"/admin/invoices/invoice/{invoice.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Invoice.objects.get(pk=invoice.pk).gross_total == D("69.77")


def test_the_csv_lists_each_document_per_rate_in_the_range_and_the_totals_per_rate(admin_client, staff_user):
    with time_machine.travel("2030-03-31 21:59:59+00:00"):  # 23:59:59 in Berlin (summer time): in March
        march = paid_order(items=mixed_basket())
        refund_create(order=march, amount=D("10.00"), actor=staff_user)
    with time_machine.travel("2030-03-31 22:00:00+00:00"):  # April 1st in Berlin: outside
        paid_order(items=[(insole("10.70"), 1)])
    response = admin_client.get(
        "/admin/invoices/invoice/export/", {"start": "2030-03-01", "end": "2030-03-31"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    number = march.number
    assert rows == [
        ["type", "number", "issued", "order", "corrects", "customer", "tax_country", "currency", "rate", "net",
         "vat", "gross"],
        ["invoice", "INV-000001", "2030-03-31", number, "", "Ada Walker", "DE", "EUR", "7.00", "60.28", "4.22",
         "64.50"],
        ["invoice", "INV-000001", "2030-03-31", number, "", "Ada Walker", "DE", "EUR", "19.00", "4.43", "0.84",
         "5.27"],
        # The 10.00 refund: 8.60 + 0.65 at 7 % (VAT 0.56 + 0.04), 0.70 + 0.05 at 19 % (VAT 0.11 + 0.01).
        ["credit_note", "CN-000001", "2030-03-31", number, "INV-000001", "Ada Walker", "DE", "EUR", "7.00",
         "-8.65", "-0.60", "-9.25"],
        ["credit_note", "CN-000001", "2030-03-31", number, "INV-000001", "Ada Walker", "DE", "EUR", "19.00",
         "-0.63", "-0.12", "-0.75"],
        ["total", "", "", "", "", "", "", "EUR", "7.00", "51.63", "3.62", "55.25"],
        ["total", "", "", "", "", "", "", "EUR", "19.00", "3.80", "0.72", "4.52"],
    ]  # fmt: skip


def test_the_export_form_refuses_a_range_that_ends_before_it_starts(admin_client):
    response = admin_client.get(
        "/admin/invoices/invoice/export/", {"start": "2030-03-02", "end": "2030-03-01"}
    )
    assert response.status_code == 200
    assert b"The start date comes after the end date." in response.content
