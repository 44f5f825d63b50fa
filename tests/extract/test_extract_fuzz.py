"""Hypothesis-generated broken input: random bytes, truncations and bit flips
of valid files of every format. Extraction never raises and always returns
within the time budget (plus the kill grace)."""

from __future__ import annotations

import time
from functools import cache

from extract import samples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safesend.extract import Extraction, ExtractLimits, extract_attachments, html_to_text
from safesend.extract.isolation import GRACE_SECONDS

BUDGET = 2.0
LIMITS = ExtractLimits(time_budget_seconds=BUDGET)


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

NAMES = ["a.docx", "a.xlsx", "a.pptx", "a.odt", "a.ods", "a.pdf", "a.rtf", "a.html", "a.csv",
         "a.eml", "a.msg", "a.zip", "a.xls", "a.txt", "a.xml", "attachment"]


@cache
def valid_files() -> dict[str, bytes]:
    inner = samples.zip_of({"r.xlsx": samples.xlsx_roster(), "n.txt": b"Maria Garcia"})
    return {
        "plan.docx": samples.docx_plan(), "roster.xlsx": samples.xlsx_roster(),
        "deck.pptx": samples.pptx_deck(), "letter.odt": samples.odt_letter(),
        "deck.odp": samples.odp_deck(), "roster.ods": samples.ods_roster(),
        "report.pdf": samples.pdf_pages(2), "note.rtf": samples.rtf_note(),
        "page.html": samples.html_page(), "list.csv": samples.csv_roster(),
        "old.xls": samples.xls_biff2([["Student", "ID"], ["Maria Garcia", "6712345612"]]),
        "docs.zip": inner,
        "fwd.eml": samples.eml("Fwd", "body", attachments=[("docs.zip", "application/zip", inner)]),
        "data.xml": b'<?xml version="1.0"?><r><row><c>Maria</c><c>6712345612</c></row></r>',
        "form.pdf": samples.pdf_form({"Student_Name": "Maria Garcia"}),
        **{name: path.read_bytes() for name, path in _legacy_samples().items()},
    }


def _legacy_samples() -> dict:
    """Word/PowerPoint 97 files cannot be generated here: take two from the corpora if present."""
    folder = samples.CORPORA / "tika" / "microsoft"
    wanted = {"old.doc": folder / "testWORD.doc", "old.ppt": folder / "testPPT.ppt",
              "mail.msg": samples.CORPORA / "poi" / "hsmf" / "attachment_test_msg.msg"}
    return {name: path for name, path in wanted.items() if path.exists()}


def _check(name: str, data: bytes) -> Extraction:
    started = time.monotonic()
    result = extract_attachments([(name, None, data)], LIMITS)  # must not raise
    assert time.monotonic() - started < BUDGET + GRACE_SECONDS + 1.5
    for problem in result.problems:
        assert problem.name.startswith(name) and problem.reason
    for segment in result.segments:
        assert isinstance(segment.text, str) and segment.source.startswith(name)
    return result


@fuzz(300)
@given(name=st.sampled_from(NAMES), data=st.binary(max_size=4096))
def test_random_bytes(name, data):
    _check(name, data)


@fuzz(300)
@given(name=st.sampled_from(NAMES),
       prefix=st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF-1.7\n",
                               b"{\\rtf1 ", b"<html>", b"From: a@b.c\nSubject: x\n\n", b"\x09\x04\x06\x00"]),
       data=st.binary(max_size=2048))
def test_random_bytes_behind_real_magic(name, prefix, data):
    _check(name, prefix + data)


@fuzz(300)
@given(which=st.sampled_from(sorted(valid_files())), cut=st.floats(0.0, 1.0))
def test_truncated_files(which, cut):
    data = valid_files()[which]
    _check(which, data[: int(len(data) * cut)])


@fuzz(500)
@given(which=st.sampled_from(sorted(valid_files())),
       flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 7)), min_size=1, max_size=8))
def test_bit_flips(which, flips):
    data = bytearray(valid_files()[which])
    for position, bit in flips:
        data[min(int(len(data) * position), len(data) - 1)] ^= 1 << bit
    _check(which, bytes(data))


@fuzz(300)
@given(which=st.sampled_from(sorted(valid_files())), start=st.floats(0.0, 1.0),
       garbage=st.binary(min_size=1, max_size=64))
def test_overwritten_ranges(which, start, garbage):
    data = bytearray(valid_files()[which])
    at = int(len(data) * start)
    data[at: at + len(garbage)] = garbage
    _check(which, bytes(data))


@fuzz(200)
@given(html=st.text(alphabet=st.sampled_from(list("<>/!-?&;#\"'= abcpdivtrhtml\n")), max_size=400),
       limit=st.integers(0, 300))
def test_html_to_text_never_raises(html, limit):
    text = html_to_text(html, limit)
    assert isinstance(text, str) and len(text) <= limit
