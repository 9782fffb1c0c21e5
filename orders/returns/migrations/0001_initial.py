"""Take over the return and replacement models from the ``orders`` app, keeping their tables.

The tables stay as ``orders`` created them (``db_table`` on each model and on the ``refunds`` M2M), so
this only creates the models in the migration state (``orders`` 0005 removes them from its own). The
content types of the four models move from ``orders`` to ``returns``, so their permissions, and the
"Customer service" group that holds some of them (``orders`` 0004), keep working; reversing moves them back.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ["returnrequest", "returnline", "returnphoto", "returnstatuschange"]


def _move_content_types(apps, *, source: str, target: str) -> None:
    """Give the models' content types (and so their permissions) the ``target`` app label.

    A content type already there (created by ``post_migrate`` after this migration was reversed) gives
    way: its permissions are replaced by the moved ones of the same codename, which keep their groups
    and users, and its admin log entries follow the moved one.
    """
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    for model in MODELS:
        moving = ContentType.objects.filter(app_label=source, model=model).first()
        if moving is None:
            continue
        stale = ContentType.objects.filter(app_label=target, model=model).first()
        if stale is not None:
            Permission.objects.filter(
                content_type=stale,
                codename__in=Permission.objects.filter(content_type=moving).values("codename"),
            ).delete()
            Permission.objects.filter(content_type=stale).update(content_type=moving)
            LogEntry.objects.filter(content_type=stale).update(content_type=moving)
            stale.delete()
        moving.app_label = target
        moving.save(update_fields=["app_label"])


def content_types_to_returns(apps, schema_editor):
    _move_content_types(apps, source="orders", target="returns")


def content_types_to_orders(apps, schema_editor):
    _move_content_types(apps, source="returns", target="orders")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalogue', '0004_seed_matching_rules_and_exercises'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('orders', '0004_customer_service_group'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ReturnRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('return', 'Return (refund)'), ('replacement', 'Replacement')], max_length=20)),
                        ('status', models.CharField(choices=[('requested', 'Requested'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('received', 'Received'), ('refunded', 'Refunded'), ('replacement_shipped', 'Replacement shipped'), ('closed', 'Closed'), ('cancelled', 'Cancelled')], db_index=True, default='requested', max_length=32)),
                        ('reason', models.CharField(max_length=40)),
                        ('comment', models.TextField(blank=True)),
                        ('requested_at', models.DateTimeField(db_index=True)),
                        ('window_closes_at', models.DateTimeField(blank=True, db_index=True, null=True)),
                        ('rejection_reason', models.TextField(blank=True, help_text='Shown to the customer.')),
                        ('goodwill_reason', models.TextField(blank=True, help_text='Why staff accepted it outside the rules.')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('goodwill_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='return_requests', to='orders.order')),
                        ('refunds', models.ManyToManyField(blank=True, db_table='orders_returnrequest_refunds', related_name='return_requests', to='orders.refund')),
                        ('replacement_order', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='replacement_request', to='orders.order')),
                    ],
                    options={
                        'db_table': 'orders_returnrequest',
                        'ordering': ['-requested_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='ReturnPhoto',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('image', models.ImageField(upload_to="returns/")),
                        ('thumbnail', models.ImageField(upload_to="returns/")),
                        ('width', models.PositiveIntegerField(default=0)),
                        ('height', models.PositiveIntegerField(default=0)),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                        ('return_request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='returns.returnrequest')),
                    ],
                    options={
                        'db_table': 'orders_returnphoto',
                        'ordering': ['uploaded_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='ReturnStatusChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('from_status', models.CharField(blank=True, max_length=32)),
                        ('to_status', models.CharField(max_length=32)),
                        ('role', models.CharField(choices=[('customer', 'Customer'), ('staff', 'Staff'), ('system', 'System')], max_length=10)),
                        ('note', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(db_index=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('return_request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='status_changes', to='returns.returnrequest')),
                    ],
                    options={
                        'db_table': 'orders_returnstatuschange',
                        'ordering': ['created_at', 'id'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='ReturnLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('quantity', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)])),
                        ('replacement_sku', models.CharField(blank=True, max_length=64)),
                        ('received_quantity', models.PositiveIntegerField(blank=True, null=True)),
                        ('restock', models.BooleanField(default=False, help_text='Received units went back to stock.')),
                        ('order_line', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='return_lines', to='orders.orderline')),
                        ('replacement_variant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='catalogue.productvariant')),
                        ('return_request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='returns.returnrequest')),
                    ],
                    options={
                        'db_table': 'orders_returnline',
                        'ordering': ['id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('quantity__gte', 1)), name='return_line_quantity_positive'), models.UniqueConstraint(fields=('return_request', 'order_line'), name='return_line_unique_line')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_returns, content_types_to_orders),
    ]
