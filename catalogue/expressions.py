"""Query expressions that several catalogue reads share: a product's first picture, list-valued subqueries."""

import json

from django.db.models import Field, OuterRef, QuerySet, Subquery

from catalogue.models import ProductImage


def _first_image() -> QuerySet[ProductImage]:
    return ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id")


def first_image_annotations() -> dict[str, Subquery]:
    """Annotations giving each product its first picture's file names (``first_image``, ``first_thumbnail``)."""
    return {
        "first_image": Subquery(_first_image().values("image")[:1]),
        "first_thumbnail": Subquery(_first_image().values("thumbnail")[:1]),
    }


class ListValueField(Field):
    """The output of ``ListSubquery``: a list of values from either database."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return []
        return json.loads(value) if isinstance(value, str) else list(value)


class ListSubquery(Subquery):
    """The values of one column of an ordered subquery, in its order, as one list-valued column.

    PostgreSQL gives an array (``ARRAY(subquery)``), SQLite a JSON array (``json_group_array``);
    ``column`` is the name the subquery selects its one column under.
    """

    output_field = ListValueField()

    def __init__(self, queryset: QuerySet, *, column: str):
        self.column = column
        super().__init__(queryset)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return f"ARRAY{sql}", params

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        # SQLite aggregates the rows of an ordered subquery in that order.
        column = connection.ops.quote_name(self.column)
        return f"(SELECT json_group_array({column}) FROM {sql})", params
