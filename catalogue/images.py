"""Validate uploaded images and make their web and thumbnail renditions.

Every image the shop accepts (product images, footprints, return photos) goes through
``open_validated_image``: the format is decided by decoding, never by the file name; size and
pixel count are bounded before the pixels are decoded; EXIF orientation is applied and all
metadata is dropped when the renditions are written.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from shop.exceptions import InvalidInput

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")


class InvalidImage(InvalidInput):
    code = "invalid_image"
    default_detail = "Upload a JPEG, PNG or WebP image of at most 10 MB and 40 megapixels."

    def __init__(self, detail: str | None = None, *, attr: str = "image"):
        super().__init__(detail, attr=attr)


@dataclass(frozen=True)
class Renditions:
    web: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def upload_size(upload) -> int:
    """Return an uploaded file's size in bytes without reading it into memory."""
    size = getattr(upload, "size", None)
    if size is None:
        position = upload.tell()
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(position)
    return size


def open_validated_image(upload, *, attr: str = "image") -> Image.Image:
    """Decode an uploaded file into an upright, fully loaded image, or raise ``InvalidImage``."""
    max_bytes = settings.SHOP_IMAGE_MAX_BYTES
    max_pixels = settings.SHOP_IMAGE_MAX_PIXELS
    size = upload_size(upload)
    if size == 0:
        raise InvalidImage("The file is empty. Choose a JPEG, PNG or WebP image.", attr=attr)
    if size > max_bytes:
        raise InvalidImage(f"The file is larger than {max_bytes // (1024 * 1024)} MB.", attr=attr)
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=ALLOWED_FORMATS)
            if image.width * image.height > max_pixels:
                raise InvalidImage(
                    f"The image has more than {max_pixels // 1_000_000} megapixels. Send a smaller picture.",
                    attr=attr,
                )
            image.load()
    except InvalidImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImage(attr=attr) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImage("The image is damaged or incomplete. Please upload it again.", attr=attr) from None
    return ImageOps.exif_transpose(image)


def _encode(image: Image.Image, max_side: int, *, quality: int) -> tuple[bytes, str]:
    rendition = image.copy()
    rendition.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    has_alpha = rendition.mode in ("RGBA", "LA") or (
        rendition.mode == "P" and "transparency" in rendition.info
    )
    buffer = io.BytesIO()
    if has_alpha:
        rendition.convert("RGBA").save(buffer, format="PNG", optimize=True)
        return buffer.getvalue(), "png"
    rendition.convert("RGB").save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue(), "jpg"


def make_renditions(image: Image.Image, *, basename: str) -> Renditions:
    """Return a web-size rendition and a thumbnail, re-encoded without any metadata."""
    web_bytes, web_ext = _encode(image, settings.SHOP_IMAGE_WEB_SIZE, quality=85)
    thumb_bytes, thumb_ext = _encode(image, settings.SHOP_IMAGE_THUMBNAIL_SIZE, quality=80)
    web_size = Image.open(io.BytesIO(web_bytes)).size
    return Renditions(
        web=ContentFile(web_bytes, name=f"{basename}.{web_ext}"),
        thumbnail=ContentFile(thumb_bytes, name=f"{basename}-thumb.{thumb_ext}"),
        width=web_size[0],
        height=web_size[1],
    )


def validated_renditions(upload, *, attr: str = "image") -> Renditions:
    """Validate an upload and return its renditions under a fresh random name."""
    return make_renditions(open_validated_image(upload, attr=attr), basename=uuid.uuid4().hex)
