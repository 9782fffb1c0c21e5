"""A staff member keeps the catalogue up to date in the admin, in a real Chromium."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalogue.models import ProductImage, ProductVariant
from tests.e2e.pages import AdminSite
from tests.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory, VariantFactory
from tests.images import image_bytes

# serialized_rollback: the live server needs committed data, and the flush that follows a transactional
# test must not take the migrations' seed data (shipping methods, conditions) from the tests after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def staff(transactional_db):
    return UserFactory(email="staff.e2e@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def catalogue(transactional_db):
    """Three products; the one the staff member is after has the SKU ``ARCH-PRO-4243``."""
    wanted = ProductFactory(name="Arch Pro Runner", slug="arch-pro-runner")
    VariantFactory(product=wanted, sku="ARCH-PRO-4243", size_label="EU 42-43", stock=3)
    VariantFactory(product=wanted, sku="ARCH-PRO-4445", size_label="EU 44-45", stock=4)
    for name in ("Heel Comfort", "Forefoot Pad"):
        VariantFactory(product=ProductFactory(name=name), price=Decimal("19.90"))
    return wanted


def test_staff_finds_a_product_by_sku_edits_stock_and_adds_an_image(page, shots, staff, catalogue, tmp_path):
    """Log in, find a product by a variant's SKU, change that variant's stock from the variant list,
    upload a product picture and see its preview on the product page and in the product list."""
    admin = AdminSite(page)

    admin.login(email=staff.email, password=DEFAULT_PASSWORD)
    shots("dashboard")

    admin.open_changelist("catalogue", "product")
    expect(admin.result_rows()).to_have_count(3)
    admin.search("ARCH-PRO-4243")
    expect(admin.result_rows()).to_have_count(1)
    expect(admin.result_rows().first).to_contain_text("Arch Pro Runner")
    shots("product-found-by-sku")

    admin.open_changelist("catalogue", "productvariant")
    admin.search("ARCH-PRO-4243")
    expect(admin.result_rows()).to_have_count(1)
    stock = admin.result_rows().first.locator("input[name$='-stock']")
    stock.fill("25")
    shots("variant-stock-typed")
    admin.save()
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")
    expect(admin.result_rows().first.locator("input[name$='-stock']")).to_have_value("25")
    shots("variant-stock-saved")
    assert ProductVariant.objects.get(sku="ARCH-PRO-4243").stock == 25
    assert ProductVariant.objects.get(sku="ARCH-PRO-4445").stock == 4  # the other size is untouched

    picture = tmp_path / "runner.png"
    picture.write_bytes(image_bytes("PNG", size=(800, 600), colour=(30, 120, 200)))
    admin.open_changelist("catalogue", "product")
    admin.search("ARCH-PRO-4243")
    admin.open_row("Arch Pro Runner")
    admin.add_inline_row("images")
    page.set_input_files("input[name='images-0-image']", str(picture))
    page.fill("input[name='images-0-alt']", "Arch Pro Runner, top view")
    shots("image-chosen")
    admin.save("_continue")
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")

    preview = admin.inline_rows("images").first.locator("td.field-preview img")
    expect(preview).to_have_attribute("alt", "Arch Pro Runner, top view")
    # The browser actually fetched and decoded the thumbnail: a broken image has naturalWidth 0.
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    shots("image-preview-on-product")
    image = ProductImage.objects.get(product=catalogue)
    assert image.thumbnail and max(image.thumbnail.width, image.thumbnail.height) <= 320

    admin.open_changelist("catalogue", "product")
    listed = (
        admin.result_rows()
        .filter(has_text="Arch Pro Runner")
        .locator("td.field-preview img, th.field-preview img")
    )
    expect(listed).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=listed.element_handle())
    shots("image-preview-in-list")
