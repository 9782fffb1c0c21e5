"""Give the foot-type matching models to the ``matching`` app, keeping their tables and rows.

The tables were created by ``catalogue`` 0003 under the ``catalogue_`` prefix and stay as they are
(``Meta.db_table``), so the models are created in the migration state only. Their content types
(and with them the permissions and admin log entries that point at them) move from the ``catalogue``
label to ``matching``; ``catalogue`` 0007 then drops the models from the catalogue's state.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ("matchingrule", "exercise", "footprint", "assessment")


def _move_content_types(apps, *, from_label: str, to_label: str) -> None:
    """Relabel the models' content types; one already under ``to_label`` is left as it is."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = ContentType.objects.filter(app_label=to_label, model__in=MODELS).values_list("model", flat=True)
    ContentType.objects.filter(app_label=from_label, model__in=MODELS).exclude(model__in=list(taken)).update(
        app_label=to_label
    )
    ContentType.objects.clear_cache()


def content_types_to_matching(apps, schema_editor):
    _move_content_types(apps, from_label="catalogue", to_label="matching")


def content_types_to_catalogue(apps, schema_editor):
    _move_content_types(apps, from_label="matching", to_label="catalogue")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("catalogue", "0006_product_listing"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='MatchingRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=60, unique=True)),
                        ('when', models.JSONField(help_text='Profile fields and values, any of which makes the rule apply, e.g. {"arch_type": ["flat"], "pronation": ["over"]}. Fields: arch_type, pronation, conditions, activity, shoe_type.')),
                        ('attribute', models.CharField(choices=[('arch_support', 'arch_support'), ('rigidity', 'rigidity'), ('heel_cup', 'heel_cup'), ('cushioning', 'cushioning'), ('volume', 'volume'), ('length', 'length'), ('posting', 'posting'), ('met_pad', 'met_pad'), ('kind', 'kind'), ('heel_lift_mm', 'heel_lift_mm'), ('activities', 'activities')], max_length=20)),
                        ('preferred', models.JSONField(blank=True, default=list, help_text='Values of the attribute that fit, e.g. ["high"] or [true]. Leave empty for heel_lift_mm (compared with the lift the profile needs) and activities (contains the customer\'s activity).')),
                        ('weight', models.PositiveSmallIntegerField(default=1)),
                        ('contraindication', models.BooleanField(default=False, help_text='A product with a preferred value loses the weight instead of earning it.')),
                        ('reason', models.CharField(help_text='One plain sentence shown to the customer; may use {heel_lift_mm}, {short_side}, {activity}. Describe what the insole does (supports, cushions), never a cure.', max_length=300)),
                        ('source', models.CharField(help_text='Where the rule comes from.', max_length=300)),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('is_active', models.BooleanField(default=True)),
                    ],
                    options={
                        'db_table': 'catalogue_matchingrule',
                        'ordering': ['position', 'code'],
                    },
                ),
                migrations.CreateModel(
                    name='Exercise',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(max_length=60, unique=True)),
                        ('name', models.CharField(max_length=100)),
                        ('instructions', models.TextField()),
                        ('source', models.CharField(blank=True, max_length=300)),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('is_active', models.BooleanField(default=True)),
                        ('conditions', models.ManyToManyField(blank=True, db_table='catalogue_exercise_conditions', related_name='exercises', to='catalogue.condition')),
                    ],
                    options={
                        'db_table': 'catalogue_exercise',
                        'ordering': ['position', 'slug'],
                    },
                ),
                migrations.CreateModel(
                    name='Footprint',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('side', models.CharField(blank=True, choices=[('left', 'Left'), ('right', 'Right')], max_length=5)),
                        ('image', models.ImageField(upload_to="footprints/")),
                        ('overlay', models.ImageField(upload_to="footprints/")),
                        ('arch_index', models.FloatField()),
                        ('arch_type', models.CharField(max_length=10)),
                        ('chippaux_smirak', models.FloatField()),
                        ('foot_length_mm', models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True)),
                        ('width_mm', models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True)),
                        ('scale', models.CharField(choices=[('none', 'No scale'), ('mm_per_px', 'Millimetres per pixel'), ('dpi', 'Scan resolution (dpi)')], default='none', max_length=10)),
                        ('mm_per_px', models.FloatField(blank=True, null=True)),
                        ('method', models.CharField(max_length=40)),
                        ('zone_areas_px', models.JSONField(default=list, help_text='Contact area of forefoot A, midfoot B, heel C.')),
                        ('geometry', models.JSONField(default=dict, help_text='The axis and zone lines drawn on the overlay.')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='footprints', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'catalogue_footprint',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Assessment',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('answers', models.JSONField()),
                        ('profile', models.JSONField()),
                        ('referral', models.JSONField()),
                        ('size', models.JSONField(blank=True, null=True)),
                        ('recommendations', models.JSONField(default=list, help_text='As shown: products, scores, reasons, variants.')),
                        ('exercises', models.JSONField(default=list)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='assessments', to=settings.AUTH_USER_MODEL)),
                        ('footprint', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assessments', to='matching.footprint')),
                    ],
                    options={
                        'db_table': 'catalogue_assessment',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['owner', '-created_at'], name='catalogue_a_owner_i_219fac_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_matching, content_types_to_catalogue),
    ]
