"""Validate uploaded documents: a PDF that pikepdf (qpdf) reads and finds inert, or a photo.

A podiatrist's prescription may be a PDF or a photo. The kind is decided by the content, never by
the file name or the declared content type: ``%PDF-`` at the start means a PDF, an image signature
means an image, anything else is refused. The size limit is the images' (``SHOP_IMAGE_MAX_BYTES``),
checked before anything is read. Images go through ``catalogue.images`` and are stored re-encoded,
without any metadata.

A PDF is stored as it was sent, so it is checked with qpdf, the parser behind pikepdf, and refused
(``invalid_document``, with a sentence saying why) when:

- it does not end with ``%%EOF`` (a truncated download, or something riding after the PDF);
- qpdf cannot read it without repairing it, or warns while reading any part of it (a part it could
  not read is a part that could not be checked);
- it is encrypted, even with an empty password;
- any of its objects, those packed in object streams included, names an action or script, an
  attachment or rich media (``_ACTIVE_CONTENT``); qpdf decodes ``#xx`` escapes in names, so
  ``/J#61vaScript`` is ``/JavaScript``;
- it holds an object stream that its cross-reference table does not use: objects that qpdf does not
  see but a reader repairing the file might;
- it would cost too much to check: more objects, object streams, nested containers or items than
  the limits below, or a compressed stream that inflates beyond ``_INFLATE_LIMIT`` bytes.

Only the objects are walked, never the page content (drawing operators cannot run anything).
"""

import io
import itertools
import uuid
from dataclasses import dataclass

import pikepdf
from django.conf import settings
from django.core.files.base import ContentFile
from pikepdf.settings import set_qpdf_limits

from catalogue.images import encoded_image, open_validated_image, upload_size
from shop.exceptions import InvalidInput

PDF = "pdf"
IMAGE = "image"

_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
# Bounds on the work a hostile file can ask for (a prescription has a few hundred objects at most).
_MAX_OBJECTS = 10_000
_MAX_OBJECT_STREAMS = 100
_MAX_ITEMS = 500_000  # dictionary entries and array items, all objects together
_MAX_DEPTH = 32  # arrays and dictionaries nested inside one object
# qpdf inflates object streams and cross-reference streams to read them; one that inflates beyond
# this makes the file unreadable, so it is refused. The limit is process-wide in qpdf (set before
# each check): this module is the shop's only user of pikepdf.
_INFLATE_LIMIT = 16 * 1024 * 1024
# What each name means, for the refusal's sentence. Keys (/JS, /AA, /EF, ...) or values (/S /Launch,
# /Subtype /FileAttachment, ...), wherever they appear: a prescription never needs any of them.
_ACTIVE_CONTENT = {
    "/JavaScript": "JavaScript",
    "/JS": "JavaScript",
    "/OpenAction": "an action run when the file is opened",
    "/AA": "actions run on page, annotation or form events",
    "/Launch": "an action that launches a program",
    "/URI": "a link to a web address",
    "/SubmitForm": "a form that sends data",
    "/ImportData": "an action that imports data",
    "/GoToR": "a link into another file",
    "/GoToE": "a link into an embedded file",
    "/Sound": "sound",
    "/Movie": "a movie",
    "/Rendition": "a media rendition",
    "/EmbeddedFiles": "an attached file",
    "/EmbeddedFile": "an attached file",
    "/EF": "an attached file",
    "/FileAttachment": "an attached file",
    "/XFA": "an XFA form",
    "/RichMedia": "rich media",
}
_DESCRIPTION_ORDER = list(dict.fromkeys(_ACTIVE_CONTENT.values()))

_INCOMPLETE = "The PDF is incomplete, or has something added after its end. Please download or scan it again."
_UNREADABLE = (
    "The PDF is damaged or too complex to check (part of it cannot be read). Please download or scan it "
    "again, or upload a photo of the prescription."
)
_HIDDEN = (
    "The PDF is damaged (it holds objects its cross-reference table does not list). Please download or "
    "scan it again, or upload a photo of the prescription."
)
_PASSWORD = "The PDF is password-protected. Upload an unprotected copy or a photo of the prescription."
_TOO_COMPLEX = "The PDF is too complex to check ({}). Upload a photo of the prescription."


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
    """Return why ``data`` is not a PDF the shop accepts (a sentence for the customer), or None."""
    if not data.startswith(b"%PDF-"):
        return "The file does not start like a PDF."
    if not data.rstrip(b"\x00\r\n \t").endswith(b"%%EOF"):
        return _INCOMPLETE
    set_qpdf_limits(flate_max_memory=_INFLATE_LIMIT)
    try:
        with pikepdf.Pdf.open(io.BytesIO(data), attempt_recovery=False, inherit_page_attributes=False) as pdf:
            if pdf.is_encrypted:
                return _PASSWORD
            problem = _object_problem(pdf)
            if problem is None and pdf.get_warnings():
                return _UNREADABLE
            return problem
    except pikepdf.PasswordError:
        return _PASSWORD
    except pikepdf.PdfError:
        return _UNREADABLE


def _object_problem(pdf: pikepdf.Pdf) -> str | None:
    """Return why the objects of ``pdf`` are refused (active content, hidden parts, size), or None.

    The trailer and every object of the cross-reference table are walked, each on its own: a
    reference is never followed (its object gets its own turn), so nothing is walked twice and
    reference cycles cost nothing. A dictionary's keys are read with ``items()``, which keeps the
    entries whose value is null: an ``/OpenAction`` pointing at an object the cross-reference table
    does not list is refused too.
    """
    xref = pdf.get_xref_table()
    if len(xref) > _MAX_OBJECTS:
        return _TOO_COMPLEX.format(f"more than {_MAX_OBJECTS:,} objects")
    object_streams = {entry.obj_stream_number for entry in xref.values() if entry.type == 2}
    if len(object_streams) > _MAX_OBJECT_STREAMS:
        return _TOO_COMPLEX.format(f"more than {_MAX_OBJECT_STREAMS} object streams")
    found: set[str] = set()
    hidden = False
    budget = _MAX_ITEMS
    # Objects are read one at a time, so that running out of budget stops qpdf's parsing too.
    objects = (pdf.get_object(objgen) for objgen, entry in sorted(xref.items()) if entry.type)
    for item in itertools.chain([pdf.trailer], objects):
        if isinstance(item, pikepdf.Stream) and item.get("/Type") == "/ObjStm":
            hidden = hidden or item.objgen[0] not in object_streams
        stack = [(item, 0)]
        while stack:
            value, depth = stack.pop()
            if isinstance(value, pikepdf.Name):
                _note(str(value), found)
                continue
            if not isinstance(value, pikepdf.Dictionary | pikepdf.Stream | pikepdf.Array):
                continue  # a number, a boolean, null or a text string: nothing to look at
            if depth > _MAX_DEPTH:
                return _TOO_COMPLEX.format(f"containers nested more than {_MAX_DEPTH} deep")
            if isinstance(value, pikepdf.Array):
                children = list(value)
            else:  # a dictionary, or a stream's dictionary (its data is never read)
                entries = value.items()
                for key, _ in entries:
                    _note(key, found)
                    if key == "/Encrypt":
                        return _PASSWORD
                children = [child for _, child in entries]
            budget -= len(children)
            if budget < 0:
                return _TOO_COMPLEX.format(f"more than {_MAX_ITEMS:,} values")
            for child in children:
                if isinstance(child, pikepdf.Name):
                    _note(str(child), found)  # even an indirect one: "/S 9 0 R" names what 9 is
                elif isinstance(child, pikepdf.Object) and not child.is_indirect:
                    stack.append((child, depth + 1))
    if found:
        what = [description for description in _DESCRIPTION_ORDER if description in found]
        listed = what[0] if len(what) == 1 else ", ".join(what[:-1]) + " and " + what[-1]
        return (
            f"The PDF contains {listed}. PDFs with scripts or attachments, actions or links are not "
            "accepted: upload a plain PDF or a photo of the prescription."
        )
    return _HIDDEN if hidden else None


def _note(name: str, found: set[str]) -> None:
    """Add what ``name`` means to ``found`` if it names active content."""
    description = _ACTIVE_CONTENT.get(name)
    if description is not None:
        found.add(description)


def validated_document(upload, *, attr: str = "document") -> ValidatedDocument:
    """Return the upload as a PDF or a re-encoded image ready to store, or raise.

    Raises ``InvalidDocument`` (400 ``invalid_document``) for anything that is neither, an empty or
    oversized file, or a PDF refused by ``check_pdf_structure``; ``InvalidImage`` (400
    ``invalid_image``) for a file that starts like an image but is not a valid one.
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
        image = encoded_image(open_validated_image(upload, attr=attr), quality=90)
        return ValidatedDocument(
            kind=IMAGE,
            content=ContentFile(image.data, name=f"{name}.{image.extension}"),
            content_type=image.content_type,
        )
    raise InvalidDocument(attr=attr)
