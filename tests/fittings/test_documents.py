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
