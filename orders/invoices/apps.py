from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "orders.invoices"
    label = "invoices"
    verbose_name = "Invoices and credit notes"
