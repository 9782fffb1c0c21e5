"""Writes to the catalogue."""

from django.db import transaction

from catalogue.images import validated_renditions
from catalogue.models import Product, ProductImage


def product_image_create(*, product: Product, upload, alt: str = "", position: int = 0) -> ProductImage:
    """Validate an uploaded picture and attach its renditions to the product; store nothing if refused."""
    renditions = validated_renditions(upload)
    product_image = ProductImage(product=product, alt=alt or product.name, position=position)
    with transaction.atomic():
        product_image.image.save(renditions.web.name, renditions.web, save=False)
        product_image.thumbnail.save(renditions.thumbnail.name, renditions.thumbnail, save=False)
        try:
            product_image.save()
        except Exception:
            product_image.image.delete(save=False)
            product_image.thumbnail.delete(save=False)
            raise
    return product_image
