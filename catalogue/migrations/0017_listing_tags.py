import catalogue.models
import django.db.models.deletion
from django.db import migrations, models

from shop.migration_operations import PostgresSQL  # other databases keep no postings


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0016_listing_words'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProductListingTag',
            fields=[
                ('pk', models.CompositePrimaryKey('tag', 'product', blank=True, editable=False, primary_key=True, serialize=False)),
                ('tag', models.TextField()),
                ('name', models.CharField(max_length=200)),
                ('price', models.DecimalField(decimal_places=2, max_digits=10, null=True)),
                ('tags', catalogue.models.TagsField(default=list)),
                ('product', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='tag_rows', to='catalogue.productlisting')),
            ],
            options={
                'indexes': [
                    models.Index(fields=['tag', 'name', 'product'], include=('tags', 'price'), name='listing_tag_name_idx'),
                    models.Index(fields=['tag', 'price', 'product'], include=('tags', 'name'), name='listing_tag_price_idx'),
                ],
            },
        ),
        PostgresSQL(
            sql=[
                "ALTER TABLE catalogue_productlistingtag ADD CONSTRAINT listing_tag_product_fk"
                " FOREIGN KEY (product_id) REFERENCES catalogue_productlisting (product_id) ON DELETE CASCADE",
                # Vacuumed as often as the read model (0015), for the same index-only scans.
                "ALTER TABLE catalogue_productlistingtag SET (autovacuum_vacuum_scale_factor = 0.02,"
                " autovacuum_vacuum_insert_scale_factor = 0.02)",
                # The postings of the rows already there (as ``catalogue.listing`` writes them).
                "INSERT INTO catalogue_productlistingtag (tag, product_id, name, price, tags)"
                " SELECT DISTINCT unnest(tags), product_id, name, price, tags FROM catalogue_productlisting",
                "ANALYZE catalogue_productlistingtag",
            ],
            reverse_sql=[],
        ),
    ]
