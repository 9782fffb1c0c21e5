"""Staff keep the catalogue in the Django admin."""

import pytest
import tablib

from catalogue.admin import ProductVariantResource
from catalogue.models import ProductVariant
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_staff_can_open_the_product_list_and_search_by_sku(admin_client):
    firm = ProductFactory(name="Firm Arch")
    VariantFactory(product=firm, sku="FIRM-4142")
    ProductFactory(name="Soft Cushion")
    response = admin_client.get("/admin/catalogue/product/", {"q": "FIRM-4142"})
    assert response.status_code == 200
    assert b"Firm Arch" in response.content
    assert b"Soft Cushion" not in response.content


def test_in_stock_filter_in_the_admin(admin_client):
    VariantFactory(product=ProductFactory(name="Stocked One"), stock=3)
    VariantFactory(product=ProductFactory(name="Empty One"), stock=0)
    stocked = admin_client.get("/admin/catalogue/product/", {"in_stock": "yes"}).content
    empty = admin_client.get("/admin/catalogue/product/", {"in_stock": "no"}).content
    assert b"Stocked One" in stocked and b"Empty One" not in stocked
    assert b"Empty One" in empty and b"Stocked One" not in empty


def test_product_page_shows_variants_and_images_inline(admin_client):
    product = ProductFactory(name="Firm Arch")
    VariantFactory(product=product, sku="FIRM-3940")
    response = admin_client.get(f"/admin/catalogue/product/{product.pk}/change/")
    assert response.status_code == 200
    assert b"FIRM-3940" in response.content
    assert b"images-TOTAL_FORMS" in response.content


def test_stock_is_editable_from_the_variant_list(admin_client):
    variant = VariantFactory(stock=4)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(variant.pk),
        "form-0-price": "39.90",
        "form-0-stock": "17",
        "form-0-is_active": "on",
        "_save": "Save",
    }
    response = admin_client.post("/admin/catalogue/productvariant/", data)
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.stock == 17


def test_csv_export_and_import_of_variants_round_trip():
    """Variants exported to CSV and imported back update stock by SKU, without duplicates."""
    variant = VariantFactory(sku="FIRM-4142", stock=5, product=ProductFactory(slug="firm-arch"))
    exported = ProductVariantResource().export()
    csv = exported.csv
    assert "FIRM-4142" in csv and "firm-arch" in csv
    dataset = tablib.Dataset().load(csv.replace(",5,", ",42,"), format="csv")
    result = ProductVariantResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert ProductVariant.objects.count() == 1
    variant.refresh_from_db()
    assert variant.stock == 42


def test_customers_cannot_open_the_admin(client, customer):
    client.force_login(customer)
    response = client.get("/admin/catalogue/product/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
