"""Image uploads: accepted or refused as specified, with nothing stored on refusal."""

import io
import os

import pytest
from PIL import Image

from catalogue.admin import ProductImageForm
from catalogue.images import InvalidImage
from catalogue.models import ProductImage
from catalogue.services import product_image_create
from tests.factories import ProductFactory
from tests.images import image_bytes, png_declaring_huge_size, two_colour_png_rotated_by_exif, upload

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return (
        [os.path.join(d, f) for d, _, files in os.walk(root) for f in files] if os.path.exists(root) else []
    )


def test_a_jpeg_is_stored_as_web_size_and_thumbnail_without_metadata(settings):
    product = ProductFactory()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (52.0, 31.0, 12.0)}  # a GPS block
    data = image_bytes("JPEG", size=(3000, 2000), exif=exif)
    product_image = product_image_create(product=product, upload=upload(data), alt="Side view")
    web = Image.open(product_image.image.path)
    thumbnail = Image.open(product_image.thumbnail.path)
    assert max(web.size) == settings.SHOP_IMAGE_WEB_SIZE
    assert max(thumbnail.size) == settings.SHOP_IMAGE_THUMBNAIL_SIZE
    assert (product_image.width, product_image.height) == web.size == (1600, 1067)
    assert not web.getexif() and not thumbnail.getexif()
    assert product_image.alt == "Side view"


def test_exif_orientation_is_applied_before_metadata_is_dropped():
    """A picture taken sideways is stored upright: red (left in the file) ends up on top."""
    product_image = product_image_create(
        product=ProductFactory(), upload=upload(two_colour_png_rotated_by_exif(), "side.png", "image/png")
    )
    web = Image.open(product_image.image.path).convert("RGB")
    assert web.size == (100, 200)
    assert web.getpixel((50, 20))[0] > 200 and web.getpixel((50, 20))[2] < 60
    assert web.getpixel((50, 180))[2] > 200 and web.getpixel((50, 180))[0] < 60
    assert not web.getexif()


def test_webp_and_png_with_transparency_are_accepted():
    product = ProductFactory()
    webp = product_image_create(product=product, upload=upload(image_bytes("WEBP"), "a.webp", "image/webp"))
    assert Image.open(webp.image.path).size == (640, 480)
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(buffer, format="PNG")
    png = product_image_create(product=product, upload=upload(buffer.getvalue(), "clear.png", "image/png"))
    assert Image.open(png.image.path).mode == "RGBA"


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (20, 20)).save(buffer, format="GIF")
    return buffer.getvalue()


def _truncated_jpeg() -> bytes:
    data = image_bytes("JPEG", size=(800, 600))
    return data[: len(data) // 2]


REFUSED = {
    "text renamed .jpg": (lambda: b"this is not a picture, just some text\n" * 20, "photo.jpg"),
    "truncated jpeg": (_truncated_jpeg, "photo.jpg"),
    "decompression bomb": (png_declaring_huge_size, "bomb.png"),
    "gif": (_gif, "animation.gif"),
    "svg": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>', "vector.svg"),
    "empty": (lambda: b"", "empty.jpg"),
    "bmp": (lambda: image_bytes("BMP", size=(10, 10)), "old.bmp"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_uploads_store_nothing(settings, case):
    """Anything but a sound JPEG, PNG or WebP within limits is refused with invalid_image."""
    make, name = REFUSED[case]
    product = ProductFactory()
    with pytest.raises(InvalidImage) as refusal:
        product_image_create(product=product, upload=upload(make(), name))
    assert refusal.value.code == "invalid_image"
    assert refusal.value.attr == "image"
    assert ProductImage.objects.count() == 0
    assert stored_files(settings) == []


def test_too_many_megapixels_is_refused_before_decoding(settings):
    settings.SHOP_IMAGE_MAX_PIXELS = 640 * 480 - 1
    with pytest.raises(InvalidImage, match="megapixels"):
        product_image_create(product=ProductFactory(), upload=upload(image_bytes("JPEG", size=(640, 480))))
    assert stored_files(settings) == []


def test_too_many_bytes_is_refused(settings):
    data = image_bytes("PNG", size=(300, 300))
    settings.SHOP_IMAGE_MAX_BYTES = len(data) - 1
    with pytest.raises(InvalidImage, match="larger than"):
        product_image_create(product=ProductFactory(), upload=upload(data, "big.png"))
    assert stored_files(settings) == []


def test_the_admin_image_form_runs_the_same_checks(settings):
    """Staff uploading a picture in the admin get the same refusal, and a sound picture gets renditions."""
    product = ProductFactory()
    bad = ProductImageForm(data={"alt": "x", "position": 0}, files={"image": upload(_truncated_jpeg())})
    bad.instance.product = product
    assert not bad.is_valid()
    assert "image" in bad.errors
    good = ProductImageForm(
        data={"alt": "Top", "position": 0}, files={"image": upload(image_bytes("JPEG", size=(2400, 1200)))}
    )
    good.instance.product = product
    assert good.is_valid(), good.errors
    saved = good.save()
    assert Image.open(saved.image.path).size == (1600, 800)
    assert saved.thumbnail and Image.open(saved.thumbnail.path).size == (320, 160)
