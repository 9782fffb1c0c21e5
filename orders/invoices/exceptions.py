"""Invoice and credit-note refusals with stable codes; ``shop.api.exception_handler`` maps them to HTTP."""

from shop.exceptions import BusinessRuleViolation, NotFound


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"
    default_detail = "This order has no invoice (yet): it is issued when the payment arrives."


class CreditNoteNotFound(NotFound):
    code = "credit_note_not_found"
    default_detail = "This order has no such credit note."


class TaxRateMissing(BusinessRuleViolation):
    code = "tax_rate_missing"
    default_detail = "No VAT rate is set for this country and tax class."


class CreditExceedsInvoice(BusinessRuleViolation):
    code = "credit_exceeds_invoice"
    default_detail = "The refund is more than is left to credit on the invoice."
