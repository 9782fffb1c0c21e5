"""VAT rates, document counters, and the invoices and credit notes with their lines (``docs/invoices.md``).

Invoices and credit notes are written once, by ``orders.invoices.services``, and never changed: each
line is a snapshot (description, SKU, quantity, unit price, net, rate, VAT, gross), and each document
copies the seller's and the customer's names and addresses as they were when it was issued.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from catalogue.choices import TaxClass
from orders.models import MoneyField, Order, Payment, Refund


class TaxRate(models.Model):
    """The VAT rate of a country for a tax class from a date on (the newest row not after a date applies)."""

    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. DE.")
    tax_class = models.CharField(max_length=10, choices=TaxClass.choices)
    rate = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0)], help_text="Percent, e.g. 19.00."
    )
    valid_from = models.DateField()

    class Meta:
        ordering = ["country", "tax_class", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "tax_class", "valid_from"], name="tax_rate_unique_start"
            )
        ]

    def __str__(self):
        return f"{self.country} {self.tax_class} {self.rate} % from {self.valid_from}"


class DocumentCounter(models.Model):
    """The last number given in a series; its row is locked while the next number is taken."""

    series = models.CharField(max_length=10, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.series}: {self.last_number}"


class Document(models.Model):
    """What an invoice and a credit note share: number, dates, parties, totals and the VAT summary."""

    series = models.CharField(max_length=10)
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=24, unique=True)
    issued_at = models.DateTimeField(db_index=True)
    supplied_on = models.DateField(help_text="The date of supply.")
    currency = models.CharField(max_length=3)
    tax_country = models.CharField(max_length=2, help_text="Whose VAT rates apply.")
    seller_name = models.CharField(max_length=200)
    seller_address = models.TextField()
    seller_vat_id = models.CharField(max_length=30)
    customer_name = models.CharField(max_length=200)
    customer_address = models.TextField()
    customer_email = models.EmailField()
    net_total = MoneyField()
    vat_total = MoneyField()
    gross_total = MoneyField()
    # [{"rate": "7.00", "net": "...", "vat": "...", "gross": "..."}], one entry per rate, lowest first.
    vat_summary = models.JSONField(default=list)

    class Meta:
        abstract = True
        ordering = ["series", "sequence"]

    def __str__(self):
        return self.number


class Invoice(Document):
    """The invoice of a paid order (one per order, for the payment that paid it)."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="+")

    class Meta(Document.Meta):
        constraints = [
            models.UniqueConstraint(fields=["series", "sequence"], name="invoice_unique_sequence"),
        ]


class CreditNote(Document):
    """The correction of an invoice for one refund that succeeded (negative amounts shown as refunded)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="credit_notes")
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, related_name="credit_note")

    class Meta(Document.Meta):
        constraints = [
            models.UniqueConstraint(fields=["series", "sequence"], name="credit_note_unique_sequence"),
        ]


class DocumentLine(models.Model):
    """One line of a document: what was sold (or given back), with its net, rate, VAT and gross."""

    class Kind(models.TextChoices):
        ITEM = "item", "Item"
        SHIPPING = "shipping", "Shipping"

    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ITEM)
    description = models.CharField(max_length=300)
    sku = models.CharField("SKU", max_length=64, blank=True)
    # Empty on a credit note line that gives back part of a line's amount rather than whole units.
    quantity = models.PositiveIntegerField(null=True, blank=True)
    unit_price = MoneyField(null=True, blank=True)  # the list price per unit
    # What a discount code took off the line (an invoice line's gross is what was actually paid:
    # unit price × quantity − discount); zero without one.
    discount = MoneyField(default=Decimal("0.00"))
    net = MoneyField()
    rate = models.DecimalField(max_digits=5, decimal_places=2)
    vat = MoneyField()
    gross = MoneyField()

    class Meta:
        abstract = True
        ordering = ["position"]

    def __str__(self):
        return f"{self.description}: {self.gross}"


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(DocumentLine.Meta):
        pass


class CreditNoteLine(DocumentLine):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credits")
