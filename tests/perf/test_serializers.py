"""The product serializers render exactly their declared fields, in order, with the values customers see.

They are the only description of a product's JSON: the view renders them and the read model stores
what they render, so a field they do not declare cannot appear anywhere.
"""

from decimal import Decimal

import pytest
from rest_framework.test import APIRequestFactory

from catalogue import selectors
from catalogue.models import ProductImage
from catalogue.serializers import ImageOutput, ProductDetailOutput, ProductListOutput, VariantOutput
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_list_and_detail_output_match_the_declared_fields(shelf):
    accessory = ProductFactory(
        kind="accessory",
        slug="massage-ball",
        name="Massage Ball",
        category=CategoryFactory(slug="care", name="Foot care"),
        short_description="Rolls.",
        shoe_types=[],
        activities=[],
        rigidity="",
        heel_cup="",
        conditions=["plantar-fasciitis"],
    )
    VariantFactory(
        product=accessory,
        sku="BALL-OS",
        size_label="One size",
        eu_min=None,
        eu_max=None,
        foot_length_min_mm=None,
        foot_length_max_mm=None,
        price=Decimal("12.5"),
        stock=14,
    )
    ProductImage.objects.create(product=accessory, image="products/ball.jpg", alt="A ball", width=8, height=6)
    ProductFactory(slug="no-variants")  # no price, no image
    request = APIRequestFactory().get("/api/v1/products/")
    context = {"request": request}
    for product in selectors.product_detail_queryset():
        listed = ProductListOutput(product, context=context).data
        detail = ProductDetailOutput(product, context=context).data
        assert list(listed) == ProductListOutput.Meta.fields
        assert list(detail) == ProductDetailOutput.Meta.fields
        assert {key: value for key, value in detail.items() if key in listed and key != "category"} == {
            key: value for key, value in listed.items() if key != "category"
        }
        assert detail["category"]["slug"] == listed["category"]
        for variant in detail["variants"]:
            assert list(variant) == VariantOutput.Meta.fields
        for image in detail["images"]:
            assert list(image) == ImageOutput.Meta.fields

    ball = selectors.product_detail_queryset().get(slug="massage-ball")
    assert ProductDetailOutput(ball, context=context).data == {
        "slug": "massage-ball",
        "name": "Massage Ball",
        "kind": "accessory",
        "category": {"slug": "care", "name": "Foot care"},
        "short_description": "Rolls.",
        "price": "12.50",
        "currency": "EUR",
        "in_stock": True,
        "thumbnail_url": "http://testserver/media/products/ball.jpg",
        "arch_support": "medium",
        "rigidity": "",
        "posting": "none",
        "heel_cup": "",
        "heel_lift_mm": 0,
        "met_pad": False,
        "cushioning": "medium",
        "length": "full",
        "volume": "medium",
        "shoe_types": [],
        "activities": [],
        "conditions": ["plantar-fasciitis"],
        "description": "",
        "variants": [
            {
                "sku": "BALL-OS",
                "size_label": "One size",
                "eu_min": None,
                "eu_max": None,
                "foot_length_min_mm": None,
                "foot_length_max_mm": None,
                "width": "regular",
                "price": "12.50",
                "in_stock": True,
                "stock": 10,
            }
        ],
        "images": [
            {
                "url": "http://testserver/media/products/ball.jpg",
                "thumbnail_url": "http://testserver/media/products/ball.jpg",
                "alt": "A ball",
                "width": 8,
                "height": 6,
            }
        ],
        "return_policy": {"returnable": True, "return_days": 3, "replacement_days": 30},
        "production_days": 0,
    }
    empty = ProductListOutput(selectors.product_list().get(slug="no-variants"), context=context).data
    assert (empty["price"], empty["in_stock"], empty["thumbnail_url"]) == (None, False, None)
