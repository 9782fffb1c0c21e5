from django.db import migrations

from shop.migration_operations import PostgresSQL  # GIN indexes: other databases search without them


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
