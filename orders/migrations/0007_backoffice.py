"""The back office: order permissions (ship, cancel, refund), the carrier of each shipping method, and
the indexes the order changelist, its search and the dashboard read through on a large table."""

import django.db.models.fields.json
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


CARRIERS = {"standard": "DHL", "express": "DHL Express"}


def seed_carriers(apps, schema_editor):
    ShippingMethod = apps.get_model("orders", "ShippingMethod")
    for code, carrier in CARRIERS.items():
        ShippingMethod.objects.filter(code=code, carrier="").update(carrier=carrier)


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0006_orderline_statutory_rights'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='order',
            options={'ordering': ['-created_at', '-id'], 'permissions': [('ship_order', 'Can ship and deliver orders'), ('cancel_order', 'Can cancel orders'), ('refund_order', 'Can refund orders')]},
        ),
        migrations.AddField(
            model_name='shippingmethod',
            name='carrier',
            field=models.CharField(blank=True, help_text='Who carries orders sent this way; offered first when shipping.', max_length=60),
        ),
        migrations.AlterField(
            model_name='orderline',
            name='sku',
            field=models.CharField(db_index=True, max_length=64, verbose_name='SKU'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['-created_at', '-id'], name='order_created_idx'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['status', '-created_at', '-id'], name='order_status_created_idx'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(condition=models.Q(('status__in', ['paid', 'in_production'])), fields=['paid_at', 'id'], name='order_to_ship_idx'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(condition=models.Q(('needs_attention', True)), fields=['-created_at'], name='order_attention_idx'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(condition=models.Q(('tracking_number', ''), _negated=True), fields=['tracking_number'], name='order_tracking_idx'),
        ),
        migrations.AddIndex(
            model_name='refund',
            index=models.Index(condition=models.Q(('status', 'succeeded'), _negated=True), fields=['status'], name='refund_open_status_idx'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['email'], name='order_email_prefix_idx', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(django.db.models.functions.text.Upper(django.db.models.fields.json.KeyTextTransform('last_name', 'shipping_address')), name='order_ship_last_name_idx'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(django.db.models.functions.text.Upper(django.db.models.fields.json.KeyTextTransform('postal_code', 'shipping_address')), name='order_ship_postcode_idx'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(django.db.models.functions.text.Right(django.db.models.functions.text.Replace(django.db.models.functions.text.Replace(django.db.models.functions.text.Replace(django.db.models.functions.text.Replace(django.db.models.functions.text.Replace(django.db.models.functions.text.Replace(django.db.models.functions.text.Replace(django.db.models.fields.json.KeyTextTransform('phone', 'shipping_address'), models.Value(' '), models.Value('')), models.Value('-'), models.Value('')), models.Value('.'), models.Value('')), models.Value('/'), models.Value('')), models.Value('('), models.Value('')), models.Value(')'), models.Value('')), models.Value('+'), models.Value('')), 9), name='order_ship_phone_idx'),
        ),
        migrations.RunPython(seed_carriers, migrations.RunPython.noop),
    ]
