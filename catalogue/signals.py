"""Keep the catalogue's derived data current whenever a catalogue row is saved or deleted.

Connected from ``CatalogueConfig.ready()``. Two things follow every change, and besides them only the
remembered token verdicts of catalogue reads live here (a deleted API token, or the tokens of a user
saved inactive, are forgotten at once: ``catalogue.cache.tokens_forget``): cached reads are invalidated (``catalogue.cache.catalogue_changed``), and the read model of the
products concerned is rewritten (``catalogue.listing.listings_refresh``): in the same transaction for
a product, its sizes, pictures and conditions; after the commit, by a background task
(``catalogue.tasks``), for a category or condition saved or a condition deleted, which may concern
thousands of products.
``QuerySet.update()`` and ``bulk_create()`` send no signals: their callers do both themselves.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from rest_framework.authtoken.models import Token

from catalogue.cache import catalogue_changed, tokens_forget
from catalogue.listing import listings_refresh
from catalogue.matching.models import Exercise, LearningSetting, MatchingRule
from catalogue.models import (
    Category,
    Condition,
    Product,
    ProductImage,
    ProductVariant,
)
from catalogue.tasks import listings_refresh_products_on_commit, listings_refresh_related_on_commit

# The matching catalogue (products, rules, exercises, the staff's learning switch) is memoised under the
# same version (``catalogue_memoised``).
CACHED_MODELS = (
    *(Product, ProductVariant, ProductImage, Category, Condition),
    *(MatchingRule, Exercise, LearningSetting),
)
M2M_THROUGH = (Product.conditions.through, Exercise.conditions.through)


def _catalogue_row_changed(sender, **kwargs) -> None:
    catalogue_changed()


def _conditions_changed(sender, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        catalogue_changed()


# --- the read model: which products a change shows on ---------------------------------------------


def _product_saved(sender, instance, **kwargs) -> None:
    listings_refresh([instance.pk], create=True)


def _part_changed(sender, instance, **kwargs) -> None:
    """A variant or image was saved or deleted: its product's row (if it has one) is rewritten."""
    listings_refresh([instance.product_id])


def _related_products_saved(sender, instance, created=False, **kwargs) -> None:
    """A category or condition was saved: the rows of its products are rewritten by a background task.

    A rename may touch thousands of products: the staff member's request does not wait for them.
    A new one has no products yet.
    """
    if not created:
        listings_refresh_related_on_commit(model=sender._meta.model_name, pk=instance.pk)


def _note_products(instance) -> None:
    """Keep a condition's products on it, for a change whose own signal will not name them."""
    instance._listing_products = list(instance.products.values_list("pk", flat=True))


def _condition_deleting(sender, instance, **kwargs) -> None:
    _note_products(instance)  # the links go with the condition, without an ``m2m_changed``


def _condition_deleted(sender, instance, **kwargs) -> None:
    listings_refresh_products_on_commit(getattr(instance, "_listing_products", ()))


def _product_conditions_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action == "pre_clear" and reverse:  # a condition loses all its products: note which
        _note_products(instance)
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        listings_refresh([instance.pk])
    elif action == "post_clear":
        listings_refresh(getattr(instance, "_listing_products", ()))
    else:
        listings_refresh(pk_set or ())


# --- remembered token verdicts: every way a token stops being valid forgets it ---------------------


def _token_deleted(sender, instance, **kwargs) -> None:
    """A token was deleted (a logout, a sign-out everywhere, its user deleted): forget its verdict.

    Connecting this receiver also makes ``QuerySet.delete()`` of tokens send ``post_delete``.
    """
    tokens_forget([instance.key])


def _user_saved(sender, instance, update_fields=None, **kwargs) -> None:
    """A user saved inactive: DRF refuses their tokens from now on, so forget their verdicts."""
    if instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return
    tokens_forget(Token.objects.filter(user_id=instance.pk).values_list("key", flat=True))


def connect() -> None:
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="catalogue-token-delete")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="catalogue-token-user-save")
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

    post_save.connect(_product_saved, sender=Product, dispatch_uid="listing-product-save")
    for model in (ProductVariant, ProductImage):
        post_save.connect(_part_changed, sender=model, dispatch_uid=f"listing-save-{model.__name__}")
        post_delete.connect(_part_changed, sender=model, dispatch_uid=f"listing-delete-{model.__name__}")
    for model in (Category, Condition):
        post_save.connect(
            _related_products_saved, sender=model, dispatch_uid=f"listing-save-{model.__name__}"
        )
    pre_delete.connect(_condition_deleting, sender=Condition, dispatch_uid="listing-condition-deleting")
    post_delete.connect(_condition_deleted, sender=Condition, dispatch_uid="listing-condition-delete")
    m2m_changed.connect(
        _product_conditions_changed,
        sender=Product.conditions.through,
        dispatch_uid="listing-product-conditions",
    )
