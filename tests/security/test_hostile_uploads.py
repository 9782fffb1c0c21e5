"""Hostile uploads to every image endpoint: refused with 400 invalid_image, nothing stored, memory bounded.

The prescription upload of a fitting (``POST /api/v1/fittings/``, a PDF or an image) takes the same
corpus, refused as ``invalid_image`` or ``invalid_document`` (``HostileFile.document_code``), plus the
hostile PDFs of ``DOCUMENT_CORPUS``; nothing is stored, in the private storage either.

Each upload is streamed from a file on disk through Django's request handler, as a real server would
receive it, so the measured memory is the shop's own (the 50 MB body is never held by the test).
"""

import json
import os
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test.client import ClientHandler
from PIL import ImageFile

from catalogue.matching.models import Footprint
from tests.security.hostile_files import CORPUS, DOCUMENT_CORPUS, MB, HostileFile


@dataclass(frozen=True)
class ImageEndpoint:
    """An endpoint that takes a picture: where to post it and how to count what it stored."""

    name: str
    path: Callable[[], str]
    stored_rows: Callable[[], int]
    form_field: str = "image"
    extra_fields: dict = field(default_factory=dict)
    documents: bool = False  # takes PDFs as well as images (and refuses with invalid_document)

    def refusal(self, hostile: HostileFile) -> str:
        return hostile.document_code if self.documents else "invalid_image"


def _guest_return_photos() -> str:
    """A guest's delivered order with a return request; the guest posts photos giving the order's email."""
    from tests.factories import UserFactory
    from tests.returns.helpers import delivered, request_for

    email = "guest.photos@example.com"
    order = delivered(staff=UserFactory(is_staff=True), user=None, email=email)
    return f"/api/v1/returns/{request_for(order).pk}/photos/?email={email}"


def _return_photo_count() -> int:
    from orders.returns.models import ReturnPhoto

    return ReturnPhoto.objects.count()


def _fitting_count() -> int:
    from orders.fittings.models import Fitting

    return Fitting.objects.count()


IMAGE_ENDPOINTS = [
    ImageEndpoint("footprint", lambda: "/api/v1/fit/footprints/", lambda: Footprint.objects.count(),
                  extra_fields={"dpi": "100"}),
    ImageEndpoint("return photo", _guest_return_photos, _return_photo_count),
    ImageEndpoint("fitting prescription", lambda: "/api/v1/fittings/", _fitting_count,
                  form_field="prescription", extra_fields={"shoe_type": "casual"}, documents=True),
]  # fmt: skip


def _cases(outcome: str) -> list:
    cases = []
    for endpoint in IMAGE_ENDPOINTS:
        corpus = CORPUS + (DOCUMENT_CORPUS if endpoint.documents else [])
        for hostile in corpus:
            if hostile.outcome != outcome:
                continue
            marks = (
                [pytest.mark.xfail(strict=True, reason=hostile.known_gap)]
                if hostile.known_gap and endpoint.documents
                else []
            )
            cases.append(pytest.param(endpoint, hostile, id=f"{endpoint.name}-{hostile.name}", marks=marks))
    return cases


# The 50 MB body must never be held in memory: a few chunks of it at most.
MAX_PEAK_FOR_REFUSAL = 8 * MB


def _multipart_file(tmp_path: Path, endpoint: ImageEndpoint, hostile: HostileFile) -> tuple[Path, str]:
    """Write the multipart body to disk around the hostile file, streaming it in; return path, boundary."""
    boundary = uuid.uuid4().hex
    payload = hostile.write(tmp_path / "payload.bin")
    body = tmp_path / "body.bin"
    with body.open("wb") as out:
        for name, value in endpoint.extra_fields.items():
            out.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{endpoint.form_field}"; '
            f'filename="{hostile.filename}"\r\nContent-Type: {hostile.content_type}\r\n\r\n'.encode()
        )
        with payload.open("rb") as source:
            while chunk := source.read(MB):
                out.write(chunk)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    payload.unlink()
    return body, boundary


def _post_streamed(path: str, body: Path, boundary: str, *, measure: bool = True):
    """POST ``body`` from disk through Django's handler; return (response, peak traced bytes).

    The first request of the process is sent twice, the first time unmeasured: its lazy imports
    (Pillow's plugins, parsers) are not the upload's memory.
    """
    if measure and not _warmed_up:
        _warmed_up.append(True)
        warm_up = body.with_name("warm-up.bin")
        warm_up.write_bytes(
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n\r\n--{boundary}--\r\n".encode()
        )
        _post_streamed("/api/v1/fit/footprints/", warm_up, boundary, measure=False)
        warm_up.unlink()
    path, _, query = path.partition("?")
    with body.open("rb") as stream:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
            "SERVER_PORT": "80", "HTTP_HOST": "testserver", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http", "wsgi.input": stream, "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
            "CONTENT_LENGTH": str(body.stat().st_size),
        }  # fmt: skip
        if measure:
            tracemalloc.start()
        try:
            # Like a WSGI server, the handler closes the response, which closes (and deletes) the
            # temporary upload files; it keeps the test's database connection open while doing so.
            response = ClientHandler()(environ)
            _, peak = tracemalloc.get_traced_memory() if measure else (0, 0)
        finally:
            if measure:
                tracemalloc.stop()
    return response, peak


_warmed_up: list[bool] = []


@pytest.fixture
def decoded(monkeypatch) -> list:
    """Record every time Pillow decodes pixels (``ImageFile.load``)."""
    calls = []
    original = ImageFile.ImageFile.load

    def load(self):
        calls.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


@pytest.fixture
def upload_dirs(settings, tmp_path):
    """(media, temporary uploads, private media): all three must stay empty after a refusal."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    settings.SHOP_PRIVATE_MEDIA_ROOT = str(tmp_path / "private-media")
    return (
        Path(settings.MEDIA_ROOT),
        Path(settings.FILE_UPLOAD_TEMP_DIR),
        Path(settings.SHOP_PRIVATE_MEDIA_ROOT),
    )


def _files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "hostile"), _cases("refused"))
def test_a_hostile_upload_is_refused_and_nothing_is_stored(endpoint, hostile, tmp_path, upload_dirs, decoded):
    media, temporary, private = upload_dirs
    body, boundary = _multipart_file(tmp_path, endpoint, hostile)

    response, peak = _post_streamed(endpoint.path(), body, boundary)

    assert response.status_code == 400, response.content[:300]
    data = json.loads(response.content)
    assert data["type"] == "validation_error"
    assert [(e["code"], e["attr"]) for e in data["errors"]] == [
        (endpoint.refusal(hostile), endpoint.form_field)
    ]
    assert endpoint.stored_rows() == 0
    assert _files_under(media) == [] and _files_under(temporary) == [] and _files_under(private) == []
    if not hostile.decoded:
        assert decoded == [], "the pixels were decoded before the refusal"
    assert peak < MAX_PEAK_FOR_REFUSAL, f"{peak / MB:.1f} MB traced for a refused upload"
    if hostile.size:
        assert peak < hostile.size / 6
    print(f"{hostile.name}: {peak / MB:.2f} MB traced")


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "hostile"), _cases("accepted"))
def test_a_picture_with_a_payload_appended_is_stored_without_it(endpoint, hostile, tmp_path, upload_dirs):
    """A valid JPEG with a ZIP or HTML after its end is a valid picture: it is accepted, but only the
    re-encoded rendition is kept, so the appended bytes never reach storage (nor get served)."""
    media, _, private = upload_dirs
    body, boundary = _multipart_file(tmp_path, endpoint, hostile)

    response, _ = _post_streamed(endpoint.path(), body, boundary)

    assert response.status_code == 201, response.content[:300]
    assert endpoint.stored_rows() == 1
    stored = _files_under(media) + _files_under(private)
    if endpoint.documents:  # a prescription is private: never under MEDIA_ROOT, where it would be served
        assert _files_under(media) == [] and len(_files_under(private)) == 1
    assert stored
    for path in stored:
        content = path.read_bytes()
        assert hostile.payload not in content and b"PK\x03\x04" not in content, path.name


def test_big_uploads_spool_to_disk_and_the_image_limit_is_below_the_corpus_size(settings):
    """The 50 MB case relies on Django spooling big uploads to disk, not memory, and on the limit."""
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * MB
    assert settings.SHOP_IMAGE_MAX_BYTES < 50 * MB
