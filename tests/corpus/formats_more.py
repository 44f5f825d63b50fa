"""HTML bodies and pictures: what Outlook and Gmail actually send.

HTML family: a multipart/alternative body whose text part is a one-line
stub and whose HTML part holds the content (plain, with names split by
inline tags and a hidden preheader, and a range pasted from Excel).
Image family: a screenshot (PNG), a phone photo of a printout (JPEG), a
two-page-capable copier scan saved as an image-only PDF, a Group 4 TIFF
fax, a screenshot pasted into the body (an inline `cid:` image next to a
signature logo), and a screenshot inside a Word file.
"""

from __future__ import annotations

import html
import io

from .documents import Doc, Grid, Para, cell_text
from .formats import DOCX_TYPE, Rendered, _save, html_document
from .images import (
    fax_tiff,
    phone_photo_jpeg,
    scanned_pdf,
    screenshot_png,
    signature_logo_png,
)

STUB = "This message has formatted content. Please view it in HTML."
SIGNATURE = "<p>-- <br>Ms. Rivera, Grade 5<br><img src='cid:logo@school' alt=''></p>"


# --- HTML bodies --------------------------------------------------------------------


def alternative_stub(doc: Doc) -> Rendered:
    """The HTML part holds everything; the text part only a stub."""
    return Rendered(body_text=STUB, body_html=html_document(doc))


def _split(text: str) -> str:
    """Words as separate inline elements, as editors produce them: a name
    becomes <b>First</b> <span>Last</span>; a number is split mid-way."""
    pieces = []
    for i, word in enumerate(text.split(" ")):
        safe = html.escape(word)
        if word.isdigit() and len(word) > 4:
            pieces.append(f"<span>{safe[:3]}</span><span style='color:#333'>{safe[3:]}</span>")
        elif i % 2:
            pieces.append(f"<span style='font-family:Calibri'>{safe}</span>")
        else:
            pieces.append(f"<b>{safe}</b>")
    return " ".join(pieces)


def split_tags(doc: Doc) -> Rendered:
    """Every word in its own inline element, a hidden preheader and a style
    sheet that must not be read as text."""
    parts = ["<html><head><style>p{margin:0} .x{color:red}</style>"
             "<script>var unused = 'not content';</script></head><body>",
             "<div style='display:none;max-height:0'>Preview: weekly update</div>"]
    for block in doc.blocks:
        if isinstance(block, Para):
            parts.append(f"<div><p>{_split(block.text)}</p></div>")
        else:
            parts.append("<table>")
            for row in block.rows:
                cells = "".join(f"<td><p>{_split(cell_text(c))}</p></td>" for c in row)
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return Rendered(body_text=STUB, body_html="".join(parts))


def pasted_from_excel(doc: Doc) -> Rendered:
    """A range copied from Excel into Outlook: Office markup, conditional
    comments, <col> elements, mso styles, numbers as text cells."""
    parts = ["<html xmlns:o='urn:schemas-microsoft-com:office:office'><head>"
             "<meta name=Generator content='Microsoft Word 15'>"
             "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings></o:OfficeDocumentSettings>"
             "</xml><![endif]--><style>td{mso-number-format:\"\\@\"}</style></head><body>"]
    for block in doc.blocks:
        if isinstance(block, Para):
            parts.append(f"<p class=MsoNormal>{html.escape(block.text)}<o:p></o:p></p>")
            continue
        parts.append("<!--StartFragment--><table border=0 cellpadding=0 cellspacing=0 "
                     "style='border-collapse:collapse'>"
                     + "".join("<col width=96>" for _ in block.rows[0]))
        for row in block.rows:
            cells = "".join(f"<td class=xl65 nowrap>{html.escape(cell_text(c))}</td>"
                            for c in row)
            parts.append(f"<tr height=20>{cells}</tr>")
        parts.append("</table><!--EndFragment-->")
    parts.append("</body></html>")
    return Rendered(body_text=STUB, body_html="".join(parts))


# --- pictures -----------------------------------------------------------------------


def screenshot_file(doc: Doc) -> Rendered:
    return _attached(f"Screenshot {doc.stem}.png", "image/png", screenshot_png(doc))


def photo_file(doc: Doc) -> Rendered:
    return _attached("IMG_2041.jpg", "image/jpeg", phone_photo_jpeg(doc))


def scan_file(doc: Doc) -> Rendered:
    return _attached("Scan_0012.pdf", "application/pdf", scanned_pdf(doc))


def fax_file(doc: Doc) -> Rendered:
    return _attached("fax_0417.tif", "image/tiff", fax_tiff(doc))


def inline_image(doc: Doc) -> Rendered:
    """A screenshot pasted into the body, and the signature's logo: both are
    inline parts referenced by cid: from the HTML."""
    body = ("<html><body><p>Hi, here is what I have so far:</p>"
            "<p><img src='cid:image001.png@01DB' width=800></p>" + SIGNATURE + "</body></html>")
    return Rendered(body_text="Hi, here is what I have so far:\n[image]\n", body_html=body,
                    attachments=(("image001.png", "image/png", screenshot_png(doc)),
                                 ("logo.png", "image/png", signature_logo_png())))


def docx_with_picture(doc: Doc) -> Rendered:
    """A Word file whose only content is a pasted screenshot."""
    import docx
    from docx.shared import Inches

    document = docx.Document()
    document.add_paragraph("See the screenshot below.")
    document.add_picture(io.BytesIO(screenshot_png(doc)), width=Inches(6.5))
    return _attached(f"{doc.stem}_screenshot.docx", DOCX_TYPE, _save(document))


def _attached(name: str, ctype: str, data: bytes) -> Rendered:
    return Rendered(body_text="Hello, please see the attached. Thank you!",
                    attachments=((name, ctype, data),))


__all__ = ["Grid", "alternative_stub", "docx_with_picture", "fax_file", "inline_image",
           "pasted_from_excel", "photo_file", "scan_file", "screenshot_file", "split_tags"]
