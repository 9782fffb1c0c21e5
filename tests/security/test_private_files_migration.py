"""Files stored before uploads became private are moved into the private storage, under random names.

Footprints and return photos were in the public media folder, named after their ids
(``footprints/<footprint id>/...``, ``returns/<request id>/...``); prescriptions were private already
but named after their fitting (``prescriptions/<fitting id>/...``), in ``private/`` next to the media
folder unless ``SHOP_PRIVATE_MEDIA_ROOT`` said otherwise. Migrating forward (``matching`` 0003,
``returns`` 0002, ``fittings`` 0003) copies each file into the private storage under a fresh random
name, points its row there and removes the old copy (and the folder named after the id); a row whose
file is missing keeps its name.
"""

import re
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from catalogue.matching.models import Footprint
from orders.fittings.models import Fitting
from orders.returns.models import ReturnPhoto
from tests.factories import UserFactory
from tests.returns.helpers import delivered, request_for
from tests.security import world as build

# serialized_rollback: the flush after this transactional test must not take the migrations' seed data.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [
    ("matching", "0002_health_record_access"),
    ("returns", "0001_initial"),
    ("fittings", "0002_fitting_matching_models"),
]


def _migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _put(root: Path, name: str, content: bytes) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _as_before(row, field: str, root: Path, old_name: str) -> bytes:
    """Put ``row``'s file back where and as it used to be stored; return its bytes."""
    file = getattr(row, field)
    with file.open("rb") as stored:
        content = stored.read()
    file.storage.delete(file.name)
    _put(root, old_name, content)
    type(row).objects.filter(pk=row.pk).update(**{field: old_name})
    return content


def test_old_files_move_into_the_private_storage_under_random_names(settings, tmp_path):
    media = Path(settings.MEDIA_ROOT)
    old_private = media.parent / "private"  # the old default: private/ next to the media folder
    settings.SHOP_PRIVATE_MEDIA_ROOT = tmp_path / "private-now"
    private = Path(settings.SHOP_PRIVATE_MEDIA_ROOT)

    footprint = build.footprint_for(None)
    request = request_for(delivered(staff=UserFactory(is_staff=True), user=None, email="old@example.com"))
    photo = build.return_photo_for(request.pk)
    in_old_folder, in_private_root, lost = (build.fitting_for(None) for _ in range(3))
    before = {
        ("footprint", "image"): _as_before(footprint, "image", media, f"footprints/{footprint.pk}/footprint.jpg"),
        ("footprint", "overlay"): _as_before(footprint, "overlay", media, f"footprints/{footprint.pk}/overlay.png"),
        ("photo", "image"): _as_before(photo, "image", media, f"returns/{request.pk}/a1.jpg"),
        ("photo", "thumbnail"): _as_before(photo, "thumbnail", media, f"returns/{request.pk}/a1-thumb.jpg"),
        ("old folder", "prescription"): _as_before(
            in_old_folder, "prescription", old_private, f"prescriptions/{in_old_folder.pk}/rx.pdf"
        ),
        ("private root", "prescription"): _as_before(
            in_private_root, "prescription", private, f"prescriptions/{in_private_root.pk}/rx.pdf"
        ),
    }  # fmt: skip
    lost_name = f"prescriptions/{lost.pk}/rx.pdf"
    lost.prescription.storage.delete(lost.prescription.name)
    Fitting.objects.filter(pk=lost.pk).update(prescription=lost_name)
    assert _files(private) == [f"prescriptions/{in_private_root.pk}/rx.pdf"]

    _migrate(BEFORE)
    _migrate(_latest())

    rows = {
        "footprint": Footprint.objects.get(pk=footprint.pk),
        "photo": ReturnPhoto.objects.get(pk=photo.pk),
        "old folder": Fitting.objects.get(pk=in_old_folder.pk),
        "private root": Fitting.objects.get(pk=in_private_root.pk),
    }
    folders = {"image": "footprints", "overlay": "footprint-overlays", "thumbnail": "return-thumbnails",
               "prescription": "prescriptions"}  # fmt: skip
    names = []
    for (row, field), content in before.items():
        name = getattr(rows[row], field).name
        folder = "return-photos" if (row, field) == ("photo", "image") else folders[field]
        assert re.fullmatch(rf"{folder}/[0-9a-f]{{32}}\.(jpg|png|pdf)", name), (row, field, name)
        assert (private / name).read_bytes() == content, (row, field)
        names.append(name)
    assert _files(private) == sorted(names)  # the old prescription in the private root is gone too
    assert _files(media) == [] and _files(old_private) == []
    assert not (media / "footprints" / str(footprint.pk)).exists()  # no folder named after the id is left
    assert not (media / "returns" / str(request.pk)).exists()
    assert Fitting.objects.get(pk=lost.pk).prescription.name == lost_name  # nothing to move: left as it was

    _migrate(_latest())  # again: nothing moves twice
    assert _files(private) == sorted(names)
