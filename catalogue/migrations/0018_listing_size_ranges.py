from django.db import migrations

from shop.migration_operations import PostgresSQL  # other databases test the size arrays themselves

# The sizes of an array (EU sizes in tenths) as ranges: {420, 421, 422, 430} is {[420,423),[430,431)}.
SIZE_RANGES = """
CREATE FUNCTION catalogue_size_ranges(sizes integer[]) RETURNS int4multirange
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(range_agg(int4range(size, size, '[]')), '{}'::int4multirange) FROM unnest(sizes) AS size
$$
"""


class Migration(migrations.Migration):
    """The size arrays of the read model as multiranges, computed by the database, for the size filter.

    ``?size_eu=`` tests whether a row's ``sizes`` (or, with ``in_stock=true``, ``stock_sizes``)
    hold a size: on an array of some eighty sizes that is a scan of it for every row a list or its
    count visits. ``size_ranges`` and ``stock_ranges`` hold the same sizes as a handful of ranges
    (generated columns: written by PostgreSQL whenever the arrays are), so the test is a binary
    search, and the planner estimates it from the ranges' statistics; the name order's covering
    index holds them for the walk, and a narrow index for the count, so neither reads the wide rows.
    """

    dependencies = [
        ("catalogue", "0017_listing_tags"),
    ]

    operations = [
        PostgresSQL(
            sql=[
                SIZE_RANGES,
                "ALTER TABLE catalogue_productlisting"
                " ADD COLUMN size_ranges int4multirange GENERATED ALWAYS AS (catalogue_size_ranges(sizes)) STORED,"
                " ADD COLUMN stock_ranges int4multirange"
                " GENERATED ALWAYS AS (catalogue_size_ranges(stock_sizes)) STORED",
                "DROP INDEX listing_name_cover_idx",
                "CREATE INDEX listing_name_cover_idx ON catalogue_productlisting"
                " (name, product_id) INCLUDE (tags, price, in_stock, size_ranges, stock_ranges)",
                # The count of a size filter: every row the filter keeps is visited (up to the
                # count limit), so in the narrowest entries that hold what it tests.
                "CREATE INDEX listing_size_count_idx ON catalogue_productlisting"
                " (in_stock, product_id) INCLUDE (stock_ranges, size_ranges)",
                "ANALYZE catalogue_productlisting",
            ],
            reverse_sql=[
                "DROP INDEX listing_size_count_idx",
                "DROP INDEX listing_name_cover_idx",
                "CREATE INDEX listing_name_cover_idx ON catalogue_productlisting"
                " (name, product_id) INCLUDE (tags, price, in_stock)",
                "ALTER TABLE catalogue_productlisting DROP COLUMN size_ranges, DROP COLUMN stock_ranges",
                "DROP FUNCTION catalogue_size_ranges(integer[])",
            ],
        ),
    ]
