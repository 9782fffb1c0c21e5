"""Drop the foot-type matching models from the catalogue's state: they belong to ``matching`` now.

State only: the tables stay, owned by the ``matching`` models (``matching`` 0001). Models of other
apps that point at them are moved over first (``fittings`` 0002 runs before this one).
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("catalogue", "0006_product_listing"),
        ("matching", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Assessment"),
                migrations.DeleteModel(name="Footprint"),
                migrations.DeleteModel(name="Exercise"),
                migrations.DeleteModel(name="MatchingRule"),
            ],
        ),
    ]
