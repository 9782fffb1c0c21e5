"""Image uploads: accepted or refused as specified, with nothing stored on refusal."""

import io
import os
import random

import numpy as np
import pytest
from PIL import Image, ImageCms

from catalogue.admin import ProductImageForm
from catalogue.images import PIPELINE_MODES, InvalidImage, open_validated_image, pipeline_image
from catalogue.models import ProductImage
from catalogue.services import product_image_create
from tests.factories import ProductFactory
from tests.images import (
    image_bytes,
    jpeg_segments,
    metadata_in,
    png_declaring_huge_size,
    two_colour_png_rotated_by_exif,
    upload,
)

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
    assert metadata_in(data) == ["APP1"]  # the upload's EXIF, found by reading its segments
    for stored in (product_image.image, product_image.thumbnail):
        content = stored.open("rb").read()
        assert metadata_in(content) == [] and b"SpyCam" not in content
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


def _palette(colours, *, transparent=None) -> Image.Image:
    picture = Image.new("P", (4, 4), 1)
    picture.putpalette([value for colour in colours for value in colour])
    if transparent is not None:
        picture.info["transparency"] = transparent
    return picture


def _sixteen_bit(mode: str, value: int) -> Image.Image:
    picture = Image.new("I", (4, 4), value)
    return picture if mode == "I" else picture.convert(mode)


# Every mode Pillow has, and what the pipeline makes of a pixel of it: (mode, pixel) after conversion.
MODES = {
    "1": (lambda: Image.new("1", (4, 4), 1), "L", 255),
    "L": (lambda: Image.new("L", (4, 4), 100), "L", 100),
    "LA": (lambda: Image.new("LA", (4, 4), (100, 50)), "RGBA", (100, 100, 100, 50)),
    "La (alpha premultiplied)": (lambda: Image.new("La", (4, 4), (50, 128)), "RGBA", (99, 99, 99, 128)),
    "P": (lambda: _palette([(0, 0, 0), (200, 30, 60)]), "RGB", (200, 30, 60)),
    "P with a transparent colour": (lambda: _palette([(0, 0, 0), (200, 30, 60)], transparent=1), "RGBA",
                                    (200, 30, 60, 0)),
    "PA": (lambda: _palette([(0, 0, 0), (200, 30, 60)]).convert("PA"), "RGBA", (200, 30, 60, 255)),
    "RGB": (lambda: Image.new("RGB", (4, 4), (200, 30, 60)), "RGB", (200, 30, 60)),
    "RGB with a transparent colour": (
        lambda: Image.new("RGB", (4, 4), (200, 30, 60)), "RGBA", (200, 30, 60, 0)),  # info set below
    "RGBA": (lambda: Image.new("RGBA", (4, 4), (200, 30, 60, 128)), "RGBA", (200, 30, 60, 128)),
    "RGBa (alpha premultiplied)": (lambda: Image.new("RGBa", (4, 4), (100, 15, 30, 128)), "RGBA",
                                   (199, 29, 59, 128)),
    "RGBX": (lambda: Image.new("RGBX", (4, 4), (200, 30, 60, 0)), "RGB", (200, 30, 60)),
    "CMYK": (lambda: Image.new("CMYK", (4, 4), (0, 255, 255, 0)), "RGB", (255, 0, 0)),
    "YCbCr": (lambda: Image.new("RGB", (4, 4), (200, 30, 60)).convert("YCbCr"), "RGB", (198, 30, 59)),
    "HSV": (lambda: Image.new("HSV", (4, 4), (0, 255, 255)), "RGB", (255, 0, 0)),
    "LAB (L* 50: mid grey)": (lambda: Image.new("LAB", (4, 4), (128, 128, 128)), "RGB", (119, 119, 119)),
    # 16-bit samples are divided by 256: 0x8080 is 128, 0xFFFF is 255, 0x00FF is 0 (never clipped to 255).
    "I;16": (lambda: _sixteen_bit("I;16", 0x8080), "L", 128),
    "I;16 near black": (lambda: _sixteen_bit("I;16", 0x00FF), "L", 0),
    "I;16L": (lambda: _sixteen_bit("I;16L", 0xFFFF), "L", 255),
    "I;16B": (lambda: _sixteen_bit("I;16B", 0x8080), "L", 128),
    "I;16N": (lambda: _sixteen_bit("I;16N", 0x4000), "L", 64),
    # 32-bit integers come from 16-bit PNGs: read as such, what lies outside 0..65535 is clipped.
    "I": (lambda: _sixteen_bit("I", 40_000), "L", 156),
    "I above 16 bits": (lambda: _sixteen_bit("I", 70_000), "L", 255),
    "I below zero": (lambda: _sixteen_bit("I", -5), "L", 0),
}  # fmt: skip


@pytest.mark.parametrize("case", MODES)
def test_every_pixel_format_becomes_8_bit_l_rgb_or_rgba(case):
    make, mode, pixel = MODES[case]
    picture = make()
    if case == "RGB with a transparent colour":
        picture.info["transparency"] = (200, 30, 60)
    converted = pipeline_image(picture)
    assert converted.mode == mode and converted.mode in PIPELINE_MODES
    got = converted.getpixel((1, 1))
    if isinstance(pixel, int):
        assert abs(got - pixel) <= 1, got
    else:
        assert all(abs(a - b) <= 1 for a, b in zip(got, pixel, strict=True)), got
    assert "icc_profile" not in converted.info and "transparency" not in converted.info


def test_a_floating_point_picture_is_refused_with_a_sentence():
    with pytest.raises(InvalidImage) as refusal:
        pipeline_image(Image.new("F", (4, 4), 0.5), attr="image")
    assert refusal.value.code == "invalid_image" and refusal.value.attr == "image"
    assert refusal.value.detail == (
        "The image's pixel format (F) cannot be converted to ordinary colours. "
        "Save it as an 8-bit JPEG or PNG and upload it again."
    )


def test_a_16_bit_greyscale_png_is_stored_with_its_greys_scaled_not_clipped():
    """A 16-bit scan of mid grey (0x8080) is stored mid grey (128), not white as a clip to 8 bits gives."""
    ramp = (np.arange(256, dtype=np.uint16).reshape(16, 16) * 257).repeat(4, axis=0).repeat(4, axis=1)
    data = io.BytesIO()
    Image.fromarray(ramp).save(data, format="PNG")
    assert Image.open(io.BytesIO(data.getvalue())).mode == "I;16"
    product_image = product_image_create(
        product=ProductFactory(), upload=upload(data.getvalue(), "scan.png", "image/png")
    )
    stored = np.asarray(Image.open(product_image.image.path).convert("L"), dtype=int)
    assert stored.shape == (64, 64)
    assert np.abs(stored - ramp // 256).max() <= 3  # JPEG's rounding, nowhere near a clip


def test_an_icc_profile_is_applied_then_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = image_bytes("JPEG", size=(40, 30), colour=(200, 30, 60), icc_profile=srgb)
    assert metadata_in(data) == ["APP2"]
    picture = open_validated_image(io.BytesIO(data))
    assert picture.mode == "RGB" and "icc_profile" not in picture.info
    assert all(abs(a - b) <= 4 for a, b in zip(picture.getpixel((5, 5)), (200, 30, 60), strict=True))
    product_image = product_image_create(product=ProductFactory(), upload=upload(data))
    assert metadata_in(product_image.image.open("rb").read()) == []


def test_a_broken_icc_profile_is_ignored_rather_than_a_server_error():
    picture = Image.new("RGB", (4, 4), (200, 30, 60))
    picture.info["icc_profile"] = b"not a profile"
    assert pipeline_image(picture).getpixel((1, 1)) == (200, 30, 60)
    grey = Image.new("L", (4, 4), 100)
    grey.info["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()  # RGB's
    assert pipeline_image(grey).getpixel((1, 1)) == 100


def test_a_saved_jpeg_has_only_its_jfif_header_and_image_segments():
    """Read from the bytes: SOI, APP0 "JFIF" (no thumbnail), tables, frame, scans, EOI; nothing else."""
    data = image_bytes("JPEG", comment=b"<html><script>alert(1)</script></html>", exif=Image.Exif())
    product_image = product_image_create(product=ProductFactory(), upload=upload(data))
    content = product_image.image.open("rb").read()
    markers = {marker for marker, _ in jpeg_segments(content)}
    assert markers <= {0xE0, 0xDB, 0xC2, 0xC4, 0xDA, 0xD9}  # APP0, DQT, SOF2 (progressive), DHT, SOS, EOI
    assert jpeg_segments(content)[0][1].startswith(b"JFIF\x00")
    assert b"<script>" not in content


@pytest.mark.filterwarnings("ignore:.*:UserWarning")  # Pillow warns of each damaged tag it skips
def test_damaged_exif_never_makes_a_server_error():
    """EXIF is parsed after decoding: a damaged block is read as far as it goes, or the file is refused."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "SpyCam"
    data = image_bytes("JPEG", size=(40, 30), exif=exif)
    start = data.index(b"Exif\x00\x00")
    generator = random.Random(20240611)
    outcomes = set()
    for _ in range(200):
        damaged = bytearray(data)
        for _ in range(4):
            damaged[start + generator.randrange(6, 60)] = generator.randrange(256)
        try:
            picture = open_validated_image(io.BytesIO(bytes(damaged)))
        except InvalidImage as refusal:
            assert refusal.code == "invalid_image"
            outcomes.add("refused")
        else:
            assert picture.mode in PIPELINE_MODES
            outcomes.add("accepted")
    assert "accepted" in outcomes
