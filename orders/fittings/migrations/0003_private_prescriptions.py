"""Give prescriptions random names in the one private storage.

They were private already, but named after their fitting (``prescriptions/<fitting id>/<file name>``),
in a folder next to ``MEDIA_ROOT`` (``private/``) unless ``SHOP_PRIVATE_MEDIA_ROOT`` said otherwise.
The field now uses ``shop.storage.private_storage`` (``STORAGES["private"]``, rooted at
``SHOP_PRIVATE_MEDIA_ROOT``) with random names (``shop.storage.RandomName``); ``move_files`` copies
every existing file there under a fresh name (from the private storage, or else from the old default
folder), points the row at it, and deletes the old copy once the migration has committed. A row whose
file is missing keeps its name (its download answers 404).

Reversing changes the field's state only and moves no file: the files keep their new names, which the
reversed code still finds in the same storage.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import migrations, models

import shop.storage

FOLDER = "prescriptions"


def move_files(apps, schema_editor):
    Fitting = apps.get_model("fittings", "Fitting")
    rows = Fitting.objects.using(schema_editor.connection.alias).exclude(prescription="")
    sources = [shop.storage.private_storage(), FileSystemStorage(location=Path(settings.MEDIA_ROOT).parent / "private")]
    for pk, name in list(rows.values_list("pk", "prescription")):
        if shop.storage.is_random_name(FOLDER, name):
            continue
        source = next((storage for storage in sources if storage.exists(name)), None)
        if source is not None:
            new_name = shop.storage.private_file_move(source=source, name=name, folder=FOLDER)
            rows.filter(pk=pk).update(prescription=new_name)


class Migration(migrations.Migration):
    dependencies = [
        ("fittings", "0002_fitting_matching_models"),
    ]

    operations = [
        migrations.AlterField(
            model_name="fitting",
            name="prescription",
            field=models.FileField(
                blank=True, storage=shop.storage.private_storage, upload_to=shop.storage.RandomName("prescriptions")
            ),
        ),
        migrations.RunPython(move_files, migrations.RunPython.noop),
    ]
