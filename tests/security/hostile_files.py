"""A corpus of hostile uploads, each with what the shop must do with it.

``refused``: 400 ``invalid_image``, nothing stored. ``decoded`` says whether the pixels may be decoded
at all before the refusal (a bomb or an oversized file must be refused from its header or size).
``accepted``: a valid picture with something appended or carried along (metadata: EXIF with GPS, XMP,
an ICC profile, a JPEG comment, PNG text chunks), or in an unusual pixel format (16-bit, palette with
transparency, CMYK, greyscale with alpha); it is taken, but only a re-encoded rendition is stored, so
the payload is not (``payload`` must be absent from every stored file) and neither is any metadata:
the stored file's JPEG segments or PNG chunks are read (``tests.images.metadata_in``), and the
upload's own are written down (``metadata``) to show the reader sees them. ``stored_as`` is the
rendition's format (PNG when the picture has transparency).

Document endpoints (a prescription: a PDF or an image) take the same corpus: what starts like an image
is refused as ``invalid_image``, anything else as ``invalid_document`` (``document_code``). They also
take ``DOCUMENT_CORPUS``, hostile PDFs that only they could be fooled by (``detail`` starts the
refusal's sentence), and a plain PDF, stored as it was sent.
"""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, PngImagePlugin

from tests.fittings.documents import ACTIVE_PDFS, active_pdf, built_pdf, encrypted_pdf, pdf_bytes
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
    document_code: str = "invalid_image"  # the refusal from an endpoint that takes PDFs as well as images
    known_gap: str = ""  # a product bug that lets this file through (the test is a strict xfail)
    detail: str = ""  # for "refused": how the refusal's sentence starts, where the corpus pins it
    admin_code: str = "invalid_image"  # for "refused": the admin form's error code for a product image
    metadata: tuple[str, ...] = ()  # for "accepted": the metadata segments or chunks the upload carries
    stored_as: str = "jpg"  # for "accepted": the stored rendition's format
    paper: int | str | None = (
        None  # for "accepted" pictures of a footprint: the paper's stored grey, or "transparent"
    )

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


def _print_rgb() -> Image.Image:
    return draw_print("normal", size=(300, 400)).image.convert("RGB")


def _saved(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _sixteen_bit_grey_png() -> bytes:
    """The footprint as a 16-bit greyscale PNG (Pillow's mode I;16): paper 235 * 257, print 40 * 257."""
    grey = np.asarray(_print_rgb().convert("L"), dtype=np.uint16) * 257
    return _saved(Image.fromarray(grey), "PNG")


def _sixteen_bit_rgb_png() -> bytes:
    """The footprint as a 16-bit-per-channel RGB PNG, written chunk by chunk (Pillow writes 8 bits only)."""
    rgb = np.asarray(_print_rgb(), dtype=np.uint16) * 257
    height, width, _ = rgb.shape
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in rgb)  # filter 0, big-endian samples
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(rows))
            + _png_chunk(b"IEND", b""))  # fmt: skip


def _palette_png_with_transparency() -> bytes:
    """The footprint in 16 greys of a palette, the paper's grey marked transparent (a tRNS chunk)."""
    levels = np.asarray(_print_rgb().convert("L")) // 16
    picture = Image.frombytes("P", (levels.shape[1], levels.shape[0]), levels.astype(np.uint8).tobytes())
    picture.putpalette([value for level in range(16) for value in (level * 16 + 8,) * 3])
    return _saved(picture, "PNG", transparency=int(np.bincount(levels.ravel()).argmax()))


def _la_png() -> bytes:
    grey = _print_rgb().convert("L")
    alpha = Image.new("L", grey.size, 255)
    alpha.paste(128, (0, 0, grey.width, 20))  # a half-transparent band along the top
    return _saved(Image.merge("LA", (grey, alpha)), "PNG")


def _jpeg_with_gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {
        1: "N",
        2: (52.0, 31.0, 12.0),
        3: "E",
        4: (13.0, 24.0, 36.0),
    }  # GPS: where the customer lives
    return _saved(_print_rgb(), "JPEG", exif=exif, quality=90)


XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="52,31.2N"/>'
       b"</rdf:RDF></x:xmpmeta>")  # fmt: skip


def _png_with_script_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<html><script>alert(1)</script></html>")  # tEXt
    info.add_text("Description", "<script>alert(2)</script>", zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())  # iTXt
    return _saved(_print_rgb(), "PNG", pnginfo=info)


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


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


def _pdf(*objects: bytes) -> bytes:
    """A PDF of these objects (numbered from 1, the first the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _pdf_with_attachment(*, typed: bool) -> bytes:
    """A one-page PDF carrying an executable as an attachment (the catalog's ``/EmbeddedFiles`` name tree).

    ``typed``: the attachment's stream says ``/Type /EmbeddedFile``, which the PDF specification makes
    optional (ISO 32000-1, 7.11.4, table 44); without it, only the ``/EmbeddedFiles`` tree and the
    file specification's ``/EF`` entry say that the file carries an attachment.
    """
    payload = b"MZ\x90\x00 pretend this is an executable"
    kind = b"/Type /EmbeddedFile " if typed else b""
    return _pdf(
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(invoice.exe) 4 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        b"<< /Type /Filespec /F (invoice.exe) /UF (invoice.exe) /EF << /F 5 0 R >> >>",
        b"<< "
        + kind
        + b"/Length "
        + str(len(payload)).encode()
        + b" >>\nstream\n"
        + payload
        + b"\nendstream",
    )


def pdf_with_object_stream(
    objects: bytes, *, filter_name: bytes = b"/FlateDecode", open_action: bool = True
) -> bytes:
    """A one-page PDF with object 5 kept inside an object stream (PDF 1.5) that its cross-reference
    table does not list: qpdf does not read object 5, a reader repairing the file might.

    ``objects`` is the stream's content, "5 0 " then the object; it is compressed with ``filter_name``.
    ``open_action``: the catalog's ``/OpenAction`` is object 5.
    """
    content = b"5 0 " + objects
    encoded = zlib.compress(content) if filter_name == b"/FlateDecode" else content.hex().encode() + b">"
    catalog = b"<< /Type /Catalog /Pages 2 0 R " + (b"/OpenAction 5 0 R " if open_action else b"") + b">>"
    return _pdf(
        catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        b"<< /Type /ObjStm /N 1 /First 4 /Filter " + filter_name + b" /Length " + str(len(encoded)).encode()
        + b" >>\nstream\n" + encoded + b"\nendstream",
    )  # fmt: skip


def _pdf_with_encryption() -> bytes:
    """A well-formed PDF whose trailer says it is encrypted (a reader would ask for a password)."""
    return pdf_bytes().replace(
        b"/Root 1 0 R", b"/Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /P -4 >>"
    )


def _pdf_cut_in_half() -> bytes:
    data = pdf_bytes()
    return data[: len(data) // 2]


def _pdf_pointing_nowhere() -> bytes:
    """startxref names an offset inside the page object, not a cross-reference table."""
    data = pdf_bytes()
    head, _, _ = data.rpartition(b"startxref\n")
    return head + b"startxref\n40\n%%EOF\n"


def _oversized_pdf():
    """A structurally valid PDF of 11 MB (one object padded with a comment), over the 10 MB limit."""
    yield b"%PDF-1.4\n"
    line = b"%" + b"0" * 1022 + b"\n"
    block = line * 1024
    for _ in range(11):
        yield block
    body = b"1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    offset = 9 + 11 * len(block) + len(body)
    yield body + b"xref\n0 2\n0000000000 65535 f \n" + f"{9 + 11 * len(block):010d} 00000 n \n".encode()
    yield f"trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n{offset}\n%%EOF\n".encode()


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
    # PDFs: only for endpoints that take documents
    "PDF with JavaScript": lambda: [
        pdf_bytes(extra_catalog="/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ")
    ],
    "PDF with a launch action": lambda: [
        pdf_bytes(extra_catalog="/OpenAction << /S /Launch /F (cmd.exe) >> ")
    ],
    "PDF with JavaScript, its names hex-escaped": lambda: [
        pdf_bytes(extra_catalog="/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> ")
    ],
    "PDF with JavaScript inside a compressed object stream": lambda: [
        pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    ],
    "PDF with an object stream behind a filter that is not checked": lambda: [
        pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>", filter_name=b"/ASCIIHexDecode")
    ],
    "PDF with an attached file": lambda: [_pdf_with_attachment(typed=True)],
    "PDF with an attached file, its stream untyped": lambda: [_pdf_with_attachment(typed=False)],
    "encrypted PDF": lambda: [_pdf_with_encryption()],
    "PDF cut in half": lambda: [_pdf_cut_in_half()],
    "PDF whose startxref points nowhere": lambda: [_pdf_pointing_nowhere()],
    "HTML starting with %PDF-": lambda: [b"%PDF-1.4\n" + HTML_PAYLOAD],
    "PDF with HTML appended after %%EOF": lambda: [pdf_bytes() + HTML_PAYLOAD],
    "PDF of 11 MB": _oversized_pdf,
    "PDF with an object stream its cross-reference table does not list": lambda: [
        pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>", open_action=False)
    ],
    "encrypted PDF that opens without a password": lambda: [encrypted_pdf()],
    "encrypted PDF that asks for a password": lambda: [encrypted_pdf(user_password="secret")],
    "plain PDF written by a PDF library": lambda: [built_pdf(object_streams=True)],
    # Pictures in unusual pixel formats, or carrying metadata: all accepted, and stored re-encoded.
    "16-bit greyscale PNG": lambda: [_sixteen_bit_grey_png()],
    "16-bit RGB PNG": lambda: [_sixteen_bit_rgb_png()],
    "palette PNG with a transparent colour": lambda: [_palette_png_with_transparency()],
    "CMYK JPEG": lambda: [_saved(_print_rgb().convert("CMYK"), "JPEG", quality=90)],
    "greyscale PNG with alpha (LA)": lambda: [_la_png()],
    "JPEG whose comment holds a script": lambda: [
        _saved(_print_rgb(), "JPEG", comment=b"<html><script>alert(1)</script></html>")
    ],
    "PNG whose text chunks hold a script": lambda: [_png_with_script_text()],
    "JPEG with EXIF and GPS": lambda: [_jpeg_with_gps_exif()],
    "JPEG with XMP": lambda: [_saved(_print_rgb(), "JPEG", xmp=XMP)],
    "JPEG with an ICC profile": lambda: [_saved(_print_rgb(), "JPEG", icc_profile=_srgb_profile())],
    **{
        f"PDF with {kind}": (lambda kind=kind: [active_pdf(kind, object_streams=True)])
        for kind in ACTIVE_PDFS
    },
}

DOC = "invalid_document"  # a document endpoint's refusal of what does not even start like a PDF or an image

CORPUS = [
    HostileFile("decompression bomb (144 MP PNG)", "bomb.png", "image/png", "refused"),
    HostileFile("PNG declaring 2.5 gigapixels", "huge.png", "image/png", "refused"),
    HostileFile(
        "PNG declaring 36 MP with 1 pixel of data", "lying.png", "image/png", "refused", decoded=True
    ),
    HostileFile("truncated JPEG", "cut.jpg", "image/jpeg", "refused", decoded=True),
    HostileFile("JPEG header only", "header.jpg", "image/jpeg", "refused", decoded=True),
    HostileFile("GIF/JPEG polyglot (starts as GIF)", "poly.jpg", "image/jpeg", "refused", document_code=DOC),
    HostileFile("SVG with script", "print.svg", "image/svg+xml", "refused", document_code=DOC),
    HostileFile("HTML named .jpg", "print.jpg", "image/jpeg", "refused", document_code=DOC),
    # For a document endpoint: a PDF without a cross-reference table, refused as broken.
    HostileFile("PDF", "print.pdf", "application/pdf", "refused", document_code=DOC),
    HostileFile(
        "BMP (a real image, not an allowed format)", "print.bmp", "image/bmp", "refused", document_code=DOC
    ),
    HostileFile("zero bytes", "empty.jpg", "image/jpeg", "refused", document_code=DOC,
                admin_code="empty"),  # Django's own file field refuses an empty file on the admin's form
    # Refused from its size, before a byte is read: as a document, it is simply too large.
    HostileFile("50 MB", "big.jpg", "image/jpeg", "refused", size=50 * MB, document_code=DOC),
    # Pictures of a footprint on paper of grey 235: each stored with that grey, none of the payload or metadata.
    HostileFile("JPEG with a ZIP appended", "zip.jpg", "image/jpeg", "accepted", payload=b"payload-inside-zip",
                paper=235),
    HostileFile("JPEG with HTML appended", "html.jpg", "image/jpeg", "accepted", payload=b"<script>",
                paper=235),
    # 16-bit samples are divided by 256 (235 * 257 / 256 is 235.9), never clipped to white.
    HostileFile("16-bit greyscale PNG", "print.png", "image/png", "accepted", paper=235),
    HostileFile("16-bit RGB PNG", "print.png", "image/png", "accepted", paper=235),
    # The paper's grey is the transparent colour of the palette: it stays transparent.
    HostileFile("palette PNG with a transparent colour", "print.png", "image/png", "accepted", stored_as="png",
                paper="transparent"),
    HostileFile("CMYK JPEG", "print.jpg", "image/jpeg", "accepted", metadata=("APP14",),  # Adobe's marker
                paper=235),
    HostileFile("greyscale PNG with alpha (LA)", "print.png", "image/png", "accepted", stored_as="png",
                paper=235),
    HostileFile("JPEG whose comment holds a script", "print.jpg", "image/jpeg", "accepted", payload=b"<script>",
                metadata=("COM",), paper=235),
    HostileFile("PNG whose text chunks hold a script", "print.png", "image/png", "accepted", payload=b"<script>",
                metadata=("tEXt", "zTXt", "iTXt"), paper=235),
    HostileFile("JPEG with EXIF and GPS", "print.jpg", "image/jpeg", "accepted", payload=b"SpyCam",
                metadata=("APP1",), paper=235),
    HostileFile("JPEG with XMP", "print.jpg", "image/jpeg", "accepted", payload=b"xmpmeta", metadata=("APP1",),
                paper=235),
    HostileFile("JPEG with an ICC profile", "print.jpg", "image/jpeg", "accepted", payload=b"ICC_PROFILE",
                metadata=("APP2",), paper=235),
]  # fmt: skip

# Hostile PDFs, for the endpoints that take documents (PDF or image): all refused as invalid_document.
DOCUMENT_CORPUS = [
    HostileFile("PDF with JavaScript", "rx.pdf", "application/pdf", "refused", document_code=DOC),
    HostileFile("PDF with a launch action", "rx.pdf", "application/pdf", "refused", document_code=DOC),
    HostileFile("PDF with an attached file", "rx.pdf", "application/pdf", "refused", document_code=DOC),
    HostileFile(
        "PDF with an attached file, its stream untyped",
        "rx.pdf",
        "application/pdf",
        "refused",
        document_code=DOC,
    ),  # fmt: skip
    HostileFile("encrypted PDF", "rx.pdf", "application/pdf", "refused", document_code=DOC),
    HostileFile("PDF cut in half", "rx.pdf", "application/pdf", "refused", document_code=DOC),
    HostileFile(
        "PDF whose startxref points nowhere", "rx.pdf", "application/pdf", "refused", document_code=DOC
    ),
    HostileFile("HTML starting with %PDF-", "rx.pdf", "application/pdf", "refused", document_code=DOC),
    HostileFile(
        "PDF with HTML appended after %%EOF", "rx.pdf", "application/pdf", "refused", document_code=DOC
    ),
    HostileFile(
        "PDF of 11 MB", "rx.pdf", "application/pdf", "refused", size=11 * MB + 200, document_code=DOC
    ),
    HostileFile("PDF with an object stream its cross-reference table does not list", "rx.pdf", "application/pdf",
                "refused", document_code=DOC, detail="The PDF is damaged (it holds objects its cross-reference"),
    HostileFile("encrypted PDF that opens without a password", "rx.pdf", "application/pdf", "refused",
                document_code=DOC, detail="The PDF is password-protected."),
    HostileFile("encrypted PDF that asks for a password", "rx.pdf", "application/pdf", "refused",
                document_code=DOC, detail="The PDF is password-protected."),
    # Each valid, written by pikepdf with its objects in compressed object streams, and carrying one thing.
    *[HostileFile(f"PDF with {kind}", "rx.pdf", "application/pdf", "refused", document_code=DOC,
                  detail=f"The PDF contains {words}.") for kind, (_, words) in ACTIVE_PDFS.items()],
    HostileFile("plain PDF written by a PDF library", "rx.pdf", "application/pdf", "accepted", stored_as="pdf"),
]  # fmt: skip
