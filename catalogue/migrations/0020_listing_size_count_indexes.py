from django.db import migrations

from shop.migration_operations import PostgresSQL  # other databases test the size arrays themselves


class Migration(migrations.Migration):
    """The size filter's count in an index per multirange, and the size arrays' unused indexes gone.

    The count of ``?size_eu=`` visits every row the filter keeps (up to the count limit), testing
    one multirange in each: one index holding both multiranges had four times the pages of an
    index holding the one tested (68 against 16 at 1,000 products). ``?in_stock=true``
    counts from a partial index of the rows in stock. The arrays' GIN indexes served the filter
    before the multiranges did; nothing reads them now, and each stock change rewrote them.
    """

    dependencies = [
        ("catalogue", "0019_listing_word_name"),
    ]

    operations = [
        PostgresSQL(
            sql=[
                "DROP INDEX listing_size_count_idx",
                "CREATE INDEX listing_size_count_idx ON catalogue_productlisting (product_id) INCLUDE (size_ranges)",
                "CREATE INDEX listing_stock_count_idx ON catalogue_productlisting"
                " (product_id) INCLUDE (stock_ranges) WHERE in_stock",
                "DROP INDEX listing_sizes_gin",
                "DROP INDEX listing_stock_sizes_gin",
            ],
            reverse_sql=[
                "CREATE INDEX listing_stock_sizes_gin ON catalogue_productlisting USING gin (stock_sizes)",
                "CREATE INDEX listing_sizes_gin ON catalogue_productlisting USING gin (sizes)",
                "DROP INDEX listing_stock_count_idx",
                "DROP INDEX listing_size_count_idx",
                "CREATE INDEX listing_size_count_idx ON catalogue_productlisting"
                " (in_stock, product_id) INCLUDE (stock_ranges, size_ranges)",
            ],
        ),
    ]
