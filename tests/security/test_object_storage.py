"""Files on object storage, against a real S3-compatible server process (``tests/s3server.py``).

Customer uploads (footprints and overlays, return photos and thumbnails, prescriptions) go to the
private bucket, which answers 403 to anyone without a signature. The checked views answer the owner
with a redirect to a signed URL that the bucket honours for 5 minutes and refuses afterwards; another
customer or a stranger gets the same 404 as on the local disk. Catalogue images go to the public bucket
at plain URLs anyone can fetch, with a long Cache-Control. Erasing health data deletes the objects.
"""

import io
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import user_erase
from catalogue.matching.models import Footprint
from catalogue.services import product_image_create
from shop.s3storage import PrivateS3Storage
from tests.conftest import client_for
from tests.factories import ProductFactory, UserFactory, consents_give
from tests.images import image_bytes, upload
from tests.matching.prints import draw_print, encode
from tests.returns.helpers import delivered, request_for
from tests.s3 import PRIVATE_BUCKET, PUBLIC_BUCKET, anonymous_get
from tests.security import world as build

pytestmark = pytest.mark.django_db

FOOTPRINTS = "/api/v1/fit/footprints/"


@pytest.fixture
def owner(db):
    user = UserFactory(email="owner.bucket@example.com")
    consents_give(user, "foot_assessment")
    return user


def _footprint_upload(client) -> Footprint:
    picture = encode(draw_print("flat", angle=15).image, format="JPEG")
    response = client.post(FOOTPRINTS, {"image": picture, "side": "left"}, format="multipart")
    assert response.status_code == 201, response.json()
    return Footprint.objects.get(pk=response.json()["id"])


def _local_files(settings) -> list[Path]:
    roots = (Path(settings.MEDIA_ROOT), Path(settings.SHOP_PRIVATE_MEDIA_ROOT))
    return [path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()]


def test_a_footprint_uploaded_through_the_api_is_in_the_private_bucket_and_closed_to_strangers(
    object_storage, owner, settings
):
    footprint = _footprint_upload(client_for(owner))
    assert isinstance(footprint.image.storage, PrivateS3Storage)
    for file, content_type in ((footprint.image, "image/jpeg"), (footprint.overlay, "image/png")):
        stored = object_storage.object(PRIVATE_BUCKET, file.name)
        assert stored is not None and stored["ContentType"] == content_type
        assert object_storage.object(PUBLIC_BUCKET, file.name) is None
        content = object_storage.read(PRIVATE_BUCKET, file.name)
        plain = anonymous_get(object_storage.plain_url(PRIVATE_BUCKET, file.name))
        assert plain.status == 403 and content not in plain.body
        with pytest.raises(ValueError, match="no URL"):
            file.url  # noqa: B018
    assert _local_files(settings) == []  # nothing on the app server's disk


def test_the_owner_is_redirected_to_a_signed_url_that_works_for_five_minutes(object_storage, owner):
    footprint = _footprint_upload(client_for(owner))
    content = object_storage.read(PRIVATE_BUCKET, footprint.image.name)
    response = client_for(owner).get(f"{FOOTPRINTS}{footprint.pk}/image/")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    location = response["Location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{object_storage.endpoint_url}/{PRIVATE_BUCKET}/{footprint.image.name}?")
    assert query["X-Amz-Expires"] == ["300"]
    fetched = anonymous_get(location)  # no cookie, no token: the signature is the permission
    assert fetched.status == 200 and fetched.body == content
    assert fetched.headers["Content-Type"] == "image/jpeg"
    assert fetched.headers["Content-Disposition"] == f'inline; filename="footprint-{footprint.pk}.jpg"'
    assert fetched.headers["Cache-Control"] == "private, no-store"


def test_another_customer_and_a_stranger_get_404_and_no_link(object_storage, owner):
    footprint = _footprint_upload(client_for(owner))
    for client in (client_for(UserFactory()), APIClient()):
        for part in ("image", "overlay"):
            response = client.get(f"{FOOTPRINTS}{footprint.pk}/{part}/")
            assert response.status_code == 404 and "Location" not in response
            assert footprint.image.name not in response.content.decode()


def test_a_signed_url_past_its_lifetime_is_refused_by_the_object_store(object_storage, owner):
    footprint = _footprint_upload(client_for(owner))
    client = client_for(owner)
    signed = {}
    for age in (290, 310):  # seconds since the link was handed out; it is valid for 300
        with time_machine.travel(timezone.now() - timedelta(seconds=age), tick=False):
            signed[age] = client.get(f"{FOOTPRINTS}{footprint.pk}/image/")["Location"]
    assert anonymous_get(signed[290]).status == 200
    refused = anonymous_get(signed[310])
    assert refused.status == 403 and b"Request has expired" in refused.body


def test_an_altered_signed_url_is_refused(object_storage, owner):
    """The lifetime and the response headers are signed: a longer X-Amz-Expires or another type fails."""
    footprint = _footprint_upload(client_for(owner))
    location = client_for(owner).get(f"{FOOTPRINTS}{footprint.pk}/image/")["Location"]
    for altered in (
        location.replace("X-Amz-Expires=300", "X-Amz-Expires=86400"),
        location.replace("image%2Fjpeg", "text%2Fhtml"),
        location.replace(footprint.image.name, footprint.overlay.name),
    ):
        assert altered != location
        assert anonymous_get(altered).status == 403


def test_every_kind_of_customer_file_is_served_by_signed_redirect_after_the_owner_check(
    object_storage, owner
):
    footprint = build.footprint_for(owner)
    request = request_for(delivered(staff=UserFactory(is_staff=True), user=owner))
    photo = build.return_photo_for(request.pk)
    fitting = build.fitting_for(owner)
    photo_url = f"/api/v1/returns/{request.pk}/photos/{photo.pk}/"
    cases = [
        (f"{FOOTPRINTS}{footprint.pk}/overlay/", footprint.overlay, "image/png", "inline"),
        (photo_url, photo.image, "image/jpeg", "inline"),
        (f"{photo_url}?size=thumbnail", photo.thumbnail, "image/jpeg", "inline"),
        (
            f"/api/v1/fittings/{fitting.pk}/prescription/",
            fitting.prescription,
            "application/pdf",
            "attachment",
        ),
    ]
    owner_client, other_client = client_for(owner), client_for(UserFactory())
    for endpoint, file, content_type, disposition in cases:
        assert object_storage.object(PRIVATE_BUCKET, file.name) is not None, endpoint
        assert anonymous_get(object_storage.plain_url(PRIVATE_BUCKET, file.name)).status == 403, endpoint
        response = owner_client.get(endpoint)
        assert response.status_code == 302, endpoint
        fetched = anonymous_get(response["Location"])
        assert fetched.status == 200 and fetched.body == object_storage.read(PRIVATE_BUCKET, file.name)
        assert fetched.headers["Content-Type"] == content_type, endpoint
        assert fetched.headers["Content-Disposition"].startswith(f"{disposition}; filename="), endpoint
        assert other_client.get(endpoint).status_code == 404, endpoint
        assert APIClient().get(endpoint).status_code == 404, endpoint


def test_staff_open_a_footprint_from_the_admin_through_a_signed_redirect(object_storage, owner, client):
    footprint = build.footprint_for(owner)
    url = f"/admin/matching/footprint/{footprint.pk}/image/"
    assert client.get(url).status_code == 302 and "/admin/login/" in client.get(url)["Location"]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(url)
    assert response.status_code == 302 and response["Cache-Control"].startswith("private, no-store")
    fetched = anonymous_get(response["Location"])
    assert fetched.status == 200 and fetched.body == object_storage.read(PRIVATE_BUCKET, footprint.image.name)


def test_erasing_an_account_deletes_its_objects_from_the_bucket(
    object_storage, owner, django_capture_on_commit_callbacks
):
    footprint = _footprint_upload(client_for(owner))
    names = [footprint.image.name, footprint.overlay.name]
    assert all(object_storage.object(PRIVATE_BUCKET, name) is not None for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        user_erase(user=owner, erased_by=UserFactory(is_staff=True))
    assert not Footprint.objects.filter(pk=footprint.pk).exists()
    assert [object_storage.object(PRIVATE_BUCKET, name) for name in names] == [None, None]


def test_the_account_export_reads_the_files_from_the_bucket(object_storage, owner):
    footprint = _footprint_upload(client_for(owner))
    response = client_for(owner).get("/api/v1/me/export/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    for file in (footprint.image, footprint.overlay):
        assert archive.read(f"files/{file.name}") == object_storage.read(PRIVATE_BUCKET, file.name)


def test_a_rolled_back_erasure_keeps_the_objects(object_storage, owner, django_capture_on_commit_callbacks):
    footprint = _footprint_upload(client_for(owner))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user_erase(user=owner, erased_by=UserFactory(is_staff=True))
    assert callbacks  # the deletion waits for a commit that, here, never comes
    assert object_storage.object(PRIVATE_BUCKET, footprint.image.name) is not None


def test_a_catalogue_image_is_in_the_public_bucket_at_a_plain_cacheable_url(object_storage, settings):
    product = ProductFactory()
    product_image = product_image_create(product=product, upload=upload(image_bytes("JPEG", size=(900, 600))))
    for file in (product_image.image, product_image.thumbnail):
        assert object_storage.object(PUBLIC_BUCKET, file.name) is not None
        assert object_storage.object(PRIVATE_BUCKET, file.name) is None
        url = file.url
        assert url == f"{object_storage.endpoint_url}/{PUBLIC_BUCKET}/{file.name}"  # no signature, no query
        fetched = anonymous_get(url)
        assert fetched.status == 200 and fetched.body == object_storage.read(PUBLIC_BUCKET, file.name)
        assert fetched.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert fetched.headers["Content-Type"] == "image/jpeg"
    assert _local_files(settings) == []
    body = APIClient().get(f"/api/v1/products/{product.slug}/").json()
    assert body["images"][0]["url"] == product_image.image.url


def test_a_catalogue_image_uploaded_in_the_admin_lands_in_the_public_bucket(object_storage, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    product = ProductFactory()
    response = client.get(f"/admin/catalogue/product/{product.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data |= {
        "category": product.category_id, "is_active": "on",
        "variants-TOTAL_FORMS": "0", "variants-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "1", "images-INITIAL_FORMS": "0",
        "images-0-alt": "From the admin", "images-0-position": "0",
        "images-0-image": upload(image_bytes("PNG", size=(400, 300)), "admin.png", "image/png"),
        "_save": "Save",
    }  # fmt: skip
    for field in ("activities", "conditions"):
        data.pop(field, None)
    response = client.post(f"/admin/catalogue/product/{product.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    product_image = product.images.get()
    assert object_storage.object(PUBLIC_BUCKET, product_image.image.name) is not None
    assert anonymous_get(product_image.image.url).status == 200
