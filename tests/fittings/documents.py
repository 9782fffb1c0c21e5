"""Build PDF files in memory: a minimal valid one written by hand, and others written by pikepdf."""

import io

import pikepdf
from pikepdf import Array, Dictionary, Name, String


def pdf_bytes(
    text: str = "Rx: custom orthotics, medial posting 4 degrees", *, extra_catalog: str = ""
) -> bytes:
    """Return a small one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {extra_catalog}>>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def built_pdf(feature=None, *, object_streams: bool = False, encryption=None) -> bytes:
    """Return a one-page PDF written by pikepdf (qpdf), carrying ``feature`` and nothing else unusual.

    ``feature`` is a function given the new ``pikepdf.Pdf`` and its page to add one thing to it;
    ``object_streams`` packs the objects into compressed object streams (PDF 1.5), as most PDF
    writers do today; ``encryption`` is a ``pikepdf.Encryption``.
    """
    pdf = pikepdf.Pdf.new()
    page = pdf.add_blank_page(page_size=(612, 792))
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (Rx: custom orthotics) Tj ET")
    page.obj.Resources = Dictionary(Font=Dictionary(F1=Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                                                   BaseFont=Name.Helvetica)))  # fmt: skip
    if feature is not None:
        feature(pdf, page.obj)
    buffer = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(buffer, object_stream_mode=mode, encryption=encryption or False)
    return buffer.getvalue()


def _link(action: Dictionary | None = None, **entries):
    """Return a feature: a link annotation on the page whose ``/A`` is ``action`` (plus ``entries``)."""

    def add(pdf, page):
        annotation = Dictionary(
            Type=Name.Annot, Subtype=Name.Link, Rect=Array([72, 600, 300, 620]), **entries
        )
        if action is not None:
            annotation.A = action
        page.Annots = pdf.make_indirect(Array([pdf.make_indirect(annotation)]))

    return add


def _go_to(page) -> Dictionary:
    return Dictionary(S=Name.GoTo, D=Array([page, Name.Fit]))


def _document_javascript(pdf, page):
    script = Dictionary(S=Name.JavaScript, JS=String("app.alert(1)"))
    pdf.Root.Names = Dictionary(
        JavaScript=Dictionary(Names=Array([String("init"), pdf.make_indirect(script)]))
    )


def _open_action(pdf, page):
    pdf.Root.OpenAction = Array([page, Name.Fit])  # only "open at page 1", but an action all the same


def _catalog_aa(pdf, page):
    pdf.Root.AA = Dictionary(WC=_go_to(page))


def _page_aa(pdf, page):
    page.AA = Dictionary(O=_go_to(page))


def _annotation_aa(pdf, page):
    _link(_go_to(page), AA=Dictionary(E=_go_to(page)))(pdf, page)


def _form_field_aa(pdf, page):
    field = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx, T=String("name"),
                                         Rect=Array([72, 500, 300, 520]), P=page,
                                         AA=Dictionary(K=_go_to(page))))  # fmt: skip
    page.Annots = Array([field])
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))


def _embedded_file(pdf, page):
    pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(
        pdf, b"MZ\x90\x00 pretend this is an executable"
    )


def _file_attachment_annotation(pdf, page):
    spec = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00 pretend this is an executable", filename="invoice.exe")
    annotation = Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=Array([72, 600, 92, 620]),
                            FS=spec.obj)  # fmt: skip
    page.Annots = Array([pdf.make_indirect(annotation)])


def _xfa(pdf, page):
    pdf.Root.AcroForm = Dictionary(
        Fields=Array([]), XFA=pdf.make_stream(b"<xdp:xdp><script>1</script></xdp:xdp>")
    )


def _rich_media(pdf, page):
    annotation = Dictionary(Type=Name.Annot, Subtype=Name.RichMedia, Rect=Array([72, 400, 300, 600]),
                            RichMediaContent=Dictionary(Assets=Dictionary(Names=Array([]))))  # fmt: skip
    page.Annots = Array([pdf.make_indirect(annotation)])


def _sound(pdf, page):
    sound = pdf.make_stream(b"\x00" * 800, Type=Name.Sound, R=8000)
    _link(Dictionary(S=Name.Sound, Sound=sound))(pdf, page)


# Each a PDF that is valid and carries exactly one kind of action, script, attachment or media, with the
# words the refusal names it by.
ACTIVE_PDFS = {
    "JavaScript action": (_link(Dictionary(S=Name.JavaScript, JS=String("app.alert(1)"))), "JavaScript"),
    "document-level JavaScript": (_document_javascript, "JavaScript"),
    "OpenAction": (_open_action, "an action run when the file is opened"),
    "catalog /AA": (_catalog_aa, "actions run on page, annotation or form events"),
    "page /AA": (_page_aa, "actions run on page, annotation or form events"),
    "annotation /AA": (_annotation_aa, "actions run on page, annotation or form events"),
    "form field /AA": (_form_field_aa, "actions run on page, annotation or form events"),
    "Launch action": (_link(Dictionary(S=Name.Launch, F=String("cmd.exe"))), "an action that launches a program"),
    "URI action": (_link(Dictionary(S=Name.URI, URI=String("https://example.com/"))), "a link to a web address"),
    "SubmitForm action": (
        _link(Dictionary(S=Name.SubmitForm, F=Dictionary(FS=Name.URL, F=String("https://example.com/submit")))),
        "a form that sends data",
    ),
    "ImportData action": (_link(Dictionary(S=Name.ImportData, F=String("data.fdf"))), "an action that imports data"),
    "GoToR action": (_link(Dictionary(S=Name.GoToR, F=String("other.pdf"), D=Array([0, Name.Fit]))),
                     "a link into another file"),
    "GoToE action": (
        _link(Dictionary(S=Name.GoToE, D=Array([0, Name.Fit]), T=Dictionary(R=Name.C, N=String("a.pdf")))),
        "a link into an embedded file",
    ),
    "Sound action": (_sound, "sound"),
    "Movie action": (_link(Dictionary(S=Name.Movie, T=String("clip"))), "a movie"),
    "embedded file": (_embedded_file, "an attached file"),
    "file attachment annotation": (_file_attachment_annotation, "an attached file"),
    "XFA form": (_xfa, "an XFA form"),
    "RichMedia annotation": (_rich_media, "rich media"),
}  # fmt: skip


def active_pdf(kind: str, *, object_streams: bool = False) -> bytes:
    """Return the PDF of ``ACTIVE_PDFS[kind]``."""
    return built_pdf(ACTIVE_PDFS[kind][0], object_streams=object_streams)


def internal_link(pdf, page):
    """A feature that is allowed: a link to a page of the same document (a plain GoTo action)."""
    _link(_go_to(page))(pdf, page)


def encrypted_pdf(*, user_password: str = "") -> bytes:
    """Return a PDF encrypted with AES-256; with an empty user password, any reader opens it unasked."""
    return built_pdf(encryption=pikepdf.Encryption(owner="owner-secret", user=user_password, aes=True, R=6))
