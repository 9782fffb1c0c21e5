from decimal import Decimal

from django.db import migrations

METHODS = [
    ("standard", "Standard (DHL)", Decimal("4.90"), 3, 0),
    ("express", "Express (DHL Express)", Decimal("12.90"), 1, 1),
]


def seed(apps, schema_editor):
    ShippingMethod = apps.get_model("orders", "ShippingMethod")
    for code, name, price, days, position in METHODS:
        ShippingMethod.objects.get_or_create(
            code=code, defaults={"name": name, "price": price, "delivery_days": days, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
