"""The hand-written ``to_representation`` of the product serializers matches DRF's generic output."""

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from catalogue import selectors
from catalogue.apis import ImageOutput, ProductDetailOutput, ProductListOutput, VariantOutput
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def generic(serializer, obj):
    """What DRF's field-by-field path returns for ``obj``."""
    return serializers.Serializer.to_representation(serializer, obj)


def test_list_and_detail_output_match_the_declared_fields(shelf):
    accessory = ProductFactory(kind="accessory", shoe_types=[], activities=[], rigidity="", heel_cup="")
    VariantFactory(
        product=accessory, eu_min=None, eu_max=None, foot_length_min_mm=None, foot_length_max_mm=None
    )
    ProductFactory(slug="no-variants")  # no price, no image
    request = APIRequestFactory().get("/api/v1/products/")
    context = {"request": request}
    for product in selectors.product_detail_queryset():
        list_output = ProductListOutput(context=context)
        assert list_output.to_representation(product) == generic(list_output, product)
        detail_output = ProductDetailOutput(context=context)
        fast = detail_output.to_representation(product)
        slow = generic(detail_output, product)
        assert fast == slow
        assert list(fast) == list(slow)  # the same key order
        for variant in product.variants.all():
            output = VariantOutput(context=context)
            assert output.to_representation(variant) == generic(output, variant)
        for image in product.images.all():
            output = ImageOutput(context=context)
            assert output.to_representation(image) == generic(output, image)
