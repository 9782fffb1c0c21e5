"""Keep footprint pictures and their overlays in the private storage, under random names.

They were in the public media folder (``MEDIA_ROOT``, served under ``MEDIA_URL``) as
``footprints/<footprint id>/<file name>``. The fields now use ``shop.storage.private_storage`` with
random names (``shop.storage.RandomName``), and ``move_files`` copies every existing file there under
a fresh name, points the row at it, and deletes the public copy once the migration has committed. A
row whose file is missing keeps its name (its views answer 404).

Reversing changes the fields' state only and moves no file: the files stay in the private storage
under their new names, where the reversed code cannot find them (its views answer 404 for them).
"""

from django.core.files.storage import storages
from django.db import migrations, models

import shop.storage

FIELDS = {"image": "footprints", "overlay": "footprint-overlays"}


def move_files(apps, schema_editor):
    Footprint = apps.get_model("matching", "Footprint")
    rows = Footprint.objects.using(schema_editor.connection.alias)
    public = storages["default"]
    for pk, *names in list(rows.values_list("pk", *FIELDS)):
        moved = {}
        for (field, folder), name in zip(FIELDS.items(), names, strict=True):
            if name and not shop.storage.is_random_name(folder, name):
                new_name = shop.storage.private_file_move(source=public, name=name, folder=folder)
                if new_name:
                    moved[field] = new_name
        if moved:
            rows.filter(pk=pk).update(**moved)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0002_health_record_access"),
    ]

    operations = [
        migrations.AlterField(
            model_name="footprint",
            name="image",
            field=models.ImageField(
                storage=shop.storage.private_storage, upload_to=shop.storage.RandomName("footprints")
            ),
        ),
        migrations.AlterField(
            model_name="footprint",
            name="overlay",
            field=models.ImageField(
                storage=shop.storage.private_storage, upload_to=shop.storage.RandomName("footprint-overlays")
            ),
        ),
        migrations.RunPython(move_files, migrations.RunPython.noop),
    ]
