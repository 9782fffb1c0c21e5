"""The return and replacement models now belong to the ``returns`` app (``orders/returns``).

Their tables stay where they are, under their ``orders_`` names: this removes the models from the
``orders`` migration state only, after ``returns`` 0001 has taken them over.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_customer_service_group"),
        ("returns", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ReturnLine"),
                migrations.DeleteModel(name="ReturnPhoto"),
                migrations.DeleteModel(name="ReturnStatusChange"),
                migrations.DeleteModel(name="ReturnRequest"),
            ],
            database_operations=[],
        ),
    ]
