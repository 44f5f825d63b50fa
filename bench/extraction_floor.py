"""SafeSend's whole check against the ordinary-extraction floor, side by side.

    .venv/bin/python bench/extraction_floor.py [--repeat 3] [--images]

Over the synthetic district corpus of tests/corpus (the messages of
bench/detection_quality.py: every content shape in every format, a teacher
to three outside parents), measures in one run:

- the floor: what merely reading the messages the ordinary way costs - the
  body as is (HTML through lxml), attachments with the usual libraries
  (openpyxl read-only, python-docx, python-pptx, pypdf, xlrd, odfpy,
  striprtf, lxml, the csv and email modules, zipfile) - plus one
  `re.finditer(r"\\w+")` pass over everything read;
- the check: `engine.evaluate` with SafeSend's extraction and detection and
  the corpus roster (as tests/corpus/measure.py runs it; isolated workers).

CPU time, not wall time (the machine is shared): `time.process_time()` of
this process plus the CPU the extraction workers used, read from
/proc/<pid>/schedstat before and after each message. Each side runs `--repeat` times, the
minimum counts. Target (issue 17): check <= 0.5x the floor.

The image family (screenshots, photos, scans, faxes) is left out unless
`--images`: the ordinary libraries do not read pictures (the floor reads
only their text parts) and OCR dominates the check, so the ratio would
measure Tesseract. Prints CPU times per format; never message content.
"""

from __future__ import annotations

import argparse
import csv
import email
import email.policy
import io
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "service"), str(ROOT / "tests"), str(ROOT / "bench")]

from corpus import Pipeline, build_corpus  # noqa: E402
from corpus.formats import FORMATS  # noqa: E402
from cpuclock import Clock, keep_workers  # noqa: E402

from safesend.message import Message  # noqa: E402

WORD = re.compile(r"\w+")


# --- the ordinary way ---------------------------------------------------------------


def read_xlsx(data: bytes) -> list[str]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [" ".join("" if v is None else str(v) for v in row)
                for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def read_xls(data: bytes) -> list[str]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data)
    return [" ".join(str(v) for v in sheet.row_values(r))
            for sheet in book.sheets() for r in range(sheet.nrows)]


def read_docx(data: bytes) -> list[str]:
    import docx

    document = docx.Document(io.BytesIO(data))
    out = [p.text for p in document.paragraphs]
    for table in document.tables:
        out.extend(" ".join(cell.text for cell in row.cells) for row in table.rows)
    return out


def read_pptx(data: bytes) -> list[str]:
    from pptx import Presentation

    out = []
    for slide in Presentation(io.BytesIO(data)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                out.append(shape.text_frame.text)
            if shape.has_table:
                out.extend(" ".join(c.text for c in row.cells) for row in shape.table.rows)
        if slide.has_notes_slide:
            out.append(slide.notes_slide.notes_text_frame.text)
    return out


def read_pdf(data: bytes) -> list[str]:
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def read_opendocument(data: bytes) -> list[str]:
    from odf import teletype, text
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    return [teletype.extractText(p) for p in document.getElementsByType(text.P)]


def read_rtf(data: bytes) -> list[str]:
    from striprtf.striprtf import rtf_to_text

    return [rtf_to_text(data.decode("latin-1"))]


def read_html(data: bytes | str) -> list[str]:
    import lxml.html

    return [lxml.html.fromstring(data).text_content()]


def read_delimited(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig", "replace")
    delimiter = "\t" if text.count("\t") > text.count(",") else ","
    return [" ".join(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def read_eml(data: bytes) -> list[str]:
    message = email.message_from_bytes(data, policy=email.policy.default)
    out = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if name:
            out.extend(read_file(name, part.get_content()))
        elif part.get_content_maintype() == "text":
            out.append(part.get_content())
    return out


def read_zip(data: bytes) -> list[str]:
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                out.extend(read_file(info.filename, archive.read(info)))
    return out


READERS = {
    "xlsx": read_xlsx, "xls": read_xls, "docx": read_docx, "pptx": read_pptx, "pdf": read_pdf,
    "ods": read_opendocument, "odt": read_opendocument, "odp": read_opendocument, "rtf": read_rtf,
    "html": read_html, "htm": read_html, "csv": read_delimited, "tsv": read_delimited,
    "txt": lambda data: [data.decode("utf-8", "replace")], "eml": read_eml, "zip": read_zip,
}


def read_file(name: str, data: bytes) -> list[str]:
    reader = READERS.get(name.rsplit(".", 1)[-1].lower())
    return reader(data) if reader else []  # pictures: the ordinary libraries read no text


def floor(message: Message) -> int:
    """Read the message the ordinary way and run one \\w+ pass; returns the word count."""
    parts = [message.subject, message.body_text]
    if message.body_html:
        parts.extend(read_html(message.body_html))
    for attachment in message.attachments:
        parts.extend(read_file(attachment.name, attachment.data))
    return sum(1 for _ in WORD.finditer("\n".join(parts)))


# --- the run ------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--images", action="store_true", help="include the image family (OCR)")
    args = parser.parse_args()
    formats = tuple(f for f in FORMATS if args.images or f.family != "image")
    corpus = build_corpus(formats)
    pipeline = Pipeline(corpus)
    cases = corpus.cases
    from safesend.extract import warm_up

    warm_up()
    keep_workers()
    for case in cases:  # warm up both sides: imports, caches, every worker
        floor(case.message)
        pipeline.evaluate(case.message)

    best: dict[str, dict[str, float]] = {"floor": defaultdict(lambda: float("inf")),
                                         "check": defaultdict(lambda: float("inf"))}
    totals = {"floor": float("inf"), "check": float("inf")}
    sides = {"floor": floor, "check": pipeline.evaluate}
    for _ in range(args.repeat):
        for side, run in sides.items():
            per_format: dict[str, float] = defaultdict(float)
            clock = Clock()
            for case in cases:
                clock.start()
                run(case.message)
                per_format[case.format] += clock.stop()
            totals[side] = min(totals[side], sum(per_format.values()))
            for fmt, seconds in per_format.items():
                best[side][fmt] = min(best[side][fmt], seconds)

    print(f"corpus: {len(cases)} messages ({len(formats)} formats x "
          f"{len(cases) // len(formats)} content shapes), roster of {len(corpus.roster.students)}; "
          f"CPU time, best of {args.repeat}; load average {open('/proc/loadavg').read().split()[0]}")
    print(f"{'format':<14}{'floor ms':>10}{'check ms':>10}{'ratio':>8}")
    for fmt in dict.fromkeys(c.format for c in cases):
        f, c = best["floor"][fmt], best["check"][fmt]
        print(f"{fmt:<14}{f * 1e3:>10.1f}{c * 1e3:>10.1f}{c / f if f else float('inf'):>8.2f}")
    ratio = totals["check"] / totals["floor"]
    print(f"{'whole corpus':<14}{totals['floor'] * 1e3:>10.1f}{totals['check'] * 1e3:>10.1f}{ratio:>8.2f}")
    print(f"check / ordinary-extraction floor = {ratio:.2f}x (target <= 0.50x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
