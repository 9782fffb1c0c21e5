"""Build image files in memory for upload tests."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt: str = "JPEG", size=(640, 480), colour=(200, 80, 60), **save_kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt, **save_kwargs)
    return buffer.getvalue()


def upload(data: bytes, name: str = "picture.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def two_colour_png_rotated_by_exif() -> bytes:
    """A 200×100 PNG, red left half and blue right half, whose EXIF says 'rotate 90° clockwise to view'."""
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (100, 0, 200, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", exif=exif)
    return buffer.getvalue()


def png_declaring_huge_size(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG whose header claims billions of pixels: a decompression bomb's calling card."""
    data = bytearray(image_bytes("PNG", size=(1, 1)))
    # IHDR is the first chunk: 8-byte signature, 4-byte length, b"IHDR", then width and height.
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
    data[29:33] = struct.pack(">I", crc)
    return bytes(data)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The chunks a PNG needs to show its pixels; anything else is metadata (tEXt, zTXt, iTXt, eXIf, iCCP, ...).
PNG_IMAGE_CHUNKS = {"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """Return a JPEG file's marker segments in order, as (marker, payload), skipping entropy-coded data."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    segments, position = [], 2
    while position < len(data):
        assert data[position] == 0xFF, f"a marker expected at {position}"
        marker = data[position + 1]
        position += 2
        if marker == 0xFF:  # a fill byte before the marker
            position -= 1
            continue
        if marker == 0xD9:  # EOI
            segments.append((marker, b""))
            break
        (length,) = struct.unpack(">H", data[position : position + 2])
        segments.append((marker, data[position + 2 : position + length]))
        position += length
        if marker == 0xDA:  # SOS: the scan runs to the next 0xFF that is neither stuffed (FF00) nor RSTn
            while True:
                position = data.index(b"\xff", position)
                following = data[position + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    position += 2
                    continue
                break
    return segments


def png_chunks(data: bytes) -> list[str]:
    """Return a PNG file's chunk types in order."""
    assert data.startswith(PNG_SIGNATURE), "not a PNG"
    chunks, position = [], len(PNG_SIGNATURE)
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        chunks.append(data[position + 4 : position + 8].decode("latin-1"))
        position += 12 + length
    return chunks


def metadata_in(data: bytes) -> list[str]:
    """Return the metadata segments (JPEG) or chunks (PNG) a file carries, read from its bytes.

    In a JPEG, anything but the image's own segments counts: a comment (COM), any APPn segment
    (APP1 EXIF or XMP, APP2 ICC profile, APP13 Photoshop, APP14 Adobe...) except a plain JFIF header
    (APP0 "JFIF", without a thumbnail). In a PNG, any chunk but IHDR, PLTE, tRNS, IDAT and IEND.
    """
    if data.startswith(PNG_SIGNATURE):
        return [kind for kind in png_chunks(data) if kind not in PNG_IMAGE_CHUNKS]
    found = []
    for marker, payload in jpeg_segments(data):
        if marker == 0xFE:
            found.append("COM")
        elif marker == 0xE0 and not (payload.startswith(b"JFIF\x00") and payload[12:14] == b"\x00\x00"):
            found.append("APP0")
        elif 0xE1 <= marker <= 0xEF:
            found.append(f"APP{marker - 0xE0}")
    return found
