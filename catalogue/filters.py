"""Query parameters of the product list; bad values give a 400 naming the parameter."""

import django_filters
from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from catalogue.choices import Activity, ArchSupport, ProductKind, ShoeType
from catalogue.models import Product
from shop.api.openapi import string_filter


class StableOrderingFilter(django_filters.OrderingFilter):
    """``ordering``: the chosen fields, products without a price last, then by id so pages never overlap.

    The read model (``catalogue.listing``) applies it; this declares and validates the parameter.
    """


class SlugField(forms.CharField):
    """A category slug: checked against the catalogue by the read itself, in the same query."""

    default_error_messages = {
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]
    }


class SlugListField(forms.Field):
    """Condition slugs (``?condition=a&condition=b``), checked against the catalogue by the read itself."""

    widget = forms.SelectMultiple  # reads every value of a repeated parameter
    default_error_messages = {
        "invalid_choice": forms.ModelMultipleChoiceField.default_error_messages["invalid_choice"],
        "invalid_list": forms.ModelMultipleChoiceField.default_error_messages["invalid_list"],
    }

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            raise forms.ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        return [str(item) for item in value]

    def validate(self, value):
        super().validate(value)
        for item in value:
            ProhibitNullCharactersValidator()(item)


@string_filter
class SlugFilter(django_filters.Filter):
    field_class = SlugField


@string_filter
class SlugListFilter(django_filters.Filter):
    field_class = SlugListField


class ProductFilter(django_filters.FilterSet):
    """The product list's query parameters and their validation (bad values: a 400 naming the parameter).

    What they select is the read model's to answer (``catalogue.listing.product_page_body``): the
    filters are its indexed columns there, so this set never filters a queryset itself.
    """

    category = SlugFilter(max_length=100)
    kind = django_filters.ChoiceFilter(choices=ProductKind.choices)
    arch_support = django_filters.ChoiceFilter(choices=ArchSupport.choices)
    condition = SlugListFilter()
    activity = django_filters.ChoiceFilter(choices=Activity.choices)
    shoe_type = django_filters.ChoiceFilter(choices=ShoeType.choices)
    size_eu = django_filters.NumberFilter(min_value=15, max_value=55)
    in_stock = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )
    price_min = django_filters.NumberFilter(min_value=0)
    price_max = django_filters.NumberFilter(min_value=0)
    search = django_filters.CharFilter(max_length=100)
    ordering = StableOrderingFilter(
        fields=(("from_price", "price"), ("name", "name"), ("created_at", "created")),
    )

    class Meta:
        model = Product
        fields: list[str] = []
