"""Point a fitting's assessment and footprints at the ``matching`` app's models (state only).

The tables and foreign keys stay as they are. Runs before ``catalogue`` 0007 drops those models from
the catalogue's state, so that no state ever holds a reference to a model that is gone.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("fittings", "0001_initial"),
        ("matching", "0001_initial"),
    ]
    run_before = [("catalogue", "0007_matching_models_to_matching_app")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="fitting",
                    name="assessment",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="fittings",
                        to="matching.assessment",
                    ),
                ),
                migrations.AlterField(
                    model_name="fitting",
                    name="footprint_left",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="matching.footprint",
                    ),
                ),
                migrations.AlterField(
                    model_name="fitting",
                    name="footprint_right",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="matching.footprint",
                    ),
                ),
            ],
        ),
    ]
