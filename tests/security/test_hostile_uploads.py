"""Hostile uploads to every image endpoint: refused with 400 invalid_image, nothing stored, memory bounded;
or accepted, and then stored re-encoded without the payload or any metadata. Never a 500.

The prescription upload of a fitting (``POST /api/v1/fittings/``, a PDF or an image) takes the same
corpus, refused as ``invalid_image`` or ``invalid_document`` (``HostileFile.document_code``), plus the
hostile PDFs of ``DOCUMENT_CORPUS``; nothing is stored, in the private storage either. The catalogue
admin's product image (a staff upload, through the product page's inline form) takes the image corpus
too: a refused file is an error on the form, never a server error.

Each upload is streamed from a file on disk through Django's request handler, as a real server would
receive it, so the measured memory is the shop's own (the 50 MB body is never held by the test).
"""

import io
import json
import os
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django import forms as django_forms
from django.test import Client
from django.test.client import ClientHandler
from PIL import Image, ImageFile

from catalogue.matching.models import Footprint
from tests.images import metadata_in
from tests.security.hostile_files import CONTENT, CORPUS, DOCUMENT_CORPUS, MB, HostileFile


@dataclass(frozen=True)
class ImageEndpoint:
    """An endpoint that takes a picture: where to post it and how to count what it stored."""

    name: str
    path: Callable[[], str]
    stored_rows: Callable[[], int]
    form_field: str = "image"
    extra_fields: dict = field(default_factory=dict)
    documents: bool = False  # takes PDFs as well as images (and refuses with invalid_document)
    also_stored: tuple[str, ...] = ()  # the suffixes of files it stores besides the upload's rendition

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
                  extra_fields={"dpi": "100"}, also_stored=(".png",)),  # the measurement's overlay
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
    if hostile.detail:
        assert data["errors"][0]["detail"].startswith(hostile.detail), data["errors"][0]["detail"]
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
def test_an_accepted_upload_is_stored_without_its_payload_or_metadata(
    endpoint, hostile, tmp_path, upload_dirs
):
    """A valid picture with a ZIP or HTML after its end, metadata inside, or unusual pixels is accepted,
    but only the re-encoded rendition is kept: the appended bytes and the metadata never reach storage
    (nor get served). A plain PDF is stored as it was sent."""
    media, _, private = upload_dirs
    body, boundary = _multipart_file(tmp_path, endpoint, hostile)
    sent = b"".join(CONTENT[hostile.name]())

    response, _ = _post_streamed(endpoint.path(), body, boundary)

    assert response.status_code == 201, response.content[:300]
    assert endpoint.stored_rows() == 1
    stored = _files_under(private)
    # Customer uploads are private: never under MEDIA_ROOT (where they could be served), in random names.
    assert _files_under(media) == [] and stored
    assert all(len(path.stem) == 32 and set(path.stem) <= set("0123456789abcdef") for path in stored)
    if endpoint.documents:
        assert len(stored) == 1
    assert sorted({path.suffix for path in stored}) == sorted(
        {f".{hostile.stored_as}", *endpoint.also_stored}
    )
    _assert_stored_clean(stored, hostile, sent)


def _assert_stored_clean(stored: list[Path], hostile: HostileFile, sent: bytes) -> None:
    assert stored
    if hostile.stored_as != "pdf":
        assert metadata_in(sent) == list(hostile.metadata)  # what the upload carried, read the same way
    for path in stored:
        content = path.read_bytes()
        if hostile.payload:
            assert hostile.payload not in content, path.name
        assert b"PK\x03\x04" not in content, path.name
        if path.suffix == ".pdf":
            assert content == sent
            continue
        assert metadata_in(content) == [], path.name
        if hostile.paper is not None and path.parent.name != "footprint-overlays":
            picture = Image.open(io.BytesIO(content)).convert("RGBA")
            if hostile.paper == "transparent":
                assert picture.getpixel((2, 2))[3] == 0, path.name
                assert picture.getpixel((picture.width // 2, picture.height // 2))[3] == 255, (
                    path.name
                )  # the print
            else:
                corner = picture.convert("L").getpixel((2, 2))
                assert abs(corner - hostile.paper) <= 3, (path.name, corner)


def _admin_form_data(client, product) -> dict:
    """Return the product page's form as a browser would post it back, every inline form included."""
    response = client.get(f"/admin/catalogue/product/{product.pk}/change/")
    assert response.status_code == 200
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
        forms.extend(inline.formset.forms)
    for form in forms:
        for name, form_field in form.fields.items():
            value = form[name].value()
            if value is None or value is False or isinstance(form_field, django_forms.FileField):
                continue
            data[form.add_prefix(name)] = (
                [str(item) for item in value] if isinstance(value, list) else str(value)
            )
    return data


def _admin_post(tmp_path: Path, hostile: HostileFile):
    """Post the hostile file as a new image from the admin's product page; return the product and response.

    Staff pages are not memory-bounded like the customers' API, so the test client sends the file.
    """
    from tests.factories import ProductFactory, UserFactory

    product = ProductFactory()
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = _admin_form_data(client, product)
    data.update({"images-TOTAL_FORMS": "1", "images-0-alt": "Side view", "images-0-position": "0"})
    payload = hostile.write(tmp_path / hostile.filename)
    with payload.open("rb") as upload:
        data["images-0-image"] = upload
        response = client.post(f"/admin/catalogue/product/{product.pk}/change/", data)
    payload.unlink()
    return product, response


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", [h for h in CORPUS if h.outcome == "refused"], ids=lambda h: h.name)
# Django's own image field opens the file's header first, and Pillow warns of the bomb's size there.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_the_admin_refuses_a_hostile_product_image_on_the_form(hostile, tmp_path, upload_dirs):
    from catalogue.models import ProductImage

    media, temporary, _ = upload_dirs
    product, response = _admin_post(tmp_path, hostile)

    assert response.status_code == 200, response.content[:300]  # the page again, with the form's error
    (inline,) = [
        inline for inline in response.context["inline_admin_formsets"] if inline.formset.prefix == "images"
    ]
    errors = inline.formset.forms[0].errors.as_data()
    assert [error.code for error in errors["image"]] == [hostile.admin_code]
    assert not ProductImage.objects.filter(product=product).exists()
    assert _files_under(media) == [] and _files_under(temporary) == []


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", [h for h in CORPUS if h.outcome == "accepted"], ids=lambda h: h.name)
def test_the_admin_stores_a_product_image_without_its_payload_or_metadata(hostile, tmp_path, upload_dirs):
    from catalogue.models import ProductImage

    media, _, _ = upload_dirs
    product, response = _admin_post(tmp_path, hostile)

    assert response.status_code == 302, response.content[:300]  # saved, back to the list
    (image,) = ProductImage.objects.filter(product=product)
    assert image.alt == "Side view" and image.thumbnail
    stored = _files_under(media)
    assert sorted(path.suffix for path in stored) == [f".{hostile.stored_as}"] * 2  # web size and thumbnail
    _assert_stored_clean(stored, hostile, b"".join(CONTENT[hostile.name]()))


def test_big_uploads_spool_to_disk_and_the_image_limit_is_below_the_corpus_size(settings):
    """The 50 MB case relies on Django spooling big uploads to disk, not memory, and on the limit."""
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * MB
    assert settings.SHOP_IMAGE_MAX_BYTES < 50 * MB
