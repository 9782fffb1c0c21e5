"""Customer uploads are private: nothing under /media/ serves them, only the checked views do.

Footprint pictures and overlays, return photos and their thumbnails, and prescriptions live in the
private storage (``STORAGES["private"]``, rooted at ``SHOP_PRIVATE_MEDIA_ROOT``) under random names.
With DEBUG on (the development server's media serving, ``shop/urls.py``) and off, no URL under /media/
returns one to an anonymous caller, another customer or even the owner: not the old public paths
(``footprints/<id>/...``, ``returns/<request id>/...``, ``prescriptions/<fitting id>/...``), even with
a leftover copy of the file left there, not the file's name in the private storage, and not a path
climbing out of the media folder into the private one. The checked views answer with the bytes and
headers that keep the file out of shared caches and out of the browser's guessing.
"""

import importlib.util
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage, storages
from rest_framework.test import APIClient

from catalogue.matching.models import Footprint
from catalogue.models import ProductImage
from orders.fittings.models import Fitting
from orders.returns.models import ReturnPhoto
from shop.storage import PrivateFileSystemStorage, private_storage
from tests.conftest import client_for
from tests.factories import ProductFactory, UserFactory
from tests.images import image_bytes
from tests.returns.helpers import delivered, request_for
from tests.security import world as build

pytestmark = pytest.mark.django_db

OWNER, OTHER, ANONYMOUS = "owner", "other customer", "anonymous"


@dataclass(frozen=True)
class Upload:
    """One stored customer file: where it is, what it holds, where it used to be, who may read it."""

    kind: str
    file: object  # the FieldFile
    content: bytes
    old_paths: tuple[str, ...]  # where the public media folder used to hold it
    endpoint: str  # the checked API view
    content_type: str
    disposition: str  # "inline" or "attachment"


KINDS = ["footprint image", "footprint overlay", "return photo", "return thumbnail", "prescription"]
FOLDERS = {
    "footprint image": "footprints",
    "footprint overlay": "footprint-overlays",
    "return photo": "return-photos",
    "return thumbnail": "return-thumbnails",
    "prescription": "prescriptions",
}


@pytest.fixture
def owner(db):
    return UserFactory(email="owner.files@example.com")


@pytest.fixture
def uploads(owner) -> dict[str, Upload]:
    footprint = build.footprint_for(owner)
    request = request_for(delivered(staff=UserFactory(is_staff=True), user=owner))
    photo = build.return_photo_for(request.pk)
    fitting = build.fitting_for(owner)
    photo_url = f"/api/v1/returns/{request.pk}/photos/{photo.pk}/"
    footprint_url = f"/api/v1/fit/footprints/{footprint.pk}/"

    def made(kind, file, old_paths, endpoint, content_type, disposition="inline"):
        with file.open("rb") as stored:
            content = stored.read()
        return Upload(kind, file, content, old_paths, endpoint, content_type, disposition)

    folder = f"footprints/{footprint.pk}"
    return {
        "footprint image": made("footprint image", footprint.image,
                                (f"{folder}/footprint.jpg", f"{folder}/print.jpg"),
                                f"{footprint_url}image/", "image/jpeg"),
        "footprint overlay": made("footprint overlay", footprint.overlay, (f"{folder}/overlay.png",),
                                  f"{footprint_url}overlay/", "image/png"),
        "return photo": made("return photo", photo.image, (f"returns/{request.pk}/photo.jpg",), photo_url,
                             "image/jpeg"),
        "return thumbnail": made("return thumbnail", photo.thumbnail,
                                 (f"returns/{request.pk}/photo-thumb.jpg",), f"{photo_url}?size=thumbnail",
                                 "image/jpeg"),
        "prescription": made("prescription", fitting.prescription,
                             (f"prescriptions/{fitting.pk}/rx.pdf",), f"/api/v1/fittings/{fitting.pk}/prescription/",
                             "application/pdf", "attachment"),
    }  # fmt: skip


@pytest.fixture
def callers(owner) -> dict[str, APIClient]:
    return {OWNER: client_for(owner), OTHER: client_for(UserFactory()), ANONYMOUS: APIClient()}


@pytest.fixture(params=[False, True], ids=["DEBUG off", "DEBUG on"])
def debug(request, settings):
    """Both ways the root URLs are built: DEBUG off (as in production) and on (with media serving).

    Either way ``shop/urls.py`` runs again, with DEBUG as the test needs, as a module of its own for
    this test only: ``shop.urls`` itself was built with whatever DEBUG was when something first
    imported it, which a test that ran earlier may have decided.
    """
    settings.DEBUG = request.param
    name = f"tests.security.shop_urls_debug_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, importlib.util.find_spec("shop.urls").origin)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    settings.ROOT_URLCONF = name
    yield request.param
    del sys.modules[name]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _guesses(upload: Upload, settings) -> list[str]:
    """Every path under /media/ that might once, or by mistake, have served the file."""
    name = upload.file.name
    public = settings.SHOP_PUBLIC_MEDIA_FOLDER
    relative = [
        *upload.old_paths,
        name,  # its name in the private storage, as if that were under MEDIA_ROOT
        f"private/{name}",
        f"../private/{name}",  # the private root sits next to the media folder
        f"{public}/../{name}",
        f"{public}/../../private/{name}",
        f"{public}/%2e%2e/%2e%2e/private/{name}",
        f"{public}/..%2f..%2fprivate/{name}",
        f"{public}/{name}",
    ]
    return [f"/media/{path}" for path in relative]


def _leave_copies(upload: Upload, settings) -> None:
    """Put the file where a public media folder would hold it, so only the URL rules keep it out of reach."""
    media = Path(settings.MEDIA_ROOT)
    for relative in (*upload.old_paths, upload.file.name):
        path = media / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(upload.content)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("caller", [ANONYMOUS, OTHER, OWNER])
def test_no_url_under_media_returns_a_customer_upload(uploads, callers, settings, debug, kind, caller):
    upload = uploads[kind]
    _leave_copies(upload, settings)
    client = callers[caller]
    for url in _guesses(upload, settings):
        response = client.get(url)
        assert response.status_code in (400, 404), (url, response.status_code)
        assert upload.content not in _body(response), url


def test_with_debug_on_only_the_product_images_are_served_under_media(settings, debug):
    """The control for the test above: DEBUG's media serving is there, for the catalogue's pictures alone."""
    product_image = ProductImage(product=ProductFactory())
    data = image_bytes("JPEG", size=(80, 60))
    product_image.image.save("shoe.jpg", ContentFile(data), save=False)
    assert product_image.image.name.startswith(f"{settings.SHOP_PUBLIC_MEDIA_FOLDER}/")
    response = APIClient().get(product_image.image.url)
    if debug:
        assert response.status_code == 200 and _body(response) == data
    else:
        assert response.status_code == 404  # served by the web server or CDN in production, not by Django


@pytest.mark.parametrize("kind", KINDS)
def test_every_upload_is_in_the_private_storage_under_a_random_name(uploads, owner, settings, kind):
    upload = uploads[kind]
    name = upload.file.name
    assert re.fullmatch(rf"{FOLDERS[kind]}/[0-9a-f]{{32}}\.(jpg|png|pdf)", name), name
    assert owner.email not in name and str(owner.pk) not in name.split("/")[0]
    assert isinstance(upload.file.storage, PrivateFileSystemStorage)
    private_root = Path(settings.SHOP_PRIVATE_MEDIA_ROOT)
    assert (private_root / name).read_bytes() == upload.content
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))
    with pytest.raises(ValueError, match="not accessible via a URL"):
        upload.file.url  # noqa: B018


@pytest.mark.parametrize("kind", KINDS)
def test_the_checked_view_serves_the_owner_the_bytes_with_private_headers(uploads, callers, kind):
    upload = uploads[kind]
    response = callers[OWNER].get(upload.endpoint)
    assert response.status_code == 200
    assert _body(response) == upload.content
    assert response["Content-Type"] == upload.content_type
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith(f"{upload.disposition}; filename=")
    for caller in (OTHER, ANONYMOUS):
        assert callers[caller].get(upload.endpoint).status_code == 404


def test_the_api_links_to_the_checked_views_never_to_storage(uploads, callers):
    client = callers[OWNER]
    footprint = Footprint.objects.get()
    photo = ReturnPhoto.objects.get()
    fitting = Fitting.objects.get()
    bodies = {
        "footprint": client.get(f"/api/v1/fit/footprints/{footprint.pk}/").json(),
        "request": client.get(f"/api/v1/returns/{photo.return_request_id}/").json(),
        "fitting": client.get(f"/api/v1/fittings/{fitting.pk}/").json(),
    }
    base = "http://testserver"
    assert bodies["footprint"]["image_url"] == f"{base}/api/v1/fit/footprints/{footprint.pk}/image/"
    assert bodies["footprint"]["overlay_url"] == f"{base}/api/v1/fit/footprints/{footprint.pk}/overlay/"
    photo_url = f"{base}/api/v1/returns/{photo.return_request_id}/photos/{photo.pk}/"
    assert bodies["request"]["photos"] == [
        {"id": photo.pk, "url": photo_url, "thumbnail_url": f"{photo_url}?size=thumbnail"}
    ]
    assert bodies["fitting"]["prescription"]["url"] == f"{base}/api/v1/fittings/{fitting.pk}/prescription/"
    text = str(bodies)
    assert "/media/" not in text
    for upload in uploads.values():
        assert upload.file.name not in text and Path(upload.file.name).stem not in text


def test_a_guests_photo_opens_with_the_orders_email_only(settings):
    email = "guest.files@example.com"
    request = request_for(delivered(staff=UserFactory(is_staff=True), user=None, email=email))
    photo = build.return_photo_for(request.pk)
    url = f"/api/v1/returns/{request.pk}/photos/{photo.pk}/"
    client = APIClient()
    assert client.get(f"{url}?email={email}").status_code == 200
    assert client.get(f"{url}?size=thumbnail&email={email.upper()}").status_code == 200
    for query in ("", "?email=someone.else@example.com", "?size=thumbnail"):
        assert client.get(f"{url}{query}").status_code == 404, query


def test_a_photo_is_only_found_under_its_own_request(owner, callers):
    first = request_for(delivered(staff=UserFactory(is_staff=True), user=owner))
    second = request_for(delivered(staff=UserFactory(is_staff=True), user=owner))
    photo = build.return_photo_for(first.pk)
    client = callers[OWNER]
    assert client.get(f"/api/v1/returns/{second.pk}/photos/{photo.pk}/").json()["errors"][0]["code"] == (
        "return_photo_not_found"
    )
    response = client.get(f"/api/v1/returns/{first.pk}/photos/{photo.pk}/?size=huge")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "size"


def test_a_missing_file_is_a_404_not_a_server_error(uploads, callers):
    upload = uploads["footprint overlay"]
    upload.file.storage.delete(upload.file.name)
    assert callers[OWNER].get(upload.endpoint).status_code == 404


def test_the_private_storage_is_chosen_by_settings_alone(settings):
    """``private_storage`` reads ``STORAGES["private"]``, again after it changes: a bucket is a settings change."""
    assert isinstance(private_storage(), FileSystemStorage)
    assert Path(private_storage().location) == Path(settings.SHOP_PRIVATE_MEDIA_ROOT).resolve()
    for model, field in ((Footprint, "image"), (Footprint, "overlay"), (ReturnPhoto, "image"),
                         (ReturnPhoto, "thumbnail"), (Fitting, "prescription")):  # fmt: skip
        assert model._meta.get_field(field).deconstruct()[3]["storage"] is private_storage
    assert ProductImage._meta.get_field("image").storage is not private_storage()
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert isinstance(private_storage(), InMemoryStorage)
    # The fields follow the change too: a footprint saved now is in the new storage.
    field_file = Footprint(image="").image
    name = field_file.storage.save("footprints/probe.jpg", ContentFile(b"probe"))
    assert storages["private"].open(name).read() == b"probe"
    assert not Path(settings.SHOP_PRIVATE_MEDIA_ROOT, name).exists()
