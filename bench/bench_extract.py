"""Extraction speed: prints numbers, asserts nothing.

    .venv/bin/python bench/bench_extract.py [--repeat 5]

Generates (in memory) a 100 KB DOCX, a 1 MB XLSX of 10,000 rows, a 5 MB
CSV and a 40-page PDF with invented content, then reports:
- end-to-end extract_attachments time, isolated (worker process) and
  in-process, with MB/s of extracted text;
- calamine vs openpyxl on the XLSX (and on a 20,000-row sheet), pypdfium2
  vs pypdf on the PDF (the readers alone, no SafeSend code);
- the isolation overhead per attachment (round trip of a tiny file), the
  cost of shipping bytes to a worker, and the start/kill/replace times.
Targets: >= 20 MB/s of extracted text; the 5 MB CSV well under 1 s.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))

from safesend.extract import ExtractLimits, extract_attachments, isolation  # noqa: E402

FIRST = ["Maria", "James", "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Wei"]
LAST = ["Garcia", "Smith", "Nguyen", "Johnson", "Lopez", "Brown", "Patel", "Kim", "Davis", "Moore"]
WORDS = ("the plan for the student meeting covers reading support testing time and "
         "accommodations agreed with the family during the review").split()


# --- generated inputs ----------------------------------------------------------------


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def make_docx(target: int = 100_000) -> bytes:
    import docx

    rng = random.Random(1)
    document = docx.Document()
    while True:
        for _ in range(40):
            document.add_paragraph(" ".join(rng.choice(WORDS) for _ in range(30)) + " " + _name(rng))
        table = document.add_table(rows=10, cols=3)
        for row in table.rows:
            for cell, value in zip(row.cells, (_name(rng), str(rng.randrange(10**9, 10**10)), "7"),
                                   strict=True):
                cell.text = value
        buffer = io.BytesIO()
        document.save(buffer)
        if len(buffer.getvalue()) >= target:
            return buffer.getvalue()


def make_xlsx(rows: int = 10_000) -> bytes:
    from openpyxl import Workbook

    rng = random.Random(2)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Roster")
    sheet.append(["Student", "Student ID", "Grade", "Teacher", "Plan", "Notes", "Start", "Room"])
    for _ in range(rows):
        sheet.append([_name(rng), rng.randrange(10**9, 10**10), rng.randrange(1, 13), _name(rng),
                      rng.choice(["504", "IEP", "ELL", "none"]),
                      " ".join(rng.choice(WORDS) for _ in range(6)),
                      f"2025-0{rng.randrange(1, 10)}-1{rng.randrange(0, 9)}", f"R{rng.randrange(100, 400)}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_csv(target: int = 5 * 1024 * 1024) -> bytes:
    rng = random.Random(3)
    lines = ["student,student_id,grade,teacher,notes"]
    size = 0
    while size < target:
        line = (f"{_name(rng)},{rng.randrange(10**9, 10**10)},{rng.randrange(1, 13)},{_name(rng)},"
                f"\"{' '.join(rng.choice(WORDS) for _ in range(8))}\"")
        lines.append(line)
        size += len(line) + 2
    return ("\r\n".join(lines) + "\r\n").encode()


def make_pdf(pages: int = 40) -> bytes:
    from fpdf import FPDF

    rng = random.Random(4)
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(0, 6, f"Progress report, page {number + 1}", new_x="LMARGIN", new_y="NEXT")
        for _ in range(45):
            pdf.cell(0, 5, f"{_name(rng)} {rng.randrange(10**9, 10**10)} "
                           + " ".join(rng.choice(WORDS) for _ in range(10)), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- measuring -------------------------------------------------------------------------


def timed(function, repeat: int) -> tuple[float, object]:
    """Median wall time of `repeat` runs (after one warm-up) and the last result."""
    result = function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def extracted_chars(extraction) -> int:
    return (sum(len(s.text) for s in extraction.segments)
            + sum(len(c) for t in extraction.tables for row in t.rows for c in row))


def bench_end_to_end(files: dict[str, bytes], repeat: int) -> None:
    print("\n== extract_attachments, one attachment per message (median) ==")
    print(f"{'file':<14}{'size':>9}{'text':>10}{'isolated':>11}{'in-process':>12}"
          f"{'text MB/s':>11}{'overhead':>10}")
    limits = {True: ExtractLimits(time_budget_seconds=60), False: ExtractLimits(time_budget_seconds=60,
                                                                                 isolate=False)}
    for name, data in files.items():
        iso, result = timed(lambda n=name, d=data: extract_attachments([(n, None, d)], limits[True]), repeat)
        inp, _ = timed(lambda n=name, d=data: extract_attachments([(n, None, d)], limits[False]), repeat)
        assert not result.problems, result.problems
        chars = extracted_chars(result)
        print(f"{name:<14}{len(data) / 1e6:>8.2f}M{chars / 1e6:>9.2f}M{iso * 1e3:>9.1f}ms{inp * 1e3:>10.1f}ms"
              f"{chars / 1e6 / iso:>10.1f} {(iso - inp) * 1e3:>8.1f}ms")


def bench_spreadsheet_readers(xlsx: bytes, repeat: int) -> None:
    import openpyxl
    import python_calamine

    def calamine() -> int:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(xlsx))
        return sum(len(row) for name in workbook.sheet_names
                   for row in workbook.get_sheet_by_name(name).iter_rows())

    def openpyxl_read_only() -> int:
        workbook = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True, data_only=True)
        return sum(len(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True))

    fast, cells = timed(calamine, repeat)
    slow, same = timed(openpyxl_read_only, repeat)
    print(f"{len(xlsx) / 1e6:.2f} MB, {cells:,} cells: calamine {fast * 1e3:.1f} ms, "
          f"openpyxl (read-only) {slow * 1e3:.1f} ms -> calamine {slow / fast:.1f}x faster"
          + ("" if cells == same else f" (cell counts differ: {cells} vs {same})"))


def bench_pdf_readers(pdf: bytes, repeat: int) -> None:
    import pypdf
    import pypdfium2

    def pdfium() -> int:
        document = pypdfium2.PdfDocument(pdf)
        try:
            return sum(len(document[i].get_textpage().get_text_range()) for i in range(len(document)))
        finally:
            document.close()

    def pure_python() -> int:
        return sum(len(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)

    fast, chars = timed(pdfium, repeat)
    slow, _ = timed(pure_python, max(1, repeat // 2))
    print(f"40 pages, {chars:,} chars: pypdfium2 {fast * 1e3:.1f} ms, pypdf {slow * 1e3:.1f} ms "
          f"-> pypdfium2 {slow / fast:.1f}x faster")


def bench_isolation(repeat: int) -> None:
    print("\n== isolation ==")
    rtf = rb"{\rtf1\ansi Maria Garcia 6712345612\par}"
    isolated = ExtractLimits()
    in_process = ExtractLimits(isolate=False)
    iso, _ = timed(lambda: extract_attachments([("n.rtf", None, rtf)], isolated), repeat * 20)
    inp, _ = timed(lambda: extract_attachments([("n.rtf", None, rtf)], in_process), repeat * 20)
    print(f"tiny RTF round trip: isolated {iso * 1e3:.2f} ms, in-process {inp * 1e3:.2f} ms "
          f"-> overhead {(iso - inp) * 1e3:.2f} ms per attachment")
    for megabytes in (1, 5, 24):
        blob = b"{\\rtf1 x}" + b" " * (megabytes * 1024 * 1024)  # RTF of spaces: parse is trivial
        iso, _ = timed(lambda b=blob: extract_attachments([("s.rtf", None, b)], isolated), repeat)
        inp, _ = timed(lambda b=blob: extract_attachments([("s.rtf", None, b)], in_process), repeat)
        print(f"shipping {megabytes:>2} MB to a worker: +{(iso - inp) * 1e3:.1f} ms")
    pool = isolation.WorkerPool(size=1)
    started = time.perf_counter()
    pool.wait_ready()
    elapsed = (time.perf_counter() - started) * 1e3
    print(f"worker start (fresh interpreter, all parsers imported): {elapsed:.0f} ms")
    pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    started = time.perf_counter()
    from safesend.extract import warm_up

    warm_up()
    print(f"pool warm-up: {(time.perf_counter() - started) * 1e3:.0f} ms")
    files = {"plan.docx": make_docx(), "roster.xlsx": make_xlsx(), "export.csv": make_csv(),
             "report.pdf": make_pdf()}
    bench_end_to_end(files, repeat)
    print("\n== readers alone ==")
    bench_spreadsheet_readers(files["roster.xlsx"], repeat)
    bench_spreadsheet_readers(make_xlsx(20_000), repeat)
    bench_pdf_readers(files["report.pdf"], repeat)
    bench_isolation(repeat)


if __name__ == "__main__":
    main()
