"""One real file per format: the text and table rows come out right."""

from __future__ import annotations

import pytest
from extract import samples
from extract.samples import CORPORA, HEADER, ROSTER, reasons, tables, texts

from safesend.extract import ExtractLimits, extract_attachments

ROSTER_ROWS = [HEADER] + ROSTER


def test_xlsx_keeps_every_row_in_order_with_the_header_on_row_3(extract):
    result = extract("roster.xlsx", samples.xlsx_roster())
    assert result.problems == []
    rows = tables(result)["roster.xlsx › Roster"]
    assert rows[0] == ["Section 504 plans - spring"]
    assert rows[1] == HEADER
    assert rows[2:] == ROSTER  # numbers come back as the digits the sender typed
    assert tables(result)["roster.xlsx › Notes (hidden)"] == [["Counselor", "Pat Doe"]]
    assert result.files_scanned == 1


def test_docx_paragraphs_table_header_and_footer(extract):
    result = extract("plan.docx", samples.docx_plan())
    assert result.problems == []
    body = texts(result)["plan.docx"]
    assert "Meeting for Maria Garcia on Tuesday." in body
    assert body.index("Accommodation plan") < body.index("confidential")
    assert tables(result)["plan.docx › table 1"] == [row[:2] for row in ROSTER_ROWS]
    assert "Lincoln Middle School" in texts(result)["plan.docx › header"]
    assert "page one" in texts(result)["plan.docx › footer"]


def test_pptx_slides_tables_notes_and_groups(extract):
    result = extract("deck.pptx", samples.pptx_deck())
    assert result.problems == []
    found = texts(result)
    assert "Reading group" in found["deck.pptx › slide 1"]
    assert found["deck.pptx › slide 1 notes"] == "Remind Olivia Nguyen about the quiz."
    assert "Grouped note for James Smith" in found["deck.pptx › slide 2"]
    assert tables(result)["deck.pptx › slide 1 table 1"] == [row[:2] for row in ROSTER_ROWS]


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            target.writestr(info, content if info.filename == name else source.read(info))
    return buffer.getvalue()


def test_docx_and_pptx_parse_only_the_parts_that_hold_text(extract):
    """A part without text (styles, a slide layout) that is not even XML does not
    stop the reading: only the document, its stories, the slides and their notes
    are parsed (python-docx and python-pptx parsed every part, and refused these)."""
    docx = _replace_part(samples.docx_plan(), "word/styles.xml", b"<w:styles><not xml")
    result = extract("plan.docx", docx)
    assert result.problems == []
    assert "Meeting for Maria Garcia on Tuesday." in texts(result)["plan.docx"]
    assert tables(result)["plan.docx › table 1"] == [row[:2] for row in ROSTER_ROWS]
    assert "Lincoln Middle School" in texts(result)["plan.docx › header"]
    pptx = _replace_part(samples.pptx_deck(), "ppt/slideLayouts/slideLayout6.xml", b"<p:sldLayout")
    result = extract("deck.pptx", pptx)
    assert result.problems == []
    assert texts(result)["deck.pptx › slide 1 notes"] == "Remind Olivia Nguyen about the quiz."
    assert tables(result)["deck.pptx › slide 1 table 1"] == [row[:2] for row in ROSTER_ROWS]


def test_pptx_slides_in_show_order_with_line_breaks_and_fields(extract):
    """Slides come in the order of the show (not of their part names), a soft
    line break is a new line, a field's text (slide number, date) is read."""
    from lxml import etree
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for title in ("First slide", "Second slide"):
        deck.slides.add_slide(deck.slide_layouts[5]).shapes.title.text = title
    box = deck.slides[0].shapes.add_textbox(Inches(1), Inches(2), Inches(4), Inches(1))
    paragraph = box.text_frame.paragraphs[0]
    paragraph.text = "Maria\vGarcia"  # "\v": a line break (a:br) inside the paragraph
    drawing = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    field = etree.SubElement(paragraph._p, drawing + "fld", id="{1}", type="slidenum")
    etree.SubElement(field, drawing + "t").text = "6712345612"  # a field with its shown text
    order = deck.slides._sldIdLst
    order.insert(0, order[1])  # the second slide made first
    buffer = __import__("io").BytesIO()
    deck.save(buffer)
    found = texts(extract("deck.pptx", buffer.getvalue()))
    assert found["deck.pptx › slide 1"] == "Second slide"
    assert found["deck.pptx › slide 2"] == "First slide\nMaria\nGarcia6712345612"


def test_odt_text_table_and_footer(extract):
    result = extract("letter.odt", samples.odt_letter())
    assert result.problems == []
    assert "Letter about Maria Garcia" in texts(result)["letter.odt"]
    assert tables(result)["letter.odt › table 1"] == [row[:2] for row in ROSTER_ROWS]
    assert "counseling office" in texts(result)["letter.odt › header and footer"]


def test_odp_slide_and_notes(extract):
    result = extract("deck.odp", samples.odp_deck())
    assert result.problems == []
    assert texts(result)["deck.odp › slide 1"] == "Slide about James Smith"
    assert texts(result)["deck.odp › slide 1 notes"] == "Speaker note 6712345613"


def test_ods_rows(extract):
    result = extract("roster.ods", samples.ods_roster())
    assert result.problems == []
    assert tables(result)["roster.ods › Roster"] == ROSTER_ROWS


def test_pdf_text_per_page(extract):
    result = extract("report.pdf", samples.pdf_pages(pages=3))
    assert result.problems == []
    found = texts(result)
    assert sorted(found) == ["report.pdf › page 1", "report.pdf › page 2", "report.pdf › page 3"]
    assert "Page 2: progress report for Maria Garcia" in found["report.pdf › page 2"]
    assert "student 6712345601" in found["report.pdf › page 3"]


def test_pdf_form_field_values(extract):
    data = samples.pdf_form({"Student_Name": "Maria Garcia", "Student_ID": "6712345612", "Notes": ""})
    result = extract("iep.pdf", data)
    assert result.problems == []
    assert texts(result)["iep.pdf › form fields"] == "Student_Name: Maria Garcia\nStudent_ID: 6712345612"


def test_rtf_text_and_code_page(extract):
    result = extract("note.rtf", samples.rtf_note())
    assert result.problems == []
    assert texts(result)["note.rtf"] == "Note about María Garcia\nStudent ID 6712345612"


def test_html_attachment_text_and_table(extract):
    result = extract("roster.html", samples.html_page())
    assert result.problems == []
    text = texts(result)["roster.html"]
    assert "Dear families,\nsee below." in text
    assert "not text" not in text and "color" not in text
    assert tables(result)["roster.html"] == [
        ["Student", "Student ID"], ["Maria Garcia", "6712345612"], ["James Smith", "6712345613"]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_csv_dialect_and_encoding_are_sniffed(extract, delimiter, encoding):
    rows = [["Student", "Note"], ["Jos\u00e9 Mu\u00f1oz", "ni\u00f1o, 6712345612"],
            ["Ren\u00e9e Dupr\u00e9", "\u00e9l\u00e8ve"]]
    lines = [delimiter.join(f'"{c}"' if delimiter in c else c for c in row) for row in rows]
    data = "\r\n".join(lines).encode(encoding)
    result = extract("export.csv", data)
    assert result.problems == []
    assert tables(result)["export.csv"] == rows


def test_tsv_named_xls_is_read_as_a_table(extract):
    """Web apps export tab-separated text as "report.xls"."""
    data = samples.csv_roster("\t")
    assert tables(extract("report.xls", data))["report.xls"] == ROSTER_ROWS


def test_plain_text_and_calendar(extract):
    result = extract_attachments([
        ("notes.txt", "text/plain", "Call Maria Garcia – 6712345612\n".encode()),
        ("invite.ics", "text/calendar",
         b"BEGIN:VCALENDAR\r\nSUMMARY:IEP meeting James Smith\r\nEND:VCALENDAR\r\n"),
    ], ExtractLimits())
    assert result.problems == []
    assert texts(result)["notes.txt"] == "Call Maria Garcia – 6712345612"
    assert "IEP meeting James Smith" in texts(result)["invite.ics"]


def test_xls_biff2_generated(extract):
    result = extract("old.xls", samples.xls_biff2([["Student", "ID"], ["Maria Garcia", "6712345612"]]))
    assert result.problems == []
    assert list(tables(result).values()) == [[["Student", "ID"], ["Maria Garcia", "6712345612"]]]


def test_xls_biff8_from_the_corpora(extract):
    path = CORPORA / "tika" / "microsoft" / "testEXCEL.xls"
    if not path.exists():
        pytest.skip(f"corpora not found at {CORPORA}")
    result = extract("testEXCEL.xls", path.read_bytes())
    assert result.problems == []
    rows = tables(result)["testEXCEL.xls › Feuil1"]
    assert rows[0] == ["Sample Excel Worksheet - Numbers and their Squares"]
    assert ["", "Number", "Square"] in rows


def test_msg_from_the_corpora_with_attachments(extract):
    path = CORPORA / "poi" / "hsmf" / "attachment_test_msg.msg"
    if not path.exists():
        pytest.skip(f"corpora not found at {CORPORA}")
    result = extract("mail.msg", path.read_bytes())
    found = texts(result)
    assert found["mail.msg › subject"] == "test pi\u00e8ce jointe 1"
    assert found["mail.msg › body"] == "contenu\n\ncontenu"  # the text body, then the HTML body
    assert "\u00e9cole" in found["mail.msg › pj1.txt"]  # an attachment, read in turn
    assert "mail.msg › test-unicode.doc" in found  # a Word 97 attachment
    assert result.problems == []


def test_eml_subject_body_and_attachments(extract):
    message = samples.eml("Reading group", "Hello families,\nsee the list.",
                          attachments=[("list.csv", "text/csv", samples.csv_roster()),
                                       ("photo.png", "image/png", samples.tiny_png())],
                          html="<p>Hello <b>families</b></p>")
    result = extract("fwd.eml", message)
    assert result.problems == []
    found = texts(result)
    assert found["fwd.eml › subject"] == "Reading group"
    # every alternative is read: the text part, then the HTML part
    assert found["fwd.eml › body"] == "Hello families,\nsee the list.\n\nHello families"
    assert tables(result)["fwd.eml › list.csv"] == ROSTER_ROWS
    assert result.files_scanned == 3  # the message, the CSV, and the image (too small to hold text)


def test_nested_zip_inside_eml_inside_zip(extract):
    inner_zip = samples.zip_of({"a/roster.xlsx": samples.xlsx_roster()})
    inner_mail = samples.eml("Fwd: list", "See attached.",
                             attachments=[("docs.zip", "application/zip", inner_zip)])
    outer = samples.zip_of({"mail/fwd.eml": inner_mail})
    result = extract("bundle.zip", outer)
    assert result.problems == []
    source = "bundle.zip › mail/fwd.eml › docs.zip › a/roster.xlsx › Roster"
    assert tables(result)[source][1:] == ROSTER_ROWS
    assert texts(result)["bundle.zip › mail/fwd.eml › subject"] == "Fwd: list"


def test_message_rfc822_part_is_read_recursively(extract):
    inner = samples.eml("Original: 504 list", "Maria Garcia 6712345612")
    outer = samples.eml("Fwd", "see below", messages=[inner])
    result = extract("outer.eml", outer)
    assert result.problems == []
    found = texts(result)
    nested = [s for s in found if s.endswith("› body") and s != "outer.eml › body"]
    assert nested and "6712345612" in found[nested[0]]


def test_office_file_embedded_in_another_is_scanned(extract):
    docx = samples.replace_zip_member(samples.docx_plan(), "word/document.xml", lambda x: x)
    # Add the workbook where Word keeps embedded objects.
    import io
    import zipfile

    buffer = io.BytesIO(docx)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("word/embeddings/Microsoft_Excel_Worksheet.xlsx", samples.xlsx_roster())
    result = extract("plan.docx", buffer.getvalue())
    assert result.problems == []
    assert "plan.docx › Microsoft_Excel_Worksheet.xlsx › Roster" in tables(result)


def test_pictures_without_text_are_counted_and_not_unscannable(extract):
    result = extract_attachments([
        ("photo.jpg", "image/jpeg", samples.tiny_png("JPEG")),
        ("logo.gif", None, samples.tiny_png("GIF")),
    ], ExtractLimits())
    assert result.problems == [] and result.segments == [] and result.files_scanned == 2


def test_a_broken_picture_is_reported_as_damaged(extract):
    result = extract_attachments([("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 100)],
                                 ExtractLimits())
    assert [(p.name, p.reason) for p in result.problems] == [
        ("photo.jpg", "it is damaged or not a valid image")]


def test_unknown_binary_is_unscannable(extract):
    result = extract("data.bin", bytes(range(256)) * 4)
    assert reasons(result) == {"data.bin": "its format (unknown binary) cannot be read"}
    assert result.files_scanned == 0


def _corpus_file(*parts: str) -> bytes:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpora not found at {CORPORA}")
    return path.read_bytes()


def test_word_97_document_from_the_corpora(extract):
    result = extract("old.doc", _corpus_file("tika", "microsoft", "testWORD.doc"))
    assert result.problems == []
    found = texts(result)
    assert found["old.doc"].startswith("Sample Word Document Title\nAnd now for a subtitle")
    assert "This document includes text that is BOLD and ITALIC." in found["old.doc"]
    assert found["old.doc › headers, notes and comments"] == (
        "This is the header for our document\n\nThis is the footer for our document")


def test_word_97_comments_and_password(extract):
    commented = extract("c.doc", _corpus_file("tika", "microsoft", "testComment.doc"))
    assert "Here is a comment" in texts(commented)["c.doc › headers, notes and comments"]
    protected = _corpus_file("tika", "microsoft", "testWORD_protected_passtika.doc")
    assert reasons(extract("p.doc", protected)) == {"p.doc": "it is password-protected"}


def test_powerpoint_97_from_the_corpora(extract):
    result = extract("old.ppt", _corpus_file("tika", "microsoft", "testPPT.ppt"))
    assert result.problems == []
    assert texts(result)["old.ppt"].startswith("Sample Powerpoint Slide\nCreated with Microsoft")
    protected = _corpus_file("tika", "microsoft", "testPPT_protected_passtika.ppt")
    assert reasons(extract("p.ppt", protected)) == {"p.ppt": "it is password-protected"}


def test_in_process_and_isolated_give_the_same_result():
    files = [("roster.xlsx", None, samples.xlsx_roster()), ("plan.docx", None, samples.docx_plan()),
             ("report.pdf", None, samples.pdf_pages(2))]
    isolated = extract_attachments(files, ExtractLimits(isolate=True))
    in_process = extract_attachments(files, ExtractLimits(isolate=False))
    assert isolated == in_process
