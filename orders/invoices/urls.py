from django.urls import path

from orders.invoices import apis

urlpatterns = [
    path("orders/<str:number>/invoice.pdf", apis.InvoicePdfApi.as_view(), name="order-invoice-pdf"),
    path(
        "orders/<str:number>/credit-notes/<str:credit_note_number>.pdf",
        apis.CreditNotePdfApi.as_view(),
        name="order-credit-note-pdf",
    ),
]
