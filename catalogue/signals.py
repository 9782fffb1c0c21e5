"""Invalidate cached catalogue reads whenever a catalogue row is saved or deleted.

Connected from ``CatalogueConfig.ready()``. Only cache invalidation lives here, no business rule.
``QuerySet.update()`` and ``bulk_create()`` send no signals: their callers call
``catalogue.cache.catalogue_changed()`` themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from catalogue.cache import catalogue_changed
from catalogue.models import Category, Condition, Product, ProductImage, ProductVariant

CACHED_MODELS = (Product, ProductVariant, ProductImage, Category, Condition)


def _catalogue_row_changed(sender, **kwargs) -> None:
    catalogue_changed()


def _product_conditions_changed(sender, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        catalogue_changed()


def connect() -> None:
    for model in CACHED_MODELS:
        post_save.connect(
            _catalogue_row_changed, sender=model, dispatch_uid=f"catalogue-cache-save-{model.__name__}"
        )
        post_delete.connect(
            _catalogue_row_changed, sender=model, dispatch_uid=f"catalogue-cache-delete-{model.__name__}"
        )
    m2m_changed.connect(
        _product_conditions_changed,
        sender=Product.conditions.through,
        dispatch_uid="catalogue-cache-conditions",
    )
