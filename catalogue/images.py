"""Validate uploaded images and write renditions that hold their pixels and nothing else.

Every picture the shop accepts (product images, footprints, return photos, prescriptions sent as a
photo) goes through ``open_validated_image``:

- the format is decided by decoding, never by the file name, and only JPEG, PNG and WebP are decoded;
- the file size and the pixel count are checked before any pixel is decoded, and Pillow's
  decompression-bomb warning is an error;
- the EXIF orientation is applied;
- the pixels are brought to 8-bit sRGB in one of three modes: ``L`` (greyscale), ``RGB`` or ``RGBA``
  (with transparency). 16-bit samples are scaled (divided by 256, never clipped); palette, CMYK,
  YCbCr, LAB and HSV pictures are converted, through their embedded ICC profile when they carry one
  (so the colours stay as the customer saw them and no profile needs to be kept). A format that
  cannot be converted faithfully is refused with ``invalid_image``, never a server error.

``encoded_image`` (and ``make_renditions``, which uses it) writes a new image built from those pixels
alone, so nothing of the upload's metadata can reach storage: no EXIF (GPS included), XMP, ICC
profile, comment (JPEG COM), PNG text chunk (tEXt, iTXt, zTXt) or embedded thumbnail. A JPEG carries
only its JFIF header; a PNG only its image chunks.
"""

import io
import struct
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageCms, UnidentifiedImageError

from shop.exceptions import InvalidInput

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
# The modes the rest of the shop works with: every accepted picture is in one of them.
PIPELINE_MODES = ("L", "RGB", "RGBA")

# The most pixels on the long side an upload is decoded to (``open_validated_image``): enough for
# footprint analysis and prescriptions; renditions ask for their own, smaller, size.
DECODE_MAX_SIDE = 4096

_SRGB = ImageCms.createProfile("sRGB")
_EXIF_ORIENTATION = 0x0112
_ORIENTATION = {  # the EXIF orientation's value: how to turn the pixels upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ALPHA_MODES = ("LA", "La", "PA", "RGBA", "RGBa")
# Integer samples wider than 8 bits: PNG's 16-bit greyscale (Pillow's "I;16" family, or "I").
_WIDE_INTEGER_MODES = ("I", "I;16", "I;16L", "I;16B", "I;16N")
# Colour spaces Pillow converts to RGB by formula when there is no ICC profile to convert with.
_CONVERTIBLE_COLOUR_MODES = ("1", "L", "P", "RGB", "RGBX", "CMYK", "YCbCr", "HSV")


class InvalidImage(InvalidInput):
    code = "invalid_image"
    default_detail = "Upload a JPEG, PNG or WebP image of at most 10 MB and 40 megapixels."

    def __init__(self, detail: str | None = None, *, attr: str = "image"):
        super().__init__(detail, attr=attr)


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    extension: str  # "jpg" or "png"
    content_type: str
    width: int
    height: int


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


def open_validated_image(upload, *, attr: str = "image", max_side: int = DECODE_MAX_SIDE) -> Image.Image:
    """Decode an upload into an upright 8-bit sRGB image (L, RGB or RGBA), or raise ``InvalidImage``.

    The pixels are decoded no larger than needed for ``max_side`` pixels on the long side (at
    least that many, when the picture has them): a JPEG is decoded at 1/2, 1/4 or 1/8 of its size
    by the decoder itself (``draft``), any other format decoded whole and then reduced by a whole
    factor (``reduce``) before anything else is done with it. The picture keeps its proportions;
    only renditions (``make_renditions``) choose their final size.
    """
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
            _decode_smaller(image, max_side)
            image.load()
            image = _upright(_reduced(image, max_side))
    except InvalidImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImage(attr=attr) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error):
        # Pillow's decoders and its EXIF parser report a damaged file with any of these.
        raise InvalidImage("The image is damaged or incomplete. Please upload it again.", attr=attr) from None
    return pipeline_image(image, attr=attr)


def _decode_smaller(image: Image.Image, max_side: int) -> None:
    """Ask a JPEG's decoder for the smallest scale that keeps ``max_side`` pixels on the long side."""
    long_side = max(image.size)
    if image.format != "JPEG" or long_side <= max_side:
        return
    scale = max_side / long_side
    image.draft(image.mode, (max(1, int(image.width * scale)), max(1, int(image.height * scale))))


def _reduced(image: Image.Image, max_side: int) -> Image.Image:
    """Return ``image`` reduced by the largest whole factor that keeps ``max_side`` pixels on the long side."""
    factor = max(image.size) // max_side
    if factor < 2:
        return image
    try:
        smaller = image.reduce(factor)
    except ValueError:  # a mode reduce() does not handle (palette, 16-bit): kept whole
        return image
    smaller.info = image.info  # the EXIF orientation and the ICC profile still apply
    return smaller


def _upright(image: Image.Image) -> Image.Image:
    """Return ``image`` turned as its EXIF orientation says (the EXIF itself is not kept, so not rewritten)."""
    method = _ORIENTATION.get(image.getexif().get(_EXIF_ORIENTATION))
    return image.transpose(method) if method is not None else image


def pipeline_image(image: Image.Image, *, attr: str = "image") -> Image.Image:
    """Return ``image``'s pixels as 8-bit sRGB in ``L``, ``RGB`` or ``RGBA``, or raise ``InvalidImage``.

    16-bit samples are divided by 256; palette pictures become RGB, or RGBA when a colour is marked
    transparent (as can greyscale and RGB PNGs); an embedded ICC profile is applied (converting to
    sRGB) and dropped. An image already in a pipeline mode, without a profile, is returned as it is.
    """
    original, mode = image, image.mode
    icc_profile = image.info.get("icc_profile")
    transparent = "transparency" in image.info and mode in ("1", "L", "P", "RGB")
    if mode in PIPELINE_MODES and not icc_profile and not transparent:
        return image
    if mode in _WIDE_INTEGER_MODES:
        # value / 256 maps 0..65535 onto 0..255 (Pillow's own conversion to L clips everything above 255).
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if mode not in _CONVERTIBLE_COLOUR_MODES + _ALPHA_MODES + ("LAB",):
        raise InvalidImage(
            f"The image's pixel format ({mode}) cannot be converted to ordinary colours. "
            "Save it as an 8-bit JPEG or PNG and upload it again.",
            attr=attr,
        )
    if transparent or mode in ("P", "PA"):
        image = image.convert("RGBA" if transparent or mode == "PA" else "RGB")
    elif mode in ("La", "RGBa"):  # alpha premultiplied
        image = image.convert(mode.upper())
    alpha = image.getchannel("A") if image.mode in _ALPHA_MODES else None
    colour = _srgb(_without_alpha(image), icc_profile)
    if alpha is not None:
        colour = colour.convert("RGBA")
        colour.putalpha(alpha)
    if colour is original:
        colour = colour.copy()
    colour.info = {}  # the profile is applied, the transparency is in the alpha channel
    return colour


def _without_alpha(image: Image.Image) -> Image.Image:
    if image.mode == "LA":
        return image.getchannel("L")
    if image.mode in ("RGBA", "RGBa"):
        return image.convert("RGB")
    if image.mode == "1":
        return image.convert("L")
    return image


def _srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return ``image`` (L, RGB, RGBX, CMYK, YCbCr, HSV or LAB) in sRGB, as L when it is greyscale."""
    if image.mode == "LAB":
        transform = ImageCms.buildTransform(ImageCms.createProfile("LAB"), _SRGB, "LAB", "RGB")
        return ImageCms.applyTransform(image, transform)
    if icc_profile and image.mode in ("L", "RGB", "RGBX", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile, or one for another colour space: Pillow's formulas below instead
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("RGB")


def encoded_image(
    image: Image.Image, *, quality: int, max_side: int | None = None, progressive: bool = False
) -> EncodedImage:
    """Return ``image`` re-encoded as JPEG, or PNG when it has transparency, at most ``max_side`` wide and high.

    The file is written from a new image that holds the pixels and nothing else, so no metadata of
    the upload (``image.info``: EXIF, XMP, ICC profile, comments, text chunks) can be carried over.
    """
    picture = pipeline_image(image)  # nothing to do for what ``open_validated_image`` returned
    if max_side is not None:
        picture = picture.copy()
        picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if picture.mode != "RGBA":
        picture = picture.convert("RGB")
    pixels_only = Image.new(picture.mode, picture.size)
    pixels_only.paste(picture)
    buffer = io.BytesIO()
    if pixels_only.mode == "RGBA":
        pixels_only.save(buffer, format="PNG", optimize=True)
        return EncodedImage(buffer.getvalue(), "png", "image/png", *pixels_only.size)
    pixels_only.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=progressive)
    return EncodedImage(buffer.getvalue(), "jpg", "image/jpeg", *pixels_only.size)


def make_renditions(image: Image.Image, *, basename: str) -> Renditions:
    """Return a web-size rendition and a thumbnail of a pipeline image, carrying no metadata."""
    web = encoded_image(image, max_side=settings.SHOP_IMAGE_WEB_SIZE, quality=85, progressive=True)
    thumbnail = encoded_image(
        image, max_side=settings.SHOP_IMAGE_THUMBNAIL_SIZE, quality=80, progressive=True
    )
    return Renditions(
        web=ContentFile(web.data, name=f"{basename}.{web.extension}"),
        thumbnail=ContentFile(thumbnail.data, name=f"{basename}-thumb.{thumbnail.extension}"),
        width=web.width,
        height=web.height,
    )


def validated_renditions(upload, *, attr: str = "image") -> Renditions:
    """Validate an upload and return its renditions under a fresh random name.

    Decoded no larger than the web rendition needs, so a 40-megapixel photo costs a few tens of
    megabytes of memory rather than hundreds.
    """
    image = open_validated_image(upload, attr=attr, max_side=settings.SHOP_IMAGE_WEB_SIZE)
    return make_renditions(image, basename=uuid.uuid4().hex)
