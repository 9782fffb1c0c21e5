"""List and detail run a constant number of SQL queries whatever the page size."""

import pytest

from catalogue.models import ProductImage
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_shelf():
    category = CategoryFactory()
    for n in range(60):
        product = ProductFactory(category=category, conditions=["flat-feet", "plantar-fasciitis"])
        VariantFactory.create_batch(3, product=product)
        ProductImage.objects.create(
            product=product, image=f"products/{n}.jpg", thumbnail=f"products/{n}-t.jpg", width=800, height=600
        )


@pytest.mark.parametrize("page_size", [1, 10, 60])
def test_product_list_queries_do_not_grow_with_page_size(
    api_client, big_shelf, page_size, django_assert_max_num_queries
):
    # count, page, conditions, images, and the check that the condition slug exists.
    with django_assert_max_num_queries(5):
        response = api_client.get("/api/v1/products/", {"page_size": page_size, "condition": "flat-feet"})
    assert len(response.json()["results"]) == page_size


def test_product_detail_queries_are_constant(api_client, big_shelf, django_assert_max_num_queries):
    slug = api_client.get("/api/v1/products/", {"page_size": 1}).json()["results"][0]["slug"]
    with django_assert_max_num_queries(5):
        response = api_client.get(f"/api/v1/products/{slug}/")
    assert len(response.json()["variants"]) == 3
