import django.db.models.deletion
from django.db import migrations, models

from shop.migration_operations import PostgresSQL  # other databases keep no postings

# The postings of the rows already there, from their search vectors (as ``catalogue.listing``
# writes them for each row it writes).
BACKFILL = """
INSERT INTO catalogue_productlistingword (word, product_id, tier, name)
SELECT entry.lexeme, listing.product_id,
       CASE WHEN 'A' = ANY(entry.weights) THEN 1 WHEN 'B' = ANY(entry.weights) THEN 2 ELSE 3 END,
       listing.name
FROM catalogue_productlisting AS listing, unnest(listing.search_vector) AS entry
"""


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0015_listing_covering_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProductListingWord',
            fields=[
                ('pk', models.CompositePrimaryKey('word', 'product', blank=True, editable=False, primary_key=True, serialize=False)),
                ('word', models.TextField()),
                ('tier', models.PositiveSmallIntegerField()),
                ('name', models.CharField(max_length=200)),
                ('product', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='words', to='catalogue.productlisting')),
            ],
            options={
                'indexes': [models.Index(fields=['word', 'tier', 'name', 'product'], name='listing_word_tier_idx')],
            },
        ),
        PostgresSQL(
            sql=[
                "ALTER TABLE catalogue_productlistingword ADD CONSTRAINT listing_word_product_fk"
                " FOREIGN KEY (product_id) REFERENCES catalogue_productlisting (product_id) ON DELETE CASCADE",
                # Vacuumed as often as the read model (0015): a page's postings come from an
                # index-only scan, which skips the table only where vacuum marked it all-visible.
                "ALTER TABLE catalogue_productlistingword SET (autovacuum_vacuum_scale_factor = 0.02,"
                " autovacuum_vacuum_insert_scale_factor = 0.02)",
                BACKFILL,
                "ANALYZE catalogue_productlistingword",
            ],
            reverse_sql=[],
        ),
    ]
