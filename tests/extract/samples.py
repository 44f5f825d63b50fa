"""Real files of every format, built with the libraries that write them.

All content is invented: "Maria Garcia" and friends, 10-digit student IDs
that belong to nobody. Each builder returns the file's bytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
from email.message import EmailMessage

# Real-world odd files collected by other projects; read in place, never copied.
from corpora_path import CORPORA  # noqa: F401  (one place says where the corpora are)

ROSTER = [
    ["Maria Garcia", "6712345612", "7"],
    ["James Smith", "6712345613", "8"],
    ["Olivia Nguyen", "6712345614", "7"],
]
HEADER = ["Student", "Student ID", "Grade"]


def texts(extraction) -> dict[str, str]:
    return {segment.source: segment.text for segment in extraction.segments}


def tables(extraction) -> dict[str, list[list[str]]]:
    return {table.source: table.rows for table in extraction.tables}


def reasons(extraction) -> dict[str, str]:
    return {problem.name: problem.reason for problem in extraction.problems}


def xlsx_roster() -> bytes:
    """Title on row 1, blank row 2, header on row 3; a hidden second sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Roster"
    sheet.append(["Section 504 plans - spring"])
    sheet.append([])
    sheet.append(HEADER)
    for name, student_id, grade in ROSTER:
        sheet.append([name, int(student_id), int(grade)])
    hidden = workbook.create_sheet("Notes")
    hidden.append(["Counselor", "Pat Doe"])
    hidden.sheet_state = "hidden"
    return _save(workbook)


def xlsx_rows(count: int, columns: int = 6) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    sheet.append([f"Column {c}" for c in range(columns)])
    for r in range(count):
        sheet.append([f"Student {r}", 6700000000 + r] + [f"value {r}-{c}" for c in range(columns - 2)])
    return _save(workbook)


def _save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_plan() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Accommodation plan", level=1)
    document.add_paragraph("Meeting for Maria Garcia on Tuesday.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Student"
    table.rows[0].cells[1].text = "Student ID"
    for name, student_id, _ in ROSTER:
        cells = table.add_row().cells
        cells[0].text = name
        cells[1].text = student_id
    document.add_paragraph("Please keep this confidential.")
    section = document.sections[0]
    section.header.paragraphs[0].text = "Header: Lincoln Middle School"
    section.footer.paragraphs[0].text = "Footer: page one"
    return _save(document)


def docx_words(paragraphs: int) -> bytes:
    import docx

    document = docx.Document()
    words = "the plan for the student meeting covers reading support and testing time".split()
    for index in range(paragraphs):
        document.add_paragraph(" ".join(words[(index + k) % len(words)] for k in range(40)))
    return _save(document)


def pptx_deck() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Reading group"
    shape = slide.shapes.add_table(len(ROSTER) + 1, 2, Inches(1), Inches(2), Inches(6), Inches(2))
    shape.table.cell(0, 0).text = "Student"
    shape.table.cell(0, 1).text = "Student ID"
    for row, (name, student_id, _) in enumerate(ROSTER, start=1):
        shape.table.cell(row, 0).text = name
        shape.table.cell(row, 1).text = student_id
    slide.notes_slide.notes_text_frame.text = "Remind Olivia Nguyen about the quiz."
    second = deck.slides.add_slide(deck.slide_layouts[6])
    group = second.shapes.add_group_shape()
    box = group.shapes.add_textbox(Inches(1), Inches(1), Inches(3), Inches(1))
    box.text_frame.text = "Grouped note for James Smith"
    return _save(deck)


def _odf(document) -> bytes:
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def odt_letter() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.style import Footer, MasterPage, PageLayout
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentText()
    layout = PageLayout(name="pm1")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    footer = Footer()
    footer.addElement(P(text="Footer: counseling office"))
    master.addElement(footer)
    document.masterstyles.addElement(master)
    document.text.addElement(P(text="Letter about Maria Garcia"))
    table = Table(name="Roster")
    for row_values in [HEADER[:2]] + [r[:2] for r in ROSTER]:
        row = TableRow()
        for value in row_values:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    return _odf(document)


def odp_deck() -> bytes:
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
    page = Page(masterpagename=master)
    frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
    box = TextBox()
    box.addElement(P(text="Slide about James Smith"))
    frame.addElement(box)
    page.addElement(frame)
    notes = Notes()
    notes_frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
    notes_box = TextBox()
    notes_box.addElement(P(text="Speaker note 6712345613"))
    notes_frame.addElement(notes_box)
    notes.addElement(notes_frame)
    page.addElement(notes)
    document.presentation.addElement(page)
    return _odf(document)


def ods_roster() -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Roster")
    for row_values in [HEADER] + ROSTER:
        row = TableRow()
        for value in row_values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    return _odf(document)


def pdf_pages(pages: int = 2, lines_per_page: int = 3) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(0, 8, f"Page {number}: progress report for Maria Garcia", new_x="LMARGIN", new_y="NEXT")
        for line in range(lines_per_page):
            pdf.cell(0, 6, f"Line {line}: student 67123456{line:02d} reads at grade level.",
                     new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_encrypted(user_password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_pages(1))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_form(fields: dict[str, str]) -> bytes:
    """A one-page PDF with filled-in text fields (an AcroForm, as a fillable
    IEP form has): the values are not part of the page text."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_pages(1, lines_per_page=0))))
    page = writer.pages[0]
    references = []
    for index, (name, value) in enumerate(fields.items()):
        top = 600 - 30 * index
        field = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject(name),
            NameObject("/V"): TextStringObject(value), NameObject("/F"): NumberObject(4),
            NameObject("/Rect"): ArrayObject([FloatObject(50), FloatObject(top), FloatObject(300),
                                              FloatObject(top + 20)]),
        })
        field[NameObject("/P")] = page.indirect_reference
        references.append(writer._add_object(field))
    page[NameObject("/Annots")] = ArrayObject(references)
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(references)})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def rtf_note() -> bytes:
    return (rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}"
            rb"\f0\fs20 Note about Mar\'eda Garcia\par Student ID 6712345612\par}")


def html_page() -> bytes:
    return (b"<html><head><title>Roster</title><style>td{color:red}</style>"
            b"<script>var secret='not text';</script></head><body>"
            b"<h1>Reading group</h1><p>Dear families,<br>see below.</p>"
            b"<table><tr><th>Student</th><th>Student ID</th></tr>"
            b"<tr><td>Maria Garcia</td><td>6712345612</td></tr>"
            b"<tr><td>James Smith</td><td>6712345613</td></tr></table></body></html>")


def csv_roster(delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    lines = [delimiter.join(HEADER)] + [delimiter.join(r) for r in ROSTER]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def eml(subject: str, body: str, attachments: list[tuple[str, str, bytes]] = (),
        messages: list[bytes] = (), html: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "teacher@district.example"
    message["To"] = "parent@example.org"
    message["Subject"] = subject
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, ctype, data in attachments:
        maintype, subtype = ctype.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    for raw in messages:
        from email import message_from_bytes, policy

        message.add_attachment(message_from_bytes(raw, policy=policy.default))
    return bytes(message)


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_with_encrypted_member(name: str, data: bytes) -> bytes:
    """A ZIP whose member is flagged as encrypted (zipfile cannot write real
    ZipCrypto; the flag is what readers go by)."""
    raw = bytearray(zip_of({name: data}, zipfile.ZIP_STORED))
    raw[6] |= 0x01  # local file header: general purpose flags
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 8] |= 0x01  # central directory entry: flags
    return bytes(raw)


def encrypted_ooxml(plain: bytes) -> bytes:
    """An Office file saved with "Encrypt with password" (OLE2 + EncryptionInfo)."""
    import msoffcrypto.format.ooxml as ooxml

    out = io.BytesIO()
    ooxml.OOXMLFile(io.BytesIO(plain)).encrypt("secret", out)
    return out.getvalue()


def encrypted_odt() -> bytes:
    """An ODF package whose manifest says the content is encrypted."""
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                b'<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
                b'</manifest:encryption-data></manifest:file-entry></manifest:manifest>')
    return zip_of({"mimetype": b"application/vnd.oasis.opendocument.text",
                   "META-INF/manifest.xml": manifest, "content.xml": bytes(range(256)) * 8})


def xls_biff2(rows: list[list[str]]) -> bytes:
    """A bare Excel 2.1 (BIFF2) worksheet: BOF, LABEL records, EOF. xlwt is
    not available, and this is the smallest .xls real Excel still opens."""
    def record(kind: int, body: bytes) -> bytes:
        return struct.pack("<HH", kind, len(body)) + body

    out = [record(0x0009, struct.pack("<HH", 0x0002, 0x0010))]  # BOF: BIFF2 worksheet
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text = value.encode("latin-1")
            out.append(record(0x0004, struct.pack("<HH3sB", r, c, b"\0\0\0", len(text)) + text))
    out.append(record(0x000A, b""))  # EOF
    return b"".join(out)


BILLION_LAUGHS_DTD = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
              for i in range(1, 10))
    + "]>"
)


def with_entity_bomb(xml: bytes) -> bytes:
    """The same XML part with a billion-laughs DTD, referenced right inside
    the root element."""
    import re

    declaration_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    head, body = xml[:declaration_end], xml[declaration_end:]
    root_tag = re.search(rb"<[A-Za-z][^>]*>", body)
    body = body[:root_tag.end()] + b"&lol9;" + body[root_tag.end():]
    return head + BILLION_LAUGHS_DTD.encode() + body


def replace_zip_member(archive: bytes, name: str, transform) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(archive))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, transform(data) if info.filename == name else data)
    return buffer.getvalue()


def tiny_png(fmt: str = "PNG") -> bytes:
    """An 8x8 icon: a real picture, too small to hold text (never sent to OCR)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()
