"""factory_boy factories shared by the whole suite."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from catalogue.choices import ProductKind
from catalogue.matching.consent import CONSENT_TEXTS
from catalogue.matching.services import consent_give
from catalogue.models import Category, Condition, Product, ProductVariant

DEFAULT_PASSWORD = "correct-horse-battery-staple"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Walker{n}")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def consents_give(user, *purposes):
    """Give ``user`` their consent to the current text of ``purposes`` (every purpose by default); return it.

    A signed-in customer needs ``foot_assessment`` for assessments and footprints and ``lab_sharing`` for
    fittings (docs/privacy.md); tests that make those for a customer give them here.
    """
    for purpose in purposes or CONSENT_TEXTS:
        consent_give(user=user, purpose=purpose, version=CONSENT_TEXTS[purpose][0])
    return user


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


def condition(slug: str) -> Condition:
    """Return a seeded condition (the data migration creates them)."""
    return Condition.objects.get(slug=slug)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    kind = ProductKind.INSOLE
    name = factory.Sequence(lambda n: f"Insole {n:03d}")
    slug = factory.Sequence(lambda n: f"insole-{n:03d}")
    short_description = "A supportive insole."
    price = Decimal("39.90")
    arch_support = "medium"
    rigidity = "semi_rigid"
    heel_cup = "medium"
    cushioning = "medium"
    length = "full"
    volume = "medium"
    shoe_types = factory.LazyFunction(lambda: ["athletic", "casual"])
    activities = factory.LazyFunction(lambda: ["walking"])

    @factory.post_generation
    def conditions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.conditions.set([condition(slug) if isinstance(slug, str) else slug for slug in extracted])


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVariant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    size_label = "EU 41-42"
    eu_min = Decimal("41.0")
    eu_max = Decimal("42.5")
    foot_length_min_mm = 259
    foot_length_max_mm = 268
    price = Decimal("39.90")
    stock = 10
