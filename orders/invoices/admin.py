"""Staff pages: VAT rates (editable), invoices and credit notes (read only, as PDF), the accountant's CSV."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from orders.invoices.documents import document_pdf_response
from orders.invoices.exports import documents_csv
from orders.invoices.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, TaxRate
from shop.admin import ReadOnlyMixin

LINE_FIELDS = [
    "position",
    "kind",
    "description",
    "sku",
    "quantity",
    "unit_price",
    "discount",
    "net",
    "rate",
    "vat",
    "gross",
]


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["country", "tax_class", "rate", "valid_from"]
    list_filter = ["country", "tax_class"]


class InvoiceLineInline(ReadOnlyMixin, admin.TabularInline):
    model = InvoiceLine
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS
    extra = 0


class CreditNoteLineInline(ReadOnlyMixin, admin.TabularInline):
    model = CreditNoteLine
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS
    extra = 0


DOCUMENT_FIELDS = ["number", "order", "issued_at", "supplied_on", "currency", "tax_country", "seller_name",
                   "seller_address", "seller_vat_id", "customer_name", "customer_address", "customer_email",
                   "net_total", "vat_total", "gross_total", "vat_summary", "pdf"]  # fmt: skip


class DocumentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """An issued document: shown, downloaded as PDF, never changed."""

    list_display = [
        "number",
        "issued_at",
        "order",
        "customer_name",
        "net_total",
        "vat_total",
        "gross_total",
        "pdf",
    ]
    list_select_related = ["order"]
    search_fields = ["=number", "=order__number", "customer_email"]
    date_hierarchy = "issued_at"
    ordering = ["-issued_at", "-sequence"]
    pdf_url_name = ""

    def get_urls(self):
        return [
            path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name=self.pdf_url_name),
            *super().get_urls(),
        ]

    @admin.display(description="PDF")
    def pdf(self, obj):
        return format_html(
            '<a href="{}">{}.pdf</a>', reverse(f"admin:{self.pdf_url_name}", args=[obj.pk]), obj
        )

    def pdf_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = self.model.objects.select_related("order").filter(pk=pk).first()
        if document is None:
            raise Http404("No such document.")
        return document_pdf_response(document)


class ExportForm(forms.Form):
    start = forms.DateField(label="From (issued on or after)", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (issued on or before)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The start date comes after the end date.")
        return data


@admin.register(Invoice)
class InvoiceAdmin(DocumentAdmin):
    inlines = [InvoiceLineInline]
    fields = DOCUMENT_FIELDS
    readonly_fields = DOCUMENT_FIELDS
    pdf_url_name = "invoices_invoice_pdf"
    change_list_template = "admin/invoices/invoice/change_list.html"

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="invoices_document_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The CSV of invoices and credit notes issued in a date range, with totals per rate."""
        if not (
            self.has_view_permission(request)
            and CreditNoteAdmin(CreditNote, self.admin_site).has_view_permission(request)
        ):
            raise PermissionDenied
        form = ExportForm(request.GET or None)
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            response = HttpResponse(
                documents_csv(start=start, end=end), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="documents-{start}-{end}.csv"'
            response["Cache-Control"] = "private, no-store"
            return response
        if not request.GET:
            today = timezone.localdate()
            form = ExportForm(initial={"start": today.replace(day=1), "end": today})
        context = {**self.admin_site.each_context(request), "title": "Export invoices and credit notes", "form": form,
                   "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/invoices/invoice/export.html", context)


@admin.register(CreditNote)
class CreditNoteAdmin(DocumentAdmin):
    inlines = [CreditNoteLineInline]
    fields = ["invoice", "refund", *DOCUMENT_FIELDS]
    readonly_fields = fields
    pdf_url_name = "invoices_creditnote_pdf"
    list_display = ["number", "invoice", *DocumentAdmin.list_display[1:]]
    list_select_related = ["order", "invoice"]


class OrderInvoiceInline(ReadOnlyMixin, admin.TabularInline):
    """The order's invoice, with its PDF (shown on the order's page)."""

    model = Invoice
    fields = ["number_link", "issued_at", "gross_total", "pdf"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = "invoice"

    @admin.display(description="number")
    def number_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:invoices_invoice_change", args=[obj.pk]), obj
        )

    @admin.display(description="PDF")
    def pdf(self, obj):
        return format_html(
            '<a href="{}">{}.pdf</a>', reverse("admin:invoices_invoice_pdf", args=[obj.pk]), obj
        )


class OrderCreditNoteInline(OrderInvoiceInline):
    model = CreditNote
    fk_name = "order"
    verbose_name_plural = "credit notes"

    @admin.display(description="number")
    def number_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:invoices_creditnote_change", args=[obj.pk]), obj
        )

    @admin.display(description="PDF")
    def pdf(self, obj):
        return format_html(
            '<a href="{}">{}.pdf</a>', reverse("admin:invoices_creditnote_pdf", args=[obj.pk]), obj
        )
