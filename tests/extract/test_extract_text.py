"""html_to_text (also used for message bodies), type sniffing, decoding."""

from __future__ import annotations

import time

import pytest
from extract import samples

from safesend.extract import html_to_text
from safesend.extract.sniff import sniff
from safesend.extract.text import decode, guess_delimiter


def test_html_blocks_breaks_and_tables():
    html = ("<html><head><title>T</title><style>p {color: red}</style></head><body>"
            "<div>Dear families,</div><p>Line one<br>Line two</p>"
            "<table><tr><th>Student</th><th>ID</th></tr><tr><td>Maria Garcia</td><td>6712345612</td></tr>"
            "</table><script>alert('x')</script><p>Thanks&nbsp;&amp; regards</p></body></html>")
    assert html_to_text(html) == ("Dear families,\nLine one\nLine two\nStudent\tID\n"
                                  "Maria Garcia\t6712345612\nThanks & regards")


def test_outlook_style_body():
    html = ('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta charset="utf-8">'
            "<style><!-- p.MsoNormal {margin:0} --></style></head><body lang=EN-US>"
            '<div class=WordSection1><p class=MsoNormal>Hi team,<o:p></o:p></p>'
            "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
            "<p class=MsoNormal>The 504 list is attached.<o:p></o:p></p></div></body></html>")
    assert html_to_text(html) == "Hi team,\nThe 504 list is attached."


def test_html_whitespace_and_pre():
    assert html_to_text("<p>  a \n  b  </p><pre>x\n  y</pre>") == "a b\nx\ny"
    assert html_to_text("<tr><td></td><td>only second</td></tr>") == "only second"


def test_html_max_chars_and_empty():
    assert html_to_text("<p>" + "word " * 10_000 + "</p>", max_chars=50) == ("word " * 10)[:50].strip()
    assert html_to_text("") == "" and html_to_text("   ") == ""
    assert html_to_text("plain text, no tags") == "plain text, no tags"


@pytest.mark.parametrize("hostile", ["</" * 200_000, "<!" * 200_000, "<?" * 200_000, "<" * 400_000,
                                     "<div>" * 100_000 + "deep", "&" * 400_000])
def test_html_is_linear_on_inputs_that_make_html_parser_quadratic(hostile):
    started = time.monotonic()
    html_to_text(hostile)
    assert time.monotonic() - started < 2  # html.parser takes ~3 s on the first one alone


@pytest.mark.parametrize("name, ctype, data, kind", [
    ("a.docx", None, samples.docx_plan(), "zip"),
    ("noext", None, samples.pdf_pages(1), "pdf"),
    ("report.pdf", "application/pdf", bytes(range(256)), "pdf"),  # claims PDF, no magic: damaged
    ("report.pdf", "application/pdf", b"plain words", "text"),  # its text is scanned anyway
    ("roster.xls", None, samples.csv_roster("\t"), "csv"),  # delimited text named .xls
    ("page.xls", None, b"<html><body><table><tr><td>x</td></tr></table></body></html>", "html"),
    ("fwd", "application/octet-stream", samples.eml("s", "b"), "email"),
    ("invite.ics", None, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text"),
    ("photo", None, b"\x89PNG\r\n\x1a\n\0\0", "image"),
    ("clip.mp4", None, b"\0\0\0\x18ftypmp42", "media"),
    ("x.7z", None, b"7z\xbc\xaf\x27\x1c\0\4", "7z"),
    ("blob", None, bytes(range(256)), "unknown"),
    ("empty.txt", None, b"", "empty"),
    ("note", None, "Grüße".encode("utf-16"), "text"),
    ("old.xls", None, samples.xls_biff2([["a"]]), "xls"),
])
def test_sniff(name, ctype, data, kind):
    assert sniff(name, ctype, data) == kind


def test_delimiter_guess():
    assert guess_delimiter("a;b;c\n1;2;3\n") == ";"
    assert guess_delimiter("a\tb\n1\t2\n") == "\t"
    assert guess_delimiter('name,note\n"Garcia, Maria","a;b"\n') == ","
    assert guess_delimiter("just one column\nof text\n") == ","


def test_decode_prefers_utf8_then_windows_1252():
    assert decode("Muñoz".encode()) == "Muñoz"
    assert decode("Muñoz, José; niño".encode("cp1252")) == "Muñoz, José; niño"
    assert decode("Muñoz".encode("utf-16")) == "Muñoz"
    assert decode(b"\xe9t\xe9", "latin-1") == "été"
    assert decode(b"abc", "no-such-charset") == "abc"
