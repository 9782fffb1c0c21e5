"""Invalidate cached catalogue reads whenever a catalogue row is saved or deleted.

Connected from ``CatalogueConfig.ready()``. Only cache invalidation lives here, no business rule.
``QuerySet.update()`` and ``bulk_create()`` send no signals: their callers call
``catalogue.cache.catalogue_changed()`` themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from catalogue.cache import catalogue_changed
from catalogue.models import (
    Category,
    Condition,
    Exercise,
    MatchingRule,
    Product,
    ProductImage,
    ProductVariant,
)

# The matching catalogue (products, rules, exercises) is memoised under the same version (``catalogue_memoised``).
CACHED_MODELS = (Product, ProductVariant, ProductImage, Category, Condition, MatchingRule, Exercise)
M2M_THROUGH = (Product.conditions.through, Exercise.conditions.through)


def _catalogue_row_changed(sender, **kwargs) -> None:
    catalogue_changed()


def _conditions_changed(sender, action, **kwargs) -> None:
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
    for through in M2M_THROUGH:
        m2m_changed.connect(
            _conditions_changed, sender=through, dispatch_uid=f"catalogue-cache-m2m-{through.__name__}"
        )
