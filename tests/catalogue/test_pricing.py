"""A product price all sizes share, a size's own price, the one definition of what a size costs."""

import os
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command

from catalogue.admin import ProductVariantInlineForm
from catalogue.models import Product, ProductVariant
from catalogue.pricing import variant_price
from orders.selectors import cart_view
from orders.services.cart import cart_create, cart_item_add
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_a_size_without_its_own_price_costs_the_products_price_everywhere(client):
    product = ProductFactory(price=Decimal("44.90"))
    shared = VariantFactory(product=product, sku="SHARED-4142", price=None, stock=5)
    own = VariantFactory(product=product, sku="BIG-4748", price=Decimal("49.90"), stock=5)
    assert (variant_price(shared), variant_price(own)) == (Decimal("44.90"), Decimal("49.90"))

    cart = cart_create()
    cart_item_add(cart=cart, sku="SHARED-4142", quantity=2)
    assert cart_view(cart=cart).subtotal == Decimal("89.80")

    listed = client.get("/api/v1/products/").json()["results"][0]
    assert listed["price"] == "44.90"  # the lowest of the sizes
    detail = client.get(f"/api/v1/products/{product.slug}/").json()
    assert {v["sku"]: v["price"] for v in detail["variants"]} == {"SHARED-4142": "44.90", "BIG-4748": "49.90"}

    product.price = Decimal("39.90")
    product.save()
    detail = client.get(f"/api/v1/products/{product.slug}/").json()
    assert {v["sku"]: v["price"] for v in detail["variants"]} == {"SHARED-4142": "39.90", "BIG-4748": "49.90"}


def test_a_band_the_wrong_way_round_is_reported_next_to_its_field_in_words():
    product = ProductFactory()
    form = ProductVariantInlineForm(
        data={"sku": "X-1", "size_label": "EU 42", "eu_min": "43", "eu_max": "41", "foot_length_min_mm": "270",
              "foot_length_max_mm": "260", "width": "regular", "stock": "1", "is_active": "on", "position": "0"},
        instance=ProductVariant(product=product),
    )  # fmt: skip
    assert not form.is_valid()
    assert form.errors == {
        "eu_max": ["The largest EU size must be at least the smallest (43)."],
        "foot_length_max_mm": ["The longest foot length must be at least the shortest (270 mm)."],
    }


def test_the_migration_gives_each_product_the_price_most_sizes_have():
    migration = import_module("catalogue.migrations.0010_product_price")
    product = ProductFactory(price=Decimal("0.00"))
    for sku, price in [("A", "39.90"), ("B", "39.90"), ("C", "44.90")]:
        VariantFactory(product=product, sku=sku, price=Decimal(price))
    migration.prices_to_products(global_apps, None)
    product.refresh_from_db()
    assert product.price == Decimal("39.90")
    assert dict(ProductVariant.objects.values_list("sku", "price")) == {
        "A": None,
        "B": None,
        "C": Decimal("44.90"),
    }
    migration.prices_to_variants(global_apps, None)
    assert dict(ProductVariant.objects.values_list("sku", "price")) == {
        "A": Decimal("39.90"), "B": Decimal("39.90"), "C": Decimal("44.90"),
    }  # fmt: skip


def test_load_demo_keeps_what_staff_changed_unless_reset():
    call_command("load_demo", "--no-images", stdout=open(os.devnull, "w"))
    product = Product.objects.get(slug="archform-rigid")
    product.price = Decimal("59.90")
    product.save()
    call_command("load_demo", "--no-images", stdout=open(os.devnull, "w"))
    assert Product.objects.get(slug="archform-rigid").price == Decimal("59.90")
    call_command("load_demo", "--no-images", "--reset", stdout=open(os.devnull, "w"))
    assert Product.objects.get(slug="archform-rigid").price == Decimal("49.90")


def test_the_demo_logins_are_one_per_role_and_none_a_superuser():
    from shop.models import User

    call_command("load_demo", "--no-images", stdout=open(os.devnull, "w"))
    staff = {user.email: [g.name for g in user.groups.all()] for user in User.objects.filter(is_staff=True)}
    assert staff == {
        "service@example.com": ["Customer service"], "warehouse@example.com": ["Warehouse"],
        "lab@example.com": ["Lab"], "manager@example.com": ["Manager"],
    }  # fmt: skip
    assert not User.objects.filter(is_superuser=True).exists()


def test_the_list_filters_and_sorts_on_the_price_it_shows_when_every_size_has_its_own():
    dear = ProductFactory(price=Decimal("60.00"), name="Dear base")
    VariantFactory(product=dear, sku="DEAR-4243", price=Decimal("25.00"), stock=3)
    cheap = ProductFactory(price=Decimal("30.00"), name="Cheap base")
    VariantFactory(product=cheap, sku="CHEAP-4243", price=None, stock=3)

    listed = client_list("?ordering=price")
    assert [(p["name"], p["price"]) for p in listed] == [("Dear base", "25.00"), ("Cheap base", "30.00")]
    assert [p["name"] for p in client_list("?price_max=26")] == ["Dear base"]
    assert [p["name"] for p in client_list("?price_min=50")] == []


def client_list(query: str) -> list[dict]:
    from rest_framework.test import APIClient

    return APIClient().get(f"/api/v1/products/{query}").json()["results"]
