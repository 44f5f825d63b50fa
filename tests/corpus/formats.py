"""Render a `Doc` as a message body or as an attachment of every listed format.

Each renderer returns a `Rendered`: the message body (text or HTML) and
the attachments (name, content type, bytes). Spreadsheets put paragraphs
in single-cell rows, so a title row sits above the header (the header is
never on the first row) and IDs are stored as numbers, dates as dates, as
an export would. Text formats lay tables out the way people do: tabs when
pasted into a body, aligned columns in a .txt report, real tables where
the format has them (DOCX, PPTX, ODT, ODP, RTF, HTML, PDF).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path

from .documents import Cell, Doc, Grid, Para, cell_text
from .xls import xls_bytes

ATTACHED_BODY = "Hello families, please see the attached. Thank you!"


@dataclass(frozen=True)
class Rendered:
    body_text: str = ""
    body_html: str = ""
    attachments: tuple[tuple[str, str, bytes], ...] = ()


@dataclass(frozen=True)
class Format:
    name: str
    family: str
    render: Callable[[Doc], Rendered]


# --- text layouts ----------------------------------------------------------------------


def text_with_tabs(doc: Doc) -> str:
    """Paragraphs with blank lines between; tables as a range pasted from a sheet."""
    parts = []
    for block in doc.blocks:
        if isinstance(block, Para):
            parts.append(block.text)
        else:
            parts.append("\n".join("\t".join(cell_text(c) for c in row) for row in block.rows))
    return "\n\n".join(parts) + "\n"


def text_aligned(doc: Doc) -> str:
    """A printed report: tables as columns aligned with spaces."""
    parts = []
    for block in doc.blocks:
        if isinstance(block, Para):
            parts.append(block.text)
            continue
        rows = [[cell_text(c) for c in row] for row in block.rows]
        widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(len(rows[0]))]
        parts.append("\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=False)).rstrip()
                               for r in rows))
    return "\n\n".join(parts) + "\n"


def sheet_rows(doc: Doc, native: bool = True) -> list[list[Cell]]:
    """All blocks as rows of one sheet: a paragraph is a one-cell row."""
    rows: list[list[Cell]] = []
    for block in doc.blocks:
        if isinstance(block, Para):
            rows.append([block.text])
        else:
            rows.extend([c if native else cell_text(c) for c in row] for row in block.rows)
    return rows


def html_document(doc: Doc) -> str:
    parts = [f"<html><head><meta charset='utf-8'><title>{html.escape(doc.subject)}</title>"
             "<style>td{border:1px solid #999}</style></head><body>"]
    for block in doc.blocks:
        if isinstance(block, Para):
            parts.append(f"<p>{html.escape(block.text)}</p>")
        else:
            head, *body = block.rows
            parts.append("<table><thead><tr>" + "".join(f"<th>{html.escape(cell_text(c))}</th>"
                                                         for c in head) + "</tr></thead><tbody>")
            for row in body:
                parts.append("<tr>" + "".join(f"<td>{html.escape(cell_text(c))}</td>"
                                              for c in row) + "</tr>")
            parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


# --- bodies ----------------------------------------------------------------------------


def body_text(doc: Doc) -> Rendered:
    return Rendered(body_text=text_with_tabs(doc))


def body_html(doc: Doc) -> Rendered:
    return Rendered(body_html=html_document(doc))


def _attached(name: str, ctype: str, data: bytes) -> Rendered:
    return Rendered(body_text=ATTACHED_BODY, attachments=((name, ctype, data),))


# --- delimited and plain text ----------------------------------------------------------


def txt_file(doc: Doc) -> Rendered:
    return _attached(f"{doc.stem}.txt", "text/plain", text_aligned(doc).encode("utf-8"))


def _delimited(doc: Doc, delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in sheet_rows(doc, native=False):
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def csv_file(doc: Doc) -> Rendered:
    return _attached(f"{doc.stem}.csv", "text/csv", _delimited(doc, ","))


def tsv_file(doc: Doc) -> Rendered:
    return _attached(f"{doc.stem}.tsv", "text/tab-separated-values", _delimited(doc, "\t"))


# --- spreadsheets ----------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(doc: Doc) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    for row in sheet_rows(doc):
        sheet.append(row)
    for column in sheet.iter_cols():  # dates shown as a person typed them
        for cell in column:
            if isinstance(cell.value, dt.date):
                cell.number_format = "mm/dd/yyyy"
    return _save(book)


def xlsx_file(doc: Doc) -> Rendered:
    return _attached(f"{doc.stem}.xlsx", XLSX_TYPE, xlsx_bytes(doc))


def xls_file(doc: Doc) -> Rendered:
    rows = [[cell_text(c) if isinstance(c, dt.date) else c for c in row] for row in sheet_rows(doc)]
    return _attached(f"{doc.stem}.xls", "application/vnd.ms-excel", xls_bytes({"Sheet1": rows}))


def ods_file(doc: Doc) -> Rendered:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Sheet1")
    for values in sheet_rows(doc):
        row = TableRow()
        for value in values:
            if isinstance(value, int):
                cell = TableCell(valuetype="float", value=value)
            elif isinstance(value, dt.date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=cell_text(value)))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    return _attached(f"{doc.stem}.ods", "application/vnd.oasis.opendocument.spreadsheet",
                     _odf(document))


# --- word processing -------------------------------------------------------------------

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@lru_cache(maxsize=64)
def docx_bytes(doc: Doc) -> bytes:
    import docx

    document = docx.Document()
    for block in doc.blocks:
        if isinstance(block, Para):
            document.add_paragraph(block.text)
            continue
        table = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
        for row, values in zip(table.rows, block.rows, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = cell_text(value)
    document.sections[0].footer.paragraphs[0].text = "Cedar Hollow School District"
    return _save(document)


def docx_file(doc: Doc) -> Rendered:
    return _attached(f"{doc.stem}.docx", DOCX_TYPE, docx_bytes(doc))


def odt_file(doc: Doc) -> Rendered:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for block in doc.blocks:
        if isinstance(block, Para):
            document.text.addElement(P(text=block.text))
        else:
            document.text.addElement(_odf_table(block, "Table"))
    return _attached(f"{doc.stem}.odt", "application/vnd.oasis.opendocument.text", _odf(document))


def rtf_file(doc: Doc) -> Rendered:
    parts = [r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}\f0\fs20 "]
    for block in doc.blocks:
        if isinstance(block, Para):
            parts.append(_rtf_escape(block.text) + r"\par" + "\n")
            continue
        for row in block.rows:
            cells = "".join(rf"\cellx{1800 * (i + 1)}" for i in range(len(row)))
            parts.append(r"\trowd" + cells + " " + "".join(
                r"\pard\intbl " + _rtf_escape(cell_text(c)) + r"\cell " for c in row) + r"\row" + "\n")
        parts.append(r"\pard\par" + "\n")
    parts.append("}")
    return _attached(f"{doc.stem}.rtf", "application/rtf", "".join(parts).encode("ascii"))


def _rtf_escape(text: str) -> str:
    out = []
    for char in text:
        if char in "\\{}":
            out.append("\\" + char)
        elif ord(char) < 128:
            out.append(char)
        else:
            code = ord(char)
            out.append(rf"\u{code if code < 32768 else code - 65536}?")
    return "".join(out)


def html_file(doc: Doc) -> Rendered:
    return _attached(f"{doc.stem}.html", "text/html", html_document(doc).encode("utf-8"))


# --- PDF -------------------------------------------------------------------------------

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def pdf_bytes(doc: Doc) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    fonts = None if _latin1_only(doc) else next(
        (d for d in FONT_DIRS if (d / "DejaVuSans-Bold.ttf").exists()), None)
    if fonts is not None:  # a Unicode font, so evasions (zero-width characters) survive
        pdf.add_font("body", fname=str(fonts / "DejaVuSans.ttf"))
        pdf.add_font("body", style="B", fname=str(fonts / "DejaVuSans-Bold.ttf"))
        pdf.set_font("body", size=10)
        fix = _pdf_text
    else:  # core fonts are Latin-1 only (a document that needs more, on a machine
        # without DejaVu, loses its invisible characters: NFKC, then Latin-1)
        pdf.set_font("helvetica", size=10)
        fix = _latin1
    for block in doc.blocks:
        if isinstance(block, Para):
            pdf.multi_cell(0, 6, fix(block.text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            continue
        with pdf.table(first_row_as_headings=True, line_height=6) as table:
            for row in block.rows:
                table.row([fix(cell_text(c)) for c in row])
        pdf.ln(2)
    return bytes(pdf.output())


def _latin1_only(doc: Doc) -> bool:
    """Whether the core fonts can show every character (they load much faster)."""
    texts = doc.paragraphs + [cell_text(c) for g in doc.grids for row in g.rows for c in row]
    return all(t == t.encode("latin-1", "ignore").decode("latin-1") for t in texts)


def _pdf_text(text: str) -> str:
    """DejaVu has no full-width digits (no font here has): those become ASCII."""
    return text.translate(_FULLWIDTH_TO_ASCII)


_FULLWIDTH_TO_ASCII = {0xFF10 + d: ord("0") + d for d in range(10)}


def _latin1(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", text).encode("latin-1", "ignore").decode("latin-1")


def pdf_file(doc: Doc) -> Rendered:
    return _attached(f"{doc.stem}.pdf", "application/pdf", pdf_bytes(doc))


# --- presentations ---------------------------------------------------------------------


def pptx_file(doc: Doc) -> Rendered:
    """Slide 1: title and first paragraph, other paragraphs in its speaker
    notes; each table on a slide of its own."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    deck = Presentation()
    paragraphs = doc.paragraphs
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = doc.subject
    first.placeholders[1].text_frame.text = paragraphs[0] if paragraphs else ""
    if len(paragraphs) > 1:
        first.notes_slide.notes_text_frame.text = "\n".join(paragraphs[1:])
    for grid in doc.grids:
        slide = deck.slides.add_slide(deck.slide_layouts[6])
        rows, cols = len(grid.rows), len(grid.rows[0])
        shape = slide.shapes.add_table(rows, cols, Inches(0.3), Inches(0.3), Inches(9.4),
                                       Inches(0.25 * rows))
        for r, row in enumerate(grid.rows):
            for c, value in enumerate(row):
                cell = shape.table.cell(r, c)
                cell.text = cell_text(value)
                for run in cell.text_frame.paragraphs[0].runs:
                    run.font.size = Pt(9)
    return _attached(f"{doc.stem}.pptx",
                     "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                     _save(deck))


def odp_file(doc: Doc) -> Rendered:
    """Like the PPTX: a title page with notes, one page per table."""
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import Notes
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    document = OpenDocumentPresentation()
    layout = PageLayout(name="layout")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="master", pagelayoutname=layout)
    document.masterstyles.addElement(master)

    def text_frame(lines: list[str]) -> Frame:
        frame = Frame(width="24cm", height="4cm", x="1cm", y="1cm")
        box = TextBox()
        for line in lines:
            box.addElement(P(text=line))
        frame.addElement(box)
        return frame

    paragraphs = doc.paragraphs
    page = Page(masterpagename=master, name="page1")
    page.addElement(text_frame([doc.subject] + paragraphs[:1]))
    if len(paragraphs) > 1:
        notes = Notes()
        notes.addElement(text_frame(paragraphs[1:]))
        page.addElement(notes)
    document.presentation.addElement(page)
    for number, grid in enumerate(doc.grids, start=2):
        page = Page(masterpagename=master, name=f"page{number}")
        frame = Frame(width="24cm", height="15cm", x="1cm", y="1cm")
        frame.addElement(_odf_table(grid, f"Table{number}"))
        page.addElement(frame)
        document.presentation.addElement(page)
    return _attached(f"{doc.stem}.odp", "application/vnd.oasis.opendocument.presentation",
                     _odf(document))


# --- nested ----------------------------------------------------------------------------


def eml_file(doc: Doc) -> Rendered:
    """A forwarded message (.eml) whose body holds the text and whose own
    attachment (an .xlsx) holds the tables."""
    inner = EmailMessage()
    inner["From"] = "office@district.example.org"
    inner["To"] = "teacher@district.example.org"
    inner["Subject"] = doc.subject
    inner.set_content("\n\n".join(doc.paragraphs) + "\n")
    if doc.grids:
        tables = Doc(doc.shape, doc.stem, doc.subject, tuple(doc.grids), doc.students,
                     doc.sensitive, doc.note)
        maintype, subtype = XLSX_TYPE.split("/")
        inner.add_attachment(xlsx_bytes(tables), maintype=maintype, subtype=subtype,
                             filename=f"{doc.stem}.xlsx")
    return Rendered(body_text="Forwarding this, see the attached message.",
                    attachments=(("Fwd.eml", "message/rfc822", bytes(inner)),))


def zip_file(doc: Doc) -> Rendered:
    """A ZIP holding a README and a ZIP that holds the DOCX."""
    inner = _zip({f"{doc.stem}.docx": docx_bytes(doc)})
    outer = _zip({"README.txt": b"Shared folder export.\r\n", "shared/files.zip": inner})
    return _attached("shared_folder.zip", "application/zip", outer)


# --- helpers ---------------------------------------------------------------------------


def _save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _odf(document) -> bytes:
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def _odf_table(grid: Grid, name: str):
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    table = Table(name=name)
    table.addElement(TableColumn(numbercolumnsrepeated=len(grid.rows[0])))
    for values in grid.rows:
        row = TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=cell_text(value)))
            row.addElement(cell)
        table.addElement(row)
    return table


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


FORMATS: tuple[Format, ...] = (
    Format("body", "message", body_text),
    Format("body-html", "message", body_html),
    Format("eml", "message", eml_file),
    Format("csv", "spreadsheet", csv_file),
    Format("tsv", "spreadsheet", tsv_file),
    Format("xlsx", "spreadsheet", xlsx_file),
    Format("xls", "spreadsheet", xls_file),
    Format("ods", "spreadsheet", ods_file),
    Format("docx", "document", docx_file),
    Format("odt", "document", odt_file),
    Format("rtf", "document", rtf_file),
    Format("pdf", "document", pdf_file),
    Format("html", "document", html_file),
    Format("txt", "document", txt_file),
    Format("pptx", "slides", pptx_file),
    Format("odp", "slides", odp_file),
    Format("zip", "archive", zip_file),
)
FAMILIES = ("message", "spreadsheet", "document", "slides", "archive", "html-body", "image")

# HTML bodies and pictures (formats_more.py imports the helpers above).
from .formats_more import (  # noqa: E402
    alternative_stub,
    docx_with_picture,
    fax_file,
    inline_image,
    pasted_from_excel,
    photo_file,
    scan_file,
    screenshot_file,
    split_tags,
)

FORMATS += (
    Format("html-alt", "html-body", alternative_stub),
    Format("html-split", "html-body", split_tags),
    Format("html-pasted", "html-body", pasted_from_excel),
    Format("png", "image", screenshot_file),
    Format("photo", "image", photo_file),
    Format("scan-pdf", "image", scan_file),
    Format("fax", "image", fax_file),
    Format("inline", "image", inline_image),
    Format("docx-image", "image", docx_with_picture),
)
