"""Baskets for the invoice tests, placed and paid through the real services."""

from decimal import Decimal

from catalogue.choices import TaxClass
from tests.factories import ProductFactory, VariantFactory


def insole(price: str, *, tax_class: str = TaxClass.REDUCED, stock: int = 50):
    return VariantFactory(price=Decimal(price), stock=stock, product=ProductFactory(tax_class=tax_class))


def mixed_basket():
    """3 × 19.99 at the reduced rate and 1 × 4.90 at the standard rate (shipping 4.90: Standard DHL)."""
    return [(insole("19.99"), 3), (insole("4.90", tax_class=TaxClass.STANDARD), 1)]


def amounts(line) -> tuple:
    return (
        line.description.split(" (")[0] if line.kind == "item" else line.kind,
        line.net,
        line.rate,
        line.vat,
        line.gross,
    )
