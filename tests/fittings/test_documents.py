"""The shared document check: PDFs decided by content and structure, images through the image check."""

import io

import pytest

from catalogue.documents import IMAGE, PDF, InvalidDocument, check_pdf_structure, validated_document
from catalogue.images import InvalidImage
from tests.fittings.documents import pdf_bytes
from tests.images import image_bytes


def test_a_valid_pdf_passes_unchanged():
    data = pdf_bytes()
    document = validated_document(io.BytesIO(data), attr="prescription")
    assert document.kind == PDF and document.content_type == "application/pdf"
    assert document.content.read() == data and document.content.name.endswith(".pdf")


def test_an_image_is_reencoded_without_metadata():
    document = validated_document(io.BytesIO(image_bytes("PNG", size=(200, 100))), attr="prescription")
    assert document.kind == IMAGE and document.content_type == "image/jpeg"
    assert document.content.read().startswith(b"\xff\xd8\xff")


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
    assert check_pdf_structure(pdf_with_object_stream(b"<< /S /URI /URI (https://example.com/rx) >>")) is None
    hidden = pdf_with_object_stream(b"<< /S /Launch /F (cmd.exe) >>")
    assert "scripts or attachments" in check_pdf_structure(hidden)


def test_object_streams_are_inflated_within_a_budget(monkeypatch):
    """A compressed part that inflates beyond the budget, or cannot be inflated, is refused, never trusted."""
    from catalogue import documents
    from tests.security.hostile_files import pdf_with_object_stream

    large = pdf_with_object_stream(b"<< /S /URI /URI (https://example.com/" + b"a" * 5000 + b") >>")
    assert check_pdf_structure(large) is None
    monkeypatch.setattr(documents, "_OBJECT_STREAM_BUDGET", 4000)
    assert "too complex" in check_pdf_structure(large)
    broken = large.replace(b"stream\nx", b"stream\nX", 1)  # the zlib header no longer reads
    assert "damaged" in check_pdf_structure(broken)
