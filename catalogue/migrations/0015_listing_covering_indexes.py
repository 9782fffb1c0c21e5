from django.db import migrations

from shop.migration_operations import PostgresSQL  # covering indexes: other databases read the rows themselves


class Migration(migrations.Migration):
    """The list's name and price orders with what its filters test, so a page's ids come from the index.

    ``catalogue.listing`` chooses a page's products from these (an index-only scan that tests the
    tags, price and stock flag of each entry without reading the wide row), then reads the rows of
    those products alone; the capped count walks them the same way. An index-only scan skips the
    table only on pages vacuum has marked all-visible, so this table is vacuumed after 2 % of its
    rows changed (PostgreSQL's default waits for 20 %): stock moves and catalogue edits rewrite rows.
    """

    dependencies = [
        ("catalogue", "0014_listing_search_tier_indexes"),
    ]

    operations = [
        PostgresSQL(
            sql=[
                "CREATE INDEX listing_name_cover_idx ON catalogue_productlisting"
                " (name, product_id) INCLUDE (tags, price, in_stock)",
                "CREATE INDEX listing_price_cover_idx ON catalogue_productlisting"
                " (price, product_id) INCLUDE (tags, name, in_stock)",
                "ALTER TABLE catalogue_productlisting SET (autovacuum_vacuum_scale_factor = 0.02,"
                " autovacuum_vacuum_insert_scale_factor = 0.02)",
            ],
            reverse_sql=[
                "ALTER TABLE catalogue_productlisting RESET (autovacuum_vacuum_scale_factor,"
                " autovacuum_vacuum_insert_scale_factor)",
                "DROP INDEX listing_name_cover_idx",
                "DROP INDEX listing_price_cover_idx",
            ],
        ),
    ]
