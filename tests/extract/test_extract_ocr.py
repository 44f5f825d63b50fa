"""Pictures and scans read with OCR (Tesseract through tesserocr), in the
isolated workers, under their own limits. Synthetic pictures drawn with
Pillow (tests/corpus/images.py); no picture holds a real person."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from corpus.documents import Doc, Grid, Para
from corpus.images import (
    SCAN_200,
    fax_tiff,
    flyer_photo_jpeg,
    phone_photo_jpeg,
    render_pages,
    scanned_pdf,
    screenshot_png,
    signature_logo_png,
)
from extract.samples import reasons, texts
from PIL import Image

from safesend.extract import ExtractLimits, extract_attachments
from safesend.extract.images import looks_like_text, prepare

pytestmark = pytest.mark.usefixtures("ocr_engine")

LIST = Doc("list", "list", "Reading group", (
    Para("Reading group list"),
    Grid((("Student ID", "Last Name", "First Name"),
          ("74623280", "Dunmore", "Nathan"),
          ("51686155", "Ferreira", "Lucia"),
          ("47771076", "Tremblay", "Harper"))),
), 3, 0, "three students")


def one_page(text: str) -> Doc:
    return Doc("page", "page", "Page", (Para(text),), 0, 0, "one paragraph")


def words(extraction) -> str:
    return " ".join(texts(extraction).values())


def test_a_screenshot_is_read_with_its_table_rows_as_tab_separated_lines(extract):
    result = extract("list.png", screenshot_png(LIST))
    assert result.problems == []
    text = texts(result)["list.png"]
    assert "Reading group list" in text
    rows = [line.split("\t") for line in text.splitlines() if "\t" in line]
    assert ["74623280", "Dunmore", "Nathan"] in rows  # cells stay cells


def test_a_phone_photo_of_a_printout_is_read(extract):
    result = extract("IMG_2041.jpg", phone_photo_jpeg(LIST))
    assert result.problems == []
    found = {"Dunmore", "Ferreira", "Tremblay", "74623280", "51686155"} & set(words(result).split())
    assert len(found) >= 4, found  # a photo may lose a word; the detectors need most of them


def test_every_page_of_a_group_4_fax_is_read(extract):
    pages = [render_pages(one_page(f"Fax page {n} for Harper Tremblay"), SCAN_200)[0]
             .point(lambda v: 255 if v > 150 else 0).convert("1") for n in range(1, 4)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", compression="group4", save_all=True, append_images=pages[1:])
    result = extract("fax.tif", buffer.getvalue())
    assert result.problems == []
    found = texts(result)
    assert sorted(found) == ["fax.tif › page 1", "fax.tif › page 2", "fax.tif › page 3"]
    assert "Fax page 2 for Harper Tremblay" in found["fax.tif › page 2"]


def test_the_corpus_fax_is_group_4():
    image = Image.open(io.BytesIO(fax_tiff(LIST)))
    assert image.info.get("compression") == "group4" and image.mode == "1"


def test_scanned_pdf_pages_without_a_text_layer_are_rendered_and_read(extract):
    result = extract("Scan_0012.pdf", scanned_pdf(LIST))
    assert result.problems == []
    assert "Ferreira" in texts(result)["Scan_0012.pdf › page 1"]


def test_a_budget_that_ends_early_says_how_many_pages_were_checked(extract):
    pages = [render_pages(one_page(f"Page {n} of the scanned plan"), SCAN_200)[0]
             for n in range(1, 10)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", compression="tiff_lzw", save_all=True, append_images=pages[1:])
    result = extract("plan.tif", buffer.getvalue(), ocr_max_pages=2)
    assert reasons(result) == {
        "plan.tif": "2 of 9 pages checked (the page limit for reading pictures was reached)"}
    assert len(texts(result)) == 2


def test_the_time_limit_for_ocr_stops_reading_and_says_so(extract):
    pages = [render_pages(one_page(f"Page {n} " + "words on a page " * 30), SCAN_200)[0]
             for n in range(1, 10)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", compression="tiff_lzw", save_all=True, append_images=pages[1:])
    result = extract("long.tif", buffer.getvalue(), ocr_time_seconds=0.3)
    (reason,) = reasons(result).values()
    checked = int(reason.split(" of ")[0])
    assert checked < 9 and reason.endswith(
        "of 9 pages checked (the time limit for reading pictures was reached)")


def test_pictures_inside_word_files_are_read(extract):
    import docx
    from docx.shared import Inches

    document = docx.Document()
    document.add_paragraph("See below.")
    document.add_picture(io.BytesIO(screenshot_png(LIST)), width=Inches(6))
    buffer = io.BytesIO()
    document.save(buffer)
    result = extract("notes.docx", buffer.getvalue())
    assert result.problems == []
    assert any(source.startswith("notes.docx › image") and "Tremblay" in text
               for source, text in texts(result).items())


def test_logos_and_photos_without_text_cost_next_to_nothing_and_say_nothing():
    logo = Image.open(io.BytesIO(signature_logo_png()))
    photo = Image.open(io.BytesIO(flyer_photo_jpeg()))
    started = time.perf_counter()
    assert prepare(logo) is None and prepare(photo) is None  # never sent to Tesseract
    assert time.perf_counter() - started < 1.0  # generous: the bench measures ~ms
    page = Image.open(io.BytesIO(screenshot_png(LIST))).convert("L")
    assert looks_like_text(page)
    result = extract_attachments([("logo.png", "image/png", signature_logo_png()),
                                  ("bake_sale.jpg", "image/jpeg", flyer_photo_jpeg())],
                                 ExtractLimits())
    assert result.problems == [] and result.segments == [] and result.files_scanned == 2


def test_ocr_off_leaves_pictures_unread_and_unreported(extract):
    result = extract("list.png", screenshot_png(LIST), ocr=False)
    assert result.problems == [] and result.segments == [] and result.files_scanned == 1


def test_a_picture_over_the_pixel_limit_is_reported(extract):
    buffer = io.BytesIO()
    Image.new("1", (4000, 4000), 1).save(buffer, "PNG")
    result = extract("poster.png", buffer.getvalue(), ocr_max_pixels=10_000_000)
    assert reasons(result) == {
        "poster.png": "the picture is too large to read (16 megapixels; the limit is 10)"}


def test_damaged_pictures_are_reported_not_crashed(extract):
    good = screenshot_png(LIST)
    result = extract("cut.png", good[: len(good) // 2])
    assert reasons(result) == {"cut.png": "it is damaged or not a valid image"}


def test_missing_language_data_is_reported_as_ocr_unavailable(monkeypatch, tmp_path):
    """make demo on a machine without tesseract-ocr-eng: a reason, not a crash."""
    from safesend.extract import ocr

    monkeypatch.setenv(ocr.TESSDATA_ENV, str(tmp_path))  # no .traineddata there
    monkeypatch.setattr(ocr, "_TESSDATA_DIRS", ())
    monkeypatch.setattr(ocr, "_ENGINES", {})
    result = extract_attachments([("list.png", "image/png", screenshot_png(LIST))],
                                 ExtractLimits(isolate=False))
    assert [(p.name, p.reason) for p in result.problems] == [("list.png", ocr.UNAVAILABLE)]


FIXTURES = Path(__file__).parent / "fixtures"


def test_a_heic_phone_photo_is_read(extract):
    """An iPhone's own format: LIST photographed (corpus.images.phone_photo_jpeg),
    saved as HEIC once with pillow-heif's encoder (the service only decodes)."""
    result = extract("IMG_0001.HEIC", (FIXTURES / "reading_group_photo.heic").read_bytes())
    assert result.problems == []
    found = {"Dunmore", "Ferreira", "Tremblay", "74623280", "51686155"} & set(words(result).split())
    assert len(found) >= 4, found


def test_a_damaged_heic_photo_is_reported_not_passed_silently(extract):
    heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(200)
    result = extract("IMG_0001.HEIC", heic)
    assert reasons(result) == {"IMG_0001.HEIC": "it is damaged or not a valid image"}


def test_an_avif_picture_is_read(extract):
    image = Image.open(io.BytesIO(screenshot_png(LIST)))
    avif = io.BytesIO()
    image.save(avif, format="AVIF", quality=90)
    result = extract("list.avif", avif.getvalue())
    assert result.problems == []
    assert {"Dunmore", "74623280"} <= set(words(result).split())


def test_ocr_policy_settings_reach_the_extractor():
    from safesend.content import extract_limits
    from safesend.policy import PolicyError, parse_policy

    policy = parse_policy({"limits": {"ocr": False, "ocr_max_pages": 3, "ocr_languages": "eng+spa",
                                      "ocr_max_pixels": 1_000_000, "ocr_time_seconds": 2}})
    limits = extract_limits(policy)
    assert (limits.ocr, limits.ocr_max_pages, limits.ocr_languages, limits.ocr_max_pixels,
            limits.ocr_time_seconds) == (False, 3, "eng+spa", 1_000_000, 2)
    with pytest.raises(PolicyError):
        parse_policy({"limits": {"ocr_languages": "eng; rm -rf /"}})
