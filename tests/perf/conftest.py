import pytest

from catalogue.models import ProductImage
from tests.factories import CategoryFactory, ProductFactory, VariantFactory


@pytest.fixture
def shelf(db):
    """Sixty products with three sizes, two conditions and two pictures each."""
    category = CategoryFactory(slug="insoles", name="Insoles")
    products = []
    for n in range(60):
        product = ProductFactory(category=category, conditions=["flat-feet", "plantar-fasciitis"])
        VariantFactory.create_batch(3, product=product)
        for position in range(2):
            ProductImage.objects.create(
                product=product,
                image=f"products/{n}-{position}.jpg",
                thumbnail=f"products/{n}-{position}-t.jpg",
                width=800,
                height=600,
                position=position,
            )
        products.append(product)
    return products


@pytest.fixture
def cache_off(settings):
    settings.CATALOGUE_CACHE_TIMEOUT = 0


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client
