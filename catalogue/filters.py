"""Query parameters of the product list; bad values give a 400 naming the parameter."""

import django_filters
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Exists, F, OuterRef, Q

from catalogue.choices import Activity, ArchSupport, ProductKind, ShoeType
from catalogue.models import Category, Condition, Product, ProductVariant
from catalogue.stock import sellable_variants
from shop.api.openapi import string_filter


class StableOrderingFilter(django_filters.OrderingFilter):
    """Order by the chosen fields, products without a price last, then by id so pages never overlap."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        field = self.param_map[param.lstrip("-")]
        return F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)

    def filter(self, qs, value):
        # Empty items (``?ordering=,`` or ``?ordering=-``) pass the field's validation: skip them.
        params = [param for param in value or () if param.lstrip("-") in self.param_map]
        if not params:
            return qs
        return qs.order_by(*[self.get_ordering_value(param) for param in params], "id")


def _json_list_contains(field: str, value: str) -> Q:
    # Portable across SQLite and PostgreSQL: the list is stored as JSON text, and each
    # value is a quoted token that cannot be a substring of another value.
    return Q(**{f"{field}__icontains": f'"{value}"'})


# Django's model choice fields refuse NUL characters inside ``clean`` (code null_characters_not_allowed)
# without listing the validator, so the OpenAPI schema would not know that 400; naming it fixes that.
NO_NUL = [ProhibitNullCharactersValidator()]


class ProductFilter(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(
        field_name="category", to_field_name="slug", queryset=Category.objects.all(), validators=NO_NUL
    )
    kind = django_filters.ChoiceFilter(choices=ProductKind.choices)
    arch_support = django_filters.ChoiceFilter(choices=ArchSupport.choices)
    condition = string_filter(django_filters.ModelMultipleChoiceFilter)(
        field_name="conditions__slug",
        to_field_name="slug",
        queryset=Condition.objects.all(),
        distinct=True,
        validators=NO_NUL,
    )
    activity = django_filters.ChoiceFilter(choices=Activity.choices, method="filter_activity")
    shoe_type = django_filters.ChoiceFilter(choices=ShoeType.choices, method="filter_shoe_type")
    size_eu = django_filters.NumberFilter(method="filter_size_eu", min_value=15, max_value=55)
    in_stock = django_filters.TypedChoiceFilter(
        field_name="in_stock",
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
    )
    price_min = django_filters.NumberFilter(field_name="from_price", lookup_expr="gte", min_value=0)
    price_max = django_filters.NumberFilter(field_name="from_price", lookup_expr="lte", min_value=0)
    search = django_filters.CharFilter(method="filter_search", max_length=100)
    ordering = StableOrderingFilter(
        fields=(("from_price", "price"), ("name", "name"), ("created_at", "created")),
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_activity(self, queryset, name, value):
        return queryset.filter(_json_list_contains("activities", value))

    def filter_shoe_type(self, queryset, name, value):
        return queryset.filter(_json_list_contains("shoe_types", value))

    def filter_size_eu(self, queryset, name, value):
        fits = sellable_variants(product_active=True).filter(
            product=OuterRef("pk"), eu_min__lte=value, eu_max__gte=value
        )
        return queryset.filter(Exists(fits))

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        sku = ProductVariant.objects.filter(product=OuterRef("pk"), sku__iexact=value)
        condition = Condition.objects.filter(products=OuterRef("pk"), name__icontains=value)
        return queryset.filter(
            Q(name__icontains=value)
            | Q(short_description__icontains=value)
            | Q(description__icontains=value)
            | Exists(sku)
            | Exists(condition)
        )
