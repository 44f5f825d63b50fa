"""PDF text with pypdfium2 (PDFium, the reader in Chrome).

PDFium read 105 of the corpora's 110 PDFs (the other 5 need a password),
pypdf 103, and PDFium was 3-6x faster (bench/bench_extract.py). A PDF that needs a password to open
is reported as such; one with only an owner password (no printing/copying)
opens and is read. Values typed into form fields (a filled-in IEP form) are
not part of the page text, so they are read separately. Files attached
inside the PDF are scanned as children. Scanned pages (no text layer) are
rendered at 200 dpi and read with OCR (images.py) within its limits.
"""

from __future__ import annotations

import ctypes
import warnings

from . import reasons
from .sink import Out, ScanStop

_PDFIUM_PASSWORD_ERROR = 4


def read_pdf(data: bytes, out: Out) -> None:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == _PDFIUM_PASSWORD_ERROR:
            raise ScanStop(reasons.PASSWORD) from None
        raise
    try:
        has_forms = _init_forms(document)
        _read_pages(document, out)
        if has_forms:
            _read_form_fields(document, out)
        _read_attachments(document, out)
    finally:
        document.close()


def _init_forms(document) -> bool:
    """Forms must be initialised before any page is loaded."""
    if document.get_formtype() == 0:  # FORMTYPE_NONE
        return False
    with warnings.catch_warnings():  # "no XFA support in this build": AcroForm values still read
        warnings.simplefilter("ignore")
        document.init_forms()
    return document.formenv is not None


def _read_pages(document, out: Out) -> None:
    pages = len(document)
    scanned: list[int] = []  # pages without a text layer: read with OCR after the others
    for index in range(min(pages, out.limits.max_pages)):
        out.check_time()
        page = document[index]
        try:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
        finally:
            page.close()
        if not text.strip():
            scanned.append(index)
        out.text(f"page {index + 1}", text.replace("\r\n", "\n").replace("\r", "\n"))
    if pages > out.limits.max_pages:
        out.problem(reasons.too_many_pages(out.limits))
    if scanned and out.limits.ocr:
        from .images import ocr_pages

        ocr_pages([(f"page {i + 1}", _renderer(document, i)) for i in scanned], out,
                  len(scanned), unit="scanned pages")


OCR_DPI = 200  # scanner resolution: Tesseract reads 10-pt text well from 200 dpi


def _renderer(document, index: int):
    def render():
        page = document[index]
        try:
            width, height = page.get_size()  # points, 1/72 inch
            scale = OCR_DPI / 72
            long_side = max(width, height) * scale
            if long_side > 3000:  # a poster-sized page: the text is large anyway
                scale *= 3000 / long_side
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                picture = bitmap.to_pil().copy()
                picture.info["dpi"] = (scale * 72, scale * 72)
                return picture
            finally:
                bitmap.close()
        finally:
            page.close()
    return render


def _read_form_fields(document, out: Out) -> None:
    import pypdfium2.raw as pdfium_c

    lines: list[str] = []
    for index in range(min(len(document), out.limits.max_pages)):
        page = document[index]
        try:
            for number in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
                out.tick()
                annotation = pdfium_c.FPDFPage_GetAnnot(page.raw, number)
                try:
                    if pdfium_c.FPDFAnnot_GetSubtype(annotation) == pdfium_c.FPDF_ANNOT_WIDGET:
                        lines.append(_field_line(document.formenv, annotation))
                finally:
                    pdfium_c.FPDFPage_CloseAnnot(annotation)
        finally:
            page.close()
    out.text("form fields", "\n".join(line for line in lines if line))


def _field_line(formenv, annotation) -> str:
    """ "Student_Name: Maria Garcia" (the field's short name gives context)."""
    import pypdfium2.raw as pdfium_c

    value = _wide_string(
        lambda buf, size: pdfium_c.FPDFAnnot_GetFormFieldValue(formenv, annotation, buf, size))
    if not value.strip():
        return ""
    name = _wide_string(lambda buf, size: pdfium_c.FPDFAnnot_GetFormFieldName(formenv, annotation, buf, size))
    short = name.rsplit(".", 1)[-1].split("[", 1)[0].strip("_ ")
    return f"{short}: {value}" if short else value


def _wide_string(call) -> str:
    """PDFium's two-call pattern: ask for the size, then fill a UTF-16LE buffer."""
    import pypdfium2.raw as pdfium_c

    size = call(None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(min(size, 4 * 1024 * 1024))
    call(ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), len(buffer))
    return buffer.raw[: len(buffer) - 2].decode("utf-16-le", "replace").split("\x00", 1)[0]


def _read_attachments(document, out: Out) -> None:
    for index in range(document.count_attachments()):
        attachment = document.get_attachment(index)
        name = attachment.get_name() or f"attachment {index + 1}"
        out.child(name, None, bytes(attachment.get_data()))
