"""The product read model answers list and detail reads exactly as the serializers render the catalogue.

Each test compares what an anonymous customer gets (the read model, one query) with what the
serializers render from the ORM for the same URL at the same moment, byte for byte, after the
catalogue changed in the ways staff change it.
"""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from catalogue import selectors
from catalogue.listing import listings_rebuild, listings_refresh, listings_stock_write
from catalogue.models import Category, Condition, Product, ProductImage, ProductListing, ProductVariant
from catalogue.serializers import ProductDetailOutput, ProductListOutput
from shop.api.pagination import CountedPageNumberPagination
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


@pytest.fixture(autouse=True)
def _cache_off(cache_off):
    """The server-side cache off: every anonymous read below comes from the read model or the view."""


def view_body(path: str, host: str = "testserver") -> tuple[int, bytes | None]:
    """What the serializers render for ``path`` now, read through the ORM: the read model's reference.

    The list as DRF's generic list would page ``selectors.product_list()``; the detail as its
    generic retrieve would render ``selectors.product_detail_queryset()``'s product; 404 bodies are
    not compared (the exception handler writes them).
    """
    request = Request(APIRequestFactory().get(path, HTTP_HOST=host))
    slug = path.split("?")[0].removeprefix(LIST).rstrip("/")
    context = {"request": request}
    if slug:
        product = selectors.product_detail_queryset().filter(slug=slug).first()
        if product is None:
            return 404, None
        return 200, JSONRenderer().render(ProductDetailOutput(product, context=context).data)
    paginator = CountedPageNumberPagination()
    try:
        page = paginator.paginate_queryset(selectors.product_list(), request)
    except NotFound:
        return 404, None
    data = ProductListOutput(page, many=True, context=context).data
    return 200, JSONRenderer().render(paginator.get_paginated_response(data).data)


def read(client, path: str, django_assert_num_queries, *, from_model: bool = True, host: str = "testserver"):
    """GET ``path`` anonymously; assert it equals the serializers' answer and (``from_model``) took one query."""
    if from_model:
        with django_assert_num_queries(1):
            response = client.get(path, HTTP_HOST=host)
    else:
        response = client.get(path, HTTP_HOST=host)
    status, body = view_body(path, host)
    assert response.status_code == status
    if body is not None:
        assert response.content == body
    return response


@pytest.fixture
def catalogue_rows(db):
    """Products of every shape: several sizes (one sold out, one inactive), none, pictures, odd text."""
    insoles = CategoryFactory(slug="insoles", name="Insoles")
    products = []
    for n in range(7):
        product = ProductFactory(
            category=insoles,
            name=f'Insole {n} – 100% “cork” \\ "quoted" ☃',
            short_description="50% off? %(s)s %s {}",
            conditions=["flat-feet", "plantar-fasciitis"][: n % 3],
        )
        VariantFactory(product=product, stock=n, price=Decimal("39.90") + n)
        VariantFactory(product=product, stock=12, price=Decimal("49.90"))
        VariantFactory(product=product, stock=3, is_active=False, price=Decimal("9.90"))
        if n % 2:
            ProductImage.objects.create(
                product=product,
                image=f"products/{n}.jpg",
                thumbnail=f"products/{n}-t.jpg",
                alt="x",
                width=8,
                height=6,
            )
        products.append(product)
    ProductFactory(category=insoles, slug="no-sizes", name="Aaa no sizes")
    ProductFactory(category=insoles, kind="custom_orthotic", name="Custom", production_days=7)
    return products


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?page=1",
        "?page=2&page_size=4",
        "?page=3&page_size=4",
        "?page_size=1",
        "?page_size=500",
        "?page_size=x",
    ],
)
def test_pages_match_the_view(api_client, catalogue_rows, query, django_assert_num_queries):
    body = read(api_client, LIST + query, django_assert_num_queries).json()
    assert body["count"] == 9


def test_every_detail_matches_the_view(api_client, catalogue_rows, django_assert_num_queries):
    for product in Product.objects.all():
        body = read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries).json()
        assert len(body["variants"]) == product.variants.filter(is_active=True).count()


def test_image_urls_carry_the_host_the_customer_asked(api_client, catalogue_rows, django_assert_num_queries):
    product = catalogue_rows[1]
    body = read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries, host="localhost").json()
    assert body["images"][0]["url"] == "http://localhost/media/products/1.jpg"
    page = read(api_client, LIST, django_assert_num_queries, host="localhost").json()
    assert page["next"] is None
    assert {item["thumbnail_url"] for item in page["results"]} >= {"http://localhost/media/products/1-t.jpg"}


def test_stock_moved_with_update_shows_once_its_columns_are_written(
    api_client, catalogue_rows, django_assert_num_queries
):
    """Stock changed with ``update()`` (as orders do): the sizes' flags and hints are read live, and the
    product's flag follows once ``listings_stock_write`` has run, as the stock services run it."""
    product = catalogue_rows[3]
    ProductVariant.objects.filter(product=product).update(stock=0)
    listings_stock_write([product.pk])
    body = read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries).json()
    assert body["in_stock"] is False and [v["stock"] for v in body["variants"]] == [0, 0]
    ProductVariant.objects.filter(product=product, price=Decimal("49.90")).update(stock=4)
    listings_stock_write([product.pk])
    body = read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries).json()
    assert body["in_stock"] is True and sorted(v["stock"] for v in body["variants"]) == [0, 4]
    read(api_client, LIST, django_assert_num_queries)
    ProductVariant.objects.filter(product=product).update(stock=7)  # no crossing: the hints alone move
    body = read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries).json()
    assert body["in_stock"] is True and [v["stock"] for v in body["variants"]] == [7, 7]


def test_staff_changes_show_at_once(
    api_client, catalogue_rows, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first, second = catalogue_rows[0], catalogue_rows[1]
    variant = first.variants.filter(is_active=True).first()
    variant.price = Decimal("12.34")
    variant.save()
    assert read(api_client, f"{LIST}{first.slug}/", django_assert_num_queries).json()["price"] == "12.34"

    variant.is_active = False  # one size less
    variant.save()
    new = VariantFactory(product=second, stock=1, price=Decimal("1.00"))  # one size more
    ProductImage.objects.filter(product=second).delete()
    ProductImage.objects.create(product=first, image="products/new.jpg", alt="new", width=8, height=6)
    for product in (first, second):
        read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries)
    new.delete()
    read(api_client, f"{LIST}{second.slug}/", django_assert_num_queries)

    Category.objects.get(slug="insoles").save()  # unchanged
    category = Category.objects.get(slug="insoles")
    category.name = "Insoles, renamed"
    with django_capture_on_commit_callbacks(execute=True):  # its products' rows: a task after the commit
        category.save()
    assert (
        read(api_client, f"{LIST}{second.slug}/", django_assert_num_queries).json()["category"]["name"]
        == "Insoles, renamed"
    )
    first.category = CategoryFactory(slug="other")
    first.name = "Zzz last now"
    first.save()
    page = read(api_client, LIST, django_assert_num_queries).json()
    assert page["results"][-1]["category"] == "other"


def test_condition_changes_show_at_once(
    api_client, catalogue_rows, django_assert_num_queries, django_capture_on_commit_callbacks
):
    product = catalogue_rows[2]  # flat feet and plantar fasciitis
    flat_feet = Condition.objects.get(slug="flat-feet")
    product.conditions.remove(flat_feet)
    assert read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries).json()["conditions"] == [
        "plantar-fasciitis"
    ]
    flat_feet.products.add(product)  # from the other side
    read(api_client, LIST, django_assert_num_queries)
    flat_feet.products.clear()
    assert all(
        "flat-feet" not in item["conditions"]
        for item in read(api_client, LIST, django_assert_num_queries).json()["results"]
    )
    heel = Condition.objects.get(slug="plantar-fasciitis")
    heel.slug = "heel-pain"
    with django_capture_on_commit_callbacks(execute=True):
        heel.save()
    assert read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries).json()["conditions"] == [
        "heel-pain"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        heel.delete()
    assert read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries).json()["conditions"] == []


def test_a_product_leaving_the_shop_leaves_the_list(api_client, catalogue_rows, django_assert_num_queries):
    gone, hidden, renamed = catalogue_rows[:3]
    old_slug = renamed.slug
    gone.delete()
    hidden.is_active = False
    hidden.save()
    renamed.slug = "renamed"
    renamed.save()
    assert read(api_client, LIST, django_assert_num_queries).json()["count"] == 7
    for slug in (gone.slug, hidden.slug, old_slug):  # the view answers the 404
        assert (
            read(api_client, f"{LIST}{slug}/", django_assert_num_queries, from_model=False).status_code == 404
        )
    read(api_client, f"{LIST}renamed/", django_assert_num_queries)
    hidden.is_active = True
    hidden.save()
    assert read(api_client, LIST, django_assert_num_queries).json()["count"] == 8


def test_a_change_rolled_back_leaves_the_read_model_as_it_was(
    api_client, catalogue_rows, django_assert_num_queries
):
    product = catalogue_rows[0]
    before = read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries).content
    with pytest.raises(RuntimeError), transaction.atomic():
        product.name = "Never sold"
        product.save()
        raise RuntimeError
    assert read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries).content == before


@pytest.mark.parametrize(
    "query", ["?page=0", "?page=4&page_size=4", "?page=last", "?page=x", "?page=1&page=2"]
)
def test_pages_it_cannot_answer_go_to_the_view(api_client, catalogue_rows, query, django_assert_num_queries):
    read(api_client, LIST + query, django_assert_num_queries, from_model=False)


def test_filters_go_to_the_view(api_client, catalogue_rows, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = api_client.get(LIST, {"condition": "flat-feet"})
    assert response.json()["count"] == 4


def test_rows_built_under_other_settings_are_not_served(
    api_client, catalogue_rows, settings, django_assert_num_queries
):
    """A new return window (or currency, media URL, output fields) shows at once; migrate rebuilds the rows."""
    product = catalogue_rows[0]
    settings.SHOP_RETURN_DAYS = 5
    body = read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries, from_model=False).json()
    assert body["return_policy"]["return_days"] == 5
    read(api_client, LIST, django_assert_num_queries, from_model=False)
    assert listings_rebuild() == 9
    read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries)
    assert listings_rebuild() == 0


def test_bulk_loads_are_rebuilt_by_the_command(api_client, catalogue_rows, django_assert_num_queries, capsys):
    """``bulk_create`` sends no signal: the command (or migrate) writes the rows it missed."""
    category = Category.objects.get(slug="insoles")
    Product.objects.bulk_create(
        [
            Product(category=category, name=f"Bulk {n}", slug=f"bulk-{n}", price=Decimal("9.90"))
            for n in range(3)
        ]
    )
    ProductListing.objects.filter(product__slug=catalogue_rows[0].slug).update(detail_json="stale")
    call_command("catalogue_listings", "--all")
    assert "of 12 product(s)" in capsys.readouterr().out
    assert read(api_client, LIST, django_assert_num_queries).json()["count"] == 12
    read(api_client, f"{LIST}{catalogue_rows[0].slug}/", django_assert_num_queries)


def test_a_size_count_that_does_not_match_goes_to_the_view(
    api_client, catalogue_rows, django_assert_num_queries
):
    """A size added behind the ORM's back, without ``listings_refresh``: never half a page."""
    product = catalogue_rows[0]
    ProductVariant.objects.bulk_create(
        [ProductVariant(product=product, sku="BULK-1", size_label="x", price=1, stock=1)]
    )
    read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries, from_model=False)
    listings_refresh([product.pk])
    read(api_client, f"{LIST}{product.slug}/", django_assert_num_queries)
