"""Create the "Customer service" group with exactly what working return requests needs.

Staff in it view orders (with lines, history, payments, refunds) and products, and view and change
return requests (the approve, reject, receive, refund, replace and close actions check the change
permission). They cannot change orders, products or stock by hand.
"""

from django.db import migrations

GROUP = "Customer service"
PERMISSIONS = [
    ("orders", "view_order"),
    ("orders", "view_orderline"),
    ("orders", "view_orderstatuschange"),
    ("orders", "view_payment"),
    ("orders", "view_refund"),
    ("orders", "view_returnrequest"),
    ("orders", "change_returnrequest"),
    ("orders", "view_returnline"),
    ("orders", "view_returnphoto"),
    ("orders", "view_returnstatuschange"),
    ("catalogue", "view_product"),
    ("catalogue", "view_productvariant"),
]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in PERMISSIONS
    ]
    group.permissions.set(permissions)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_returns"),
        ("catalogue", "0004_seed_matching_rules_and_exercises"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
