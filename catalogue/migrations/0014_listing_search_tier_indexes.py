from django.db import migrations


class PostgresSQL(migrations.RunSQL):
    """Raw SQL run on PostgreSQL only (GIN indexes): other databases search without them."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    """The search's tiers (the name; the name, short description and conditions) as indexed vectors.

    ``catalogue.listing`` matches each tier against the weights of ``search_vector`` it keeps
    (``ts_filter``); these indexes, and the statistics ANALYZE keeps of them, let the planner look a
    rare word up and walk the name index for a common one.
    """

    dependencies = [
        ("catalogue", "0013_listing_stock_columns"),
    ]

    operations = [
        PostgresSQL(
            sql=[
                "CREATE INDEX listing_search_name_gin ON catalogue_productlisting"
                " USING gin (ts_filter(search_vector, '{a}'::\"char\"[]))",
                "CREATE INDEX listing_search_short_gin ON catalogue_productlisting"
                " USING gin (ts_filter(search_vector, '{a,b}'::\"char\"[]))",
            ],
            reverse_sql=["DROP INDEX listing_search_name_gin", "DROP INDEX listing_search_short_gin"],
        ),
    ]
