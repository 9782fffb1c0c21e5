"""Validate uploaded documents: PDFs checked to be PDFs, images through ``catalogue.images``.

A podiatrist's prescription may be a PDF or a photo. The kind is decided by the content, never by
the file name or the declared content type: ``%PDF-`` at the start means a PDF, an image signature
means an image, anything else is refused. The size limit is the images' (``SHOP_IMAGE_MAX_BYTES``),
checked before anything is read. A PDF must also have the structure every PDF reader relies on (a
cross-reference table or stream that ``startxref`` points at, and a final ``%%EOF``) and must not
carry active content (JavaScript, launch actions, embedded files), looked for in the file's bytes
with names' ``#xx`` escapes decoded and inside its compressed object streams, with bounded work;
images are decoded and re-encoded without metadata. This is a structural check in the standard
library, not a full parse: enough to refuse a renamed text file, a truncated download or a PDF that
would run something, without a heavy dependency. Binary streams are scanned too (a reader can be sent
into them by the cross-reference table), so a large scan may, rarely, be refused by chance.
"""

import io
import re
import uuid
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image

from catalogue.images import open_validated_image, upload_size
from shop.exceptions import InvalidInput

PDF = "pdf"
IMAGE = "image"

_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
_TAIL = 2048  # bytes at the end searched for startxref and %%EOF (readers allow trailing junk)
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$", re.DOTALL)
_XREF_AT = re.compile(rb"\s*(xref\b|\d+\s+\d+\s+obj\b)")
# Names that make a PDF do something when opened or carry files; prescriptions never need them. An
# attachment is registered in the /EmbeddedFiles name tree and its file spec holds the stream under /EF,
# whether or not the stream itself says /Type /EmbeddedFile.
_ACTIVE_CONTENT = frozenset(
    {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"EF", b"RichMedia", b"XFA"}
)
# A PDF name is "/" then regular characters; "#xx" inside one stands for any byte ("/J#61vaScript" is
# /JavaScript), so escaped names are decoded before they are compared.
_REGULAR = rb"[^\x00\t\n\f\r ()<>\[\]{}/%#]"
_ACTIVE_NAME = re.compile(
    rb"/(?:" + b"|".join(sorted(_ACTIVE_CONTENT, key=len, reverse=True)) + rb")(?!" + _REGULAR + rb"|#)"
)
_ESCAPED_PART = rb"(?:#[0-9A-Fa-f]{2}" + _REGULAR + rb"*)"
_NAME = re.compile(rb"/(" + _REGULAR + rb"*" + _ESCAPED_PART + rb"*)")
_ESCAPED_NAME = re.compile(rb"/" + _REGULAR + rb"*" + _ESCAPED_PART + rb"+")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Object streams (PDF 1.5+) hold further objects, dictionaries included, compressed: an action hidden
# in one is invisible to a scan of the file's bytes, so each is decompressed (within a budget) and
# scanned too. An object stream behind any other filter is refused rather than trusted.
_STREAM_START = re.compile(rb"(?<![A-Za-z])stream\r?\n")
_FLATE = frozenset({b"FlateDecode", b"Fl"})
_FILTERS = _FLATE | {b"ASCIIHexDecode", b"AHx", b"ASCII85Decode", b"A85", b"LZWDecode", b"LZW",
                     b"RunLengthDecode", b"RL", b"Crypt", b"JBIG2Decode", b"DCTDecode", b"JPXDecode",
                     b"CCITTFaxDecode"}  # fmt: skip
_OBJECT_STREAM_BUDGET = 32 * 1024 * 1024  # decompressed bytes inspected per file, at most
# Bounds on the work a hostile file can ask for (a prescription has a few dozen of each).
_MAX_STREAMS = 2_000
_MAX_ESCAPED_NAMES = 10_000
_DICTIONARY_WINDOW = 1024  # bytes before "stream" searched for the stream's dictionary


class InvalidDocument(InvalidInput):
    code = "invalid_document"
    default_detail = "Upload a PDF or a JPEG, PNG or WebP image of at most 10 MB."

    def __init__(self, detail: str | None = None, *, attr: str = "document"):
        super().__init__(detail, attr=attr)


@dataclass(frozen=True)
class ValidatedDocument:
    kind: str  # "pdf" or "image"
    content: ContentFile  # what to store, under a fresh random name
    content_type: str


def _is_image(head: bytes) -> bool:
    return head.startswith(_IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def check_pdf_structure(data: bytes) -> str | None:
    """Return why ``data`` is not a usable PDF, or None when its structure holds."""
    if not re.match(rb"%PDF-\d\.\d", data[:8]):
        return "The file does not start like a PDF."
    tail = data[-_TAIL:].rstrip(b"\x00\r\n \t")
    match = _STARTXREF.search(tail)
    if match is None:
        return "The PDF is incomplete (no end-of-file marker). Please download or scan it again."
    offset = int(match.group(1))
    if not 0 < offset < len(data) or _XREF_AT.match(data, offset) is None:
        return "The PDF is damaged (its cross-reference table is missing). Please download or scan it again."
    if b" obj" not in data and b"\nobj" not in data:
        return "The PDF has no content."
    if b"/Encrypt" in data:
        return "The PDF is password-protected. Upload an unprotected copy or a photo of the prescription."
    return _active_content(data)


def _decoded(name: bytes) -> bytes:
    return _NAME_ESCAPE.sub(lambda escape: bytes([int(escape.group(1), 16)]), name)


def _names(data: bytes) -> set[bytes]:
    """Return the names in ``data`` (a stream's dictionary: small), their ``#xx`` escapes decoded."""
    return {_decoded(name) for name in _NAME.findall(data)}


_REFUSED = "The PDF contains scripts or attachments. Upload a plain PDF or a photo of the prescription."
_TOO_COMPLEX = "The PDF is too complex to check. Upload a photo of the prescription."


def _named_active_content(data: bytes) -> str | None:
    """Return why ``data`` is refused if it names active content (or too many escaped names to check)."""
    if _ACTIVE_NAME.search(data):
        return _REFUSED
    for count, match in enumerate(_ESCAPED_NAME.finditer(data)):
        if count >= _MAX_ESCAPED_NAMES:
            return _TOO_COMPLEX
        if _decoded(match.group()[1:]) in _ACTIVE_CONTENT:
            return _REFUSED
    return None


def _active_content(data: bytes) -> str | None:
    """Return why ``data`` may do something when opened (scripts, launches, attachments), or None.

    Looks at the file's own bytes and inside its object streams, with bounded work.
    """
    refused = _named_active_content(data)
    if refused:
        return refused
    budget = _OBJECT_STREAM_BUDGET
    for count, match in enumerate(_STREAM_START.finditer(data)):
        if count >= _MAX_STREAMS:
            return _TOO_COMPLEX
        window = data[max(0, match.start() - _DICTIONARY_WINDOW) : match.start()]
        window = window[window.rfind(b"obj") + 1 :]  # from the object's start, if in the window
        if b"ObjStm" not in window and b"#" not in window:  # the common case, without decoding names
            continue
        names = _names(window)
        if b"ObjStm" not in names:
            continue
        filters = names & _FILTERS
        if filters - _FLATE:
            return "The PDF uses a compression this shop does not accept. Upload a photo of the prescription."
        if filters:
            try:
                body = zlib.decompressobj().decompress(memoryview(data)[match.end() :], budget + 1)
            except zlib.error:
                return (
                    "The PDF is damaged (a compressed part cannot be read). Please download or scan it again."
                )
        else:
            end = data.find(b"endstream", match.end())
            body = data[match.end() : end if end != -1 else len(data)]
        budget -= len(body)
        if budget < 0:
            return _TOO_COMPLEX
        refused = _named_active_content(body)
        if refused:
            return refused
    return None


def _reencoded_image(image: Image.Image) -> tuple[bytes, str, str]:
    buffer = io.BytesIO()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image.convert("RGBA").save(buffer, format="PNG", optimize=True)
        return buffer.getvalue(), "png", "image/png"
    image.convert("RGB").save(buffer, format="JPEG", quality=90, optimize=True)
    return buffer.getvalue(), "jpg", "image/jpeg"


def validated_document(upload, *, attr: str = "document") -> ValidatedDocument:
    """Return the upload as a PDF or a re-encoded image ready to store, or raise.

    Raises ``InvalidDocument`` (400 ``invalid_document``) for anything that is neither, an empty or
    oversized file, or a PDF whose structure is broken; ``InvalidImage`` (400 ``invalid_image``) for
    a file that starts like an image but is not a valid one.
    """
    max_bytes = settings.SHOP_IMAGE_MAX_BYTES
    size = upload_size(upload)
    if size == 0:
        raise InvalidDocument("The file is empty. Choose a PDF or an image.", attr=attr)
    if size > max_bytes:
        raise InvalidDocument(f"The file is larger than {max_bytes // (1024 * 1024)} MB.", attr=attr)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    name = uuid.uuid4().hex
    if head.startswith(b"%PDF-"):
        data = upload.read()
        upload.seek(0)
        problem = check_pdf_structure(data)
        if problem:
            raise InvalidDocument(problem, attr=attr)
        return ValidatedDocument(
            kind=PDF, content=ContentFile(data, name=f"{name}.pdf"), content_type="application/pdf"
        )
    if _is_image(head):
        data, extension, content_type = _reencoded_image(open_validated_image(upload, attr=attr))
        return ValidatedDocument(
            kind=IMAGE, content=ContentFile(data, name=f"{name}.{extension}"), content_type=content_type
        )
    raise InvalidDocument(attr=attr)
