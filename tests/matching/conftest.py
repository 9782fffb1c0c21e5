"""Shared fixtures for the foot-type matching tests."""

from decimal import Decimal

import pytest

from tests.factories import ProductFactory, VariantFactory, consents_give


@pytest.fixture
def customer(customer):
    """The customer, with the consent their assessments and footprints need."""
    return consents_give(customer)


@pytest.fixture
def other_customer(other_customer):
    return consents_give(other_customer)


def make_product(slug, price="39.90", *, bands=((39, 40.5), (41, 42.5)), stock=10, **attributes):
    product = ProductFactory(slug=slug, name=slug.replace("-", " ").title(), **attributes)
    for low, high in bands:
        VariantFactory(product=product, sku=f"{slug}-{low}".upper(), size_label=f"EU {low}-{int(high)}",
                       eu_min=Decimal(str(low)), eu_max=Decimal(str(high)), price=Decimal(price), stock=stock)  # fmt: skip
    return product


@pytest.fixture
def catalogue_products():
    """A few insoles with known fit attributes (the scoring itself is pinned in test_scoring)."""
    return {
        "firm": make_product("archform-rigid", "49.90", arch_support="high", rigidity="rigid", posting="medial",
                             heel_cup="deep", shoe_types=["athletic", "casual"], activities=["walking"]),
        "soft": make_product("cloudstep", "34.90", arch_support="medium", rigidity="soft", heel_cup="medium",
                             cushioning="high", shoe_types=["athletic"], activities=["walking"]),
        "custom": make_product("custom-everyday", "249.00", kind="custom_orthotic", arch_support="high",
                               heel_cup="deep", shoe_types=["athletic"], activities=["walking"]),
    }  # fmt: skip
