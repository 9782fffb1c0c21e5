"""The shared document check: PDFs decided by content and read by qpdf (pikepdf), images through the image check."""

import io

import pikepdf
import pytest
from PIL import Image

from catalogue import documents
from catalogue.documents import IMAGE, PDF, InvalidDocument, check_pdf_structure, validated_document
from catalogue.images import InvalidImage
from tests.fittings.documents import (
    ACTIVE_PDFS,
    active_pdf,
    built_pdf,
    encrypted_pdf,
    internal_link,
    pdf_bytes,
)
from tests.images import image_bytes, metadata_in


def test_a_valid_pdf_passes_unchanged():
    data = pdf_bytes()
    document = validated_document(io.BytesIO(data), attr="prescription")
    assert document.kind == PDF and document.content_type == "application/pdf"
    assert document.content.read() == data and document.content.name.endswith(".pdf")


def test_an_image_is_reencoded_without_metadata():
    document = validated_document(io.BytesIO(image_bytes("PNG", size=(200, 100))), attr="prescription")
    assert document.kind == IMAGE and document.content_type == "image/jpeg"
    assert document.content.read().startswith(b"\xff\xd8\xff")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    sent = image_bytes("JPEG", size=(200, 100), exif=exif, comment=b"<script>alert(1)</script>")
    assert metadata_in(sent) == ["APP1", "COM"]
    stored = validated_document(io.BytesIO(sent), attr="prescription").content.read()
    assert metadata_in(stored) == [] and b"SpyCam" not in stored and b"<script>" not in stored


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"Just some text pretending to be a PDF", "PDF or a JPEG"),
        (b"%PDF-1.4\nnot really a pdf at all", "incomplete"),
        (pdf_bytes()[:-200], "incomplete"),  # truncated download
        (pdf_bytes().replace(b"startxref\n", b"startxref\n9"), "damaged"),  # points nowhere
        (pdf_bytes(extra_catalog="/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "), "scripts"),
        (pdf_bytes(extra_catalog="/Encrypt 9 0 R "), "password"),
        (b"", "empty"),
    ],
)
def test_anything_else_is_invalid_document(data, words):
    with pytest.raises(InvalidDocument) as refusal:
        validated_document(io.BytesIO(data), attr="prescription")
    assert refusal.value.code == "invalid_document" and refusal.value.attr == "prescription"
    assert words in refusal.value.detail


def test_a_damaged_image_is_invalid_image():
    with pytest.raises(InvalidImage):
        validated_document(io.BytesIO(image_bytes("PNG")[:60]), attr="prescription")


def test_the_size_limit_is_the_images(settings):
    settings.SHOP_IMAGE_MAX_BYTES = 1000
    with pytest.raises(InvalidDocument) as refusal:
        validated_document(io.BytesIO(pdf_bytes() + b"%" * 1000), attr="prescription")
    assert "larger than" in refusal.value.detail


def test_structure_check_accepts_trailing_newlines_after_eof():
    data = pdf_bytes()
    assert check_pdf_structure(data + b"\r\n\r\n") is None


def test_escaped_names_and_object_streams_without_active_content_pass():
    """Escapes in names and compressed object streams are ordinary PDF: only what they hide is refused."""
    from tests.security.hostile_files import pdf_with_object_stream

    assert check_pdf_structure(pdf_bytes(extra_catalog="/PageMode /Use#4Fne ")) is None
    assert check_pdf_structure(built_pdf(internal_link, object_streams=True)) is None
    packed = active_pdf("Launch action", object_streams=True)
    assert b"/Launch" not in packed  # compressed: no scan of the file's bytes would see it
    assert check_pdf_structure(packed).startswith("The PDF contains an action that launches a program.")
    # A link to a web address is refused now, even hidden in an object stream the file does not list.
    link = pdf_with_object_stream(b"<< /S /URI /URI (https://example.com/rx) >>")
    assert check_pdf_structure(link).startswith("The PDF contains an action run when the file is opened.")
    hidden = pdf_with_object_stream(b"<< /S /Launch /F (cmd.exe) >>")
    assert "scripts or attachments" in check_pdf_structure(hidden)


def _long_note(pdf, page):
    pdf.Root.Note = pdf.make_indirect(pikepdf.Dictionary(Text=pikepdf.String("a" * 5000)))


def test_object_streams_are_inflated_within_a_limit(monkeypatch):
    """A compressed part that inflates beyond the limit, or cannot be inflated, is refused, never trusted."""
    large = built_pdf(_long_note, object_streams=True)
    assert check_pdf_structure(large) is None
    monkeypatch.setattr(documents, "_INFLATE_LIMIT", 4000)
    assert "too complex" in check_pdf_structure(large)
    monkeypatch.undo()
    object_stream = large.index(b"stream\nx")
    assert b"/ObjStm" in large[max(0, object_stream - 200) : object_stream]
    broken = (
        large[:object_stream] + b"stream\nX" + large[object_stream + 8 :]
    )  # the zlib header no longer reads
    assert "damaged" in check_pdf_structure(broken)
    assert check_pdf_structure(large) is None  # the limit is back for the next upload


@pytest.mark.parametrize("object_streams", [False, True], ids=["plain", "object streams"])
@pytest.mark.parametrize("kind", ACTIVE_PDFS)
def test_every_kind_of_action_script_attachment_or_media_is_refused_naming_it(kind, object_streams):
    data = active_pdf(kind, object_streams=object_streams)
    with pytest.raises(InvalidDocument) as refusal:
        validated_document(io.BytesIO(data), attr="prescription")
    words = ACTIVE_PDFS[kind][1]
    assert refusal.value.detail == (
        f"The PDF contains {words}. PDFs with scripts or attachments, actions or links are not accepted: "
        "upload a plain PDF or a photo of the prescription."
    )
    assert refusal.value.code == "invalid_document" and refusal.value.attr == "prescription"


def test_everything_found_is_named():
    both = built_pdf(
        lambda pdf, page: [ACTIVE_PDFS[kind][0](pdf, page) for kind in ("XFA form", "OpenAction")]
    )
    assert check_pdf_structure(both).startswith(
        "The PDF contains an action run when the file is opened and an XFA form."
    )


@pytest.mark.parametrize("user_password", ["", "patient-secret"], ids=["opens unasked", "asks a password"])
def test_an_encrypted_pdf_is_refused(user_password):
    with pytest.raises(InvalidDocument) as refusal:
        validated_document(io.BytesIO(encrypted_pdf(user_password=user_password)), attr="prescription")
    assert refusal.value.detail == (
        "The PDF is password-protected. Upload an unprotected copy or a photo of the prescription."
    )


@pytest.mark.parametrize(
    "data",
    [built_pdf(), built_pdf(object_streams=True), built_pdf(internal_link)],
    ids=["plain", "object streams", "a link to its own page"],
)
def test_a_plain_pdf_written_by_a_pdf_library_passes_unchanged(data):
    document = validated_document(io.BytesIO(data), attr="prescription")
    assert document.kind == PDF and document.content.read() == data


def test_an_object_stream_the_cross_reference_table_does_not_list_is_refused():
    """qpdf does not read such objects, but a reader repairing the file could: they cannot be checked."""
    from tests.security.hostile_files import pdf_with_object_stream

    hidden = pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>", open_action=False)
    assert check_pdf_structure(hidden) == (
        "The PDF is damaged (it holds objects its cross-reference table does not list). Please download or "
        "scan it again, or upload a photo of the prescription."
    )


def _many_objects(pdf, page):
    pdf.Root.Many = pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(N=n)) for n in range(10_001)])


def _deep(pdf, page):
    nested = pikepdf.Array([])
    for _ in range(40):
        nested = pikepdf.Array([nested])
    pdf.Root.Deep = nested


@pytest.mark.parametrize(
    ("feature", "why"),
    [(_many_objects, "more than 10,000 objects"), (_deep, "containers nested more than 32 deep")],
    ids=["objects", "depth"],
)
def test_work_is_bounded(feature, why):
    assert check_pdf_structure(built_pdf(feature, object_streams=True)) == (
        f"The PDF is too complex to check ({why}). Upload a photo of the prescription."
    )


def test_the_values_walked_are_bounded(monkeypatch):
    monkeypatch.setattr(documents, "_MAX_ITEMS", 50)
    assert check_pdf_structure(built_pdf()) is None
    widths = built_pdf(lambda pdf, page: setattr(pdf.Root, "Widths", pikepdf.Array(list(range(60)))))
    assert check_pdf_structure(widths) == (
        "The PDF is too complex to check (more than 50 values). Upload a photo of the prescription."
    )
