"""An order's invoice and credit notes as PDF, for the customer (or the guest with their email) and staff."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from orders import selectors as order_selectors
from orders.invoices import selectors
from orders.invoices.documents import document_pdf_response
from shop.api.throttling import GuestLookupThrottle

EMAIL_PARAMETER = OpenApiParameter("email", str, description="A guest's order: the email it was placed with.")


class InvoicePdfApi(APIView):
    throttle_classes = [GuestLookupThrottle]

    @extend_schema(
        parameters=[EMAIL_PARAMETER],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        operation_id="order_invoice_pdf",
    )
    def get(self, request, number):
        order = order_selectors.order_get(
            number=number, user=request.user, email=request.query_params.get("email")
        )
        return document_pdf_response(selectors.invoice_get(order=order))


class CreditNotePdfApi(APIView):
    throttle_classes = [GuestLookupThrottle]

    @extend_schema(
        parameters=[EMAIL_PARAMETER],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        operation_id="order_credit_note_pdf",
    )
    def get(self, request, number, credit_note_number):
        order = order_selectors.order_get(
            number=number, user=request.user, email=request.query_params.get("email")
        )
        return document_pdf_response(selectors.credit_note_get(order=order, number=credit_note_number))
