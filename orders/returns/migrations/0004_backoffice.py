"""The back office: return reasons as labels, the "receive" permission, the list's indexes, and the
staff groups (customer service, warehouse, lab, manager) with what each role needs.

Each group's permissions are set to exactly the list below (re-running adds nothing twice). The
manager holds every permission of the shop's own apps (catalogue and matching rules included), but not
the API tokens, users' passwords or groups.
"""

from django.conf import settings
from django.db import migrations, models

VIEW_ORDER = [
    ("orders", "view_order"), ("orders", "view_orderline"), ("orders", "view_orderstatuschange"),
]  # fmt: skip
GROUPS = {
    "Customer service": [
        *VIEW_ORDER,
        ("orders", "view_payment"), ("orders", "view_refund"), ("orders", "cancel_order"),
        ("invoices", "view_invoice"), ("invoices", "view_creditnote"), ("discounts", "view_discountcode"),
        ("returns", "view_returnrequest"), ("returns", "change_returnrequest"), ("returns", "view_returnline"),
        ("returns", "view_returnphoto"), ("returns", "view_returnstatuschange"),
        ("catalogue", "view_product"), ("catalogue", "view_productvariant"),
    ],
    "Warehouse": [
        *VIEW_ORDER,
        ("orders", "ship_order"),
        ("returns", "view_returnrequest"), ("returns", "receive_returnrequest"), ("returns", "view_returnline"),
        ("returns", "view_returnstatuschange"),
        ("catalogue", "view_product"), ("catalogue", "view_productvariant"), ("catalogue", "change_productvariant"),
    ],
    "Lab": [
        *VIEW_ORDER,
        ("fittings", "view_fitting"), ("fittings", "view_orthoticbuild"), ("fittings", "change_orthoticbuild"),
        ("catalogue", "view_product"), ("catalogue", "view_productvariant"),
    ],
}  # fmt: skip
MANAGER = "Manager"
MANAGER_APPS = ["orders", "returns", "fittings", "invoices", "discounts", "outcomes", "catalogue", "matching", "accounts"]
MANAGER_EXTRA = [
    ("shop", "view_user"), ("shop", "view_scheduledjob"),
    # The task queue: failed tasks with their errors, and running them again.
    ("django_tasks_database", "view_dbtaskresult"),
]  # fmt: skip


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permission(app_label, codename):
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)

    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([permission(app_label, codename) for app_label, codename in codenames])
    manager, _ = Group.objects.get_or_create(name=MANAGER)
    manager.permissions.set(
        [
            *Permission.objects.filter(content_type__app_label__in=MANAGER_APPS),
            *(permission(app_label, codename) for app_label, codename in MANAGER_EXTRA),
        ]
    )


def delete_groups(apps, schema_editor):
    # "Customer service" existed before (orders 0004) and stays.
    apps.get_model("auth", "Group").objects.filter(name__in=["Warehouse", "Lab", MANAGER]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0007_backoffice'),
        ('returns', '0003_statutory_rights'),
        ('fittings', '0003_private_prescriptions'),
        ('matching', '0006_product_evidence'),
        ('outcomes', '0001_initial'),
        ('catalogue', '0010_product_price'),
        ('accounts', '0001_erasure_record'),
        ('invoices', '0001_initial'),
        ('discounts', '0001_initial'),
        ('shop', '0003_scheduledjob'),
        ('django_tasks_database', '0019_rename_django_task_new_ordering_idx_tasks_db_new_ordering_idx_and_more'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='returnrequest',
            options={'ordering': ['-requested_at', '-id'], 'permissions': [('receive_returnrequest', 'Can mark returned items received and restock them')]},
        ),
        migrations.AlterField(
            model_name='returnrequest',
            name='reason',
            field=models.CharField(choices=[('changed_mind', 'Changed their mind'), ('not_comfortable', 'Not comfortable'), ('wrong_size', 'Wrong size'), ('defective', 'Defective'), ('wrong_item', 'Wrong item sent'), ('damaged_in_transit', 'Damaged in transit'), ('remake_does_not_fit', 'The remade pair does not fit')], max_length=40),
        ),
        migrations.AddIndex(
            model_name='returnrequest',
            index=models.Index(fields=['-requested_at', '-id'], name='return_requested_idx'),
        ),
        migrations.AddIndex(
            model_name='returnrequest',
            index=models.Index(fields=['status', '-requested_at', '-id'], name='return_status_requested_idx'),
        ),
        migrations.AddIndex(
            model_name='returnrequest',
            index=models.Index(condition=models.Q(('status__in', ['requested', 'approved', 'received'])), fields=['window_closes_at', 'id'], name='return_awaiting_deadline_idx'),
        ),
        migrations.RunPython(create_groups, delete_groups),
    ]
