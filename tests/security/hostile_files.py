"""A corpus of hostile uploads, each with what the shop must do with it.

``refused``: 400 ``invalid_image``, nothing stored. ``decoded`` says whether the pixels may be decoded
at all before the refusal (a bomb or an oversized file must be refused from its header or size).
``accepted``: a valid picture with something appended; it is taken, but only a re-encoded rendition
is stored, so the payload is not (``payload`` must be absent from every stored file).
"""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from tests.images import image_bytes, png_declaring_huge_size
from tests.matching.prints import draw_print

MB = 1024 * 1024


@dataclass(frozen=True)
class HostileFile:
    name: str
    filename: str
    content_type: str
    outcome: str  # "refused" or "accepted"
    decoded: bool = False  # may Pillow decode pixels before refusing?
    payload: bytes = b""  # for "accepted": bytes that must not reach storage
    size: int = 0  # for generated big files: the size written by ``write``

    def write(self, path: Path) -> Path:
        """Write the file to ``path`` (big ones in chunks, never whole in memory) and return it."""
        with path.open("wb") as out:
            for chunk in CONTENT[self.name]():
                out.write(chunk)
        return path


def _footprint_jpeg() -> bytes:
    buffer = io.BytesIO()
    draw_print("normal", size=(300, 400)).image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload-inside-zip.txt", "polyglot payload")
    return buffer.getvalue()


def _bomb_png(side: int = 12_000) -> bytes:
    """A real, well-formed PNG of 144 megapixels of one grey, a few hundred kB: a decompression bomb."""
    raw_row = b"\x00" + b"\x00" * side  # filter byte + one greyscale row
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(raw_row) for _ in range(side)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _lying_png() -> bytes:
    """A 1x1 PNG whose header claims 6000x6000 (under the 40 MP limit): its data cannot fill that."""
    return png_declaring_huge_size(6000, 6000)


def _gif_jpeg_polyglot() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (16, 16)).save(buffer, format="GIF")
    return buffer.getvalue() + image_bytes("JPEG", size=(64, 64))


def _fifty_megabytes():
    yield image_bytes("JPEG", size=(64, 64))[:-2]  # a JPEG start, then 50 MB that never ends it
    block = b"\x00" * MB
    for _ in range(50):
        yield block


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" '
       b'onload="alert(document.cookie)"><script>alert(1)</script><rect width="100" height="100"/></svg>')  # fmt: skip
HTML_PAYLOAD = b"<html><body><script>alert('polyglot')</script></body></html>"

CONTENT = {
    "decompression bomb (144 MP PNG)": lambda: [_bomb_png()],
    "PNG declaring 2.5 gigapixels": lambda: [png_declaring_huge_size()],
    "PNG declaring 36 MP with 1 pixel of data": lambda: [_lying_png()],
    "truncated JPEG": lambda: [image_bytes("JPEG", size=(640, 480))[:2000]],
    "JPEG header only": lambda: [b"\xff\xd8\xff\xe0"],
    "GIF/JPEG polyglot (starts as GIF)": lambda: [_gif_jpeg_polyglot()],
    "SVG with script": lambda: [SVG],
    "HTML named .jpg": lambda: [HTML_PAYLOAD],
    "PDF": lambda: [b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"],
    "BMP (a real image, not an allowed format)": lambda: [image_bytes("BMP", size=(64, 64))],
    "zero bytes": lambda: [b""],
    "50 MB": _fifty_megabytes,
    "JPEG with a ZIP appended": lambda: [_footprint_jpeg() + _zip_bytes()],
    "JPEG with HTML appended": lambda: [_footprint_jpeg() + HTML_PAYLOAD],
}

CORPUS = [
    HostileFile("decompression bomb (144 MP PNG)", "bomb.png", "image/png", "refused"),
    HostileFile("PNG declaring 2.5 gigapixels", "huge.png", "image/png", "refused"),
    HostileFile(
        "PNG declaring 36 MP with 1 pixel of data", "lying.png", "image/png", "refused", decoded=True
    ),
    HostileFile("truncated JPEG", "cut.jpg", "image/jpeg", "refused", decoded=True),
    HostileFile("JPEG header only", "header.jpg", "image/jpeg", "refused", decoded=True),
    HostileFile("GIF/JPEG polyglot (starts as GIF)", "poly.jpg", "image/jpeg", "refused"),
    HostileFile("SVG with script", "print.svg", "image/svg+xml", "refused"),
    HostileFile("HTML named .jpg", "print.jpg", "image/jpeg", "refused"),
    HostileFile("PDF", "print.pdf", "application/pdf", "refused"),
    HostileFile("BMP (a real image, not an allowed format)", "print.bmp", "image/bmp", "refused"),
    HostileFile("zero bytes", "empty.jpg", "image/jpeg", "refused"),
    HostileFile("50 MB", "big.jpg", "image/jpeg", "refused", size=50 * MB),
    HostileFile(
        "JPEG with a ZIP appended", "zip.jpg", "image/jpeg", "accepted", payload=b"payload-inside-zip"
    ),
    HostileFile("JPEG with HTML appended", "html.jpg", "image/jpeg", "accepted", payload=b"<script>"),
]
