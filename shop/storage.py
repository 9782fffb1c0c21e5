"""The private storage for customer uploads, their random file names, and how a checked view serves them.

Footprints and their overlays, return photos and prescriptions are health data. They live in the
storage named ``"private"`` in ``settings.STORAGES``, which has no URL: nothing under ``MEDIA_URL``
reaches them, and only views that first check who is asking hand them out (``private_file_response``).
Fields name the storage through ``private_storage``, so pointing ``STORAGES["private"]`` at another
backend is a settings change alone: with ``STORAGE_URL`` set (``shop/objectstore.py``) it is a private
bucket (``shop.s3storage.PrivateS3Storage``), and the checked views redirect the reader to a signed URL valid for a few
minutes instead of sending the bytes. Catalogue product images stay public, in the default storage (a
public bucket, ``shop.s3storage.PublicS3Storage``, on object storage). See ``docs/architecture.md``.
"""

import os
import re
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, cached_property, empty
from django.utils.http import content_disposition_header

PRIVATE_STORAGE = "private"

# What each stored extension is served as; anything else is sent as an opaque download.
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}
_EXTENSION = re.compile(r"\.[a-z0-9]{1,5}")


class _PrivateStorage(LazyObject):
    """``STORAGES["private"]``, looked up when first used and again after ``STORAGES`` changes.

    File fields resolve their ``storage`` callable once, when the models load; handing them this proxy
    (as Django's ``default_storage`` does for the default) keeps them following the settings.
    """

    def _setup(self):
        self._wrapped = storages[PRIVATE_STORAGE]


_private = _PrivateStorage()


@receiver(setting_changed)
def _private_storage_reset(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty


def private_storage() -> Storage:
    """Return the storage for customer uploads: ``STORAGES["private"]``, which no public URL serves."""
    return _private


class PrivateFileSystemStorage(FileSystemStorage):
    """A folder on disk with no URL: ``SHOP_PRIVATE_MEDIA_ROOT`` unless ``location`` is given.

    ``url()`` raises ``ValueError``, so no code can hand out a direct link by mistake. The folder is read
    from the settings when first used and again whenever they change (per-test folders apply).
    """

    def __init__(self, location=None, **kwargs):
        kwargs.pop("base_url", None)
        super().__init__(location=location, **kwargs)

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.SHOP_PRIVATE_MEDIA_ROOT)

    @property
    def base_url(self):
        return None

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "SHOP_PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


@deconstructible
class RandomName:
    """An ``upload_to`` giving ``<folder>/<32 random hex digits><.ext>``: no id, no customer data.

    Only the upload's extension is kept (lower case, and only when it looks like one).
    """

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        return random_name(self.folder, filename)


def random_name(folder: str, filename: str) -> str:
    """Return a fresh ``<folder>/<uuid4 hex><.ext>`` name for a file called ``filename``."""
    extension = PurePosixPath(filename or "").suffix.lower()
    if not _EXTENSION.fullmatch(extension):
        extension = ""
    return f"{folder}/{uuid.uuid4().hex}{extension}"


def is_random_name(folder: str, name: str) -> bool:
    """Return whether ``name`` is one ``random_name(folder, ...)`` gives."""
    return re.fullmatch(rf"{re.escape(folder)}/[0-9a-f]{{32}}(\.[a-z0-9]{{1,5}})?", name or "") is not None


def content_type_for(name: str) -> str:
    """Return the content type a stored file is served with, from its extension."""
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def private_file_response(file, *, filename: str, attachment: bool | None = None) -> HttpResponseBase:
    """Return a stored private file for a view that has checked the reader.

    The content type comes from the stored name's extension (the upload checks decided it); images are
    shown inline, PDFs and anything else are downloads (``attachment`` forces either). Nothing is
    cached on the way, the browser never guesses another type, and the file runs no script. A file
    that is not stored is ``Http404`` (a 404 in the API and the admin alike).

    On a private bucket (``shop.s3storage.PrivateS3Storage``) the answer is a 302 to a signed URL of the
    object, valid for ``SHOP_SIGNED_URL_SECONDS``, which makes the bucket answer with the same type,
    disposition and ``Cache-Control``; the redirect itself is neither cached nor sent on as a referrer.
    A redirect rather than streaming the object through the app: ``docs/privacy.md`` says why.
    """
    if not file or not file.storage.exists(file.name):
        raise Http404("The file is missing.")
    content_type = content_type_for(file.name)
    if attachment is None:
        attachment = not content_type.startswith("image/")
    extension = PurePosixPath(file.name).suffix.lower()
    signed_url = getattr(file.storage, "signed_url", None)  # a private bucket (shop/s3storage.py)
    if signed_url is not None:
        disposition = content_disposition_header(attachment, f"{filename}{extension}")
        response = HttpResponseRedirect(
            signed_url(file.name, content_type=content_type, disposition=disposition)
        )
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    response = FileResponse(
        file.open("rb"),
        content_type=content_type,
        as_attachment=attachment,
        filename=f"{filename}{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; sandbox" if attachment else "default-src 'none'; img-src 'self'; sandbox"
    )
    return response


def private_file_move(*, source: Storage, name: str, folder: str) -> str | None:
    """Copy ``name`` from ``source`` into the private storage under a fresh random name; return it.

    The source file is deleted once the surrounding transaction commits (so a rolled-back migration
    keeps it), with its folder when that is left empty. Returns None when ``source`` has no such file.
    """
    if not name or not source.exists(name):
        return None
    target = private_storage()
    with source.open(name, "rb") as content:
        new_name = target.save(random_name(folder, name), content)
    transaction.on_commit(lambda: _delete_with_empty_folder(source, name))
    return new_name


def _delete_with_empty_folder(storage: Storage, name: str) -> None:
    storage.delete(name)
    if not isinstance(storage, FileSystemStorage):
        return
    folder = os.path.dirname(storage.path(name))
    try:
        if os.path.realpath(folder) != os.path.realpath(storage.location) and not os.listdir(folder):
            os.rmdir(folder)
    except OSError:
        pass
