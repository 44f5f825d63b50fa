"""What detection costs: roster import, scan throughput, a typical body.

    .venv/bin/python bench/bench_detect.py [--students 100000] [--text-mb 5] [--rows 10000]

Prints numbers; asserts nothing. Everything is synthetic (safesend/synthetic_district.py,
tests/detect/synthetic.py):

- roster import: parse a CSV of N students, hash it, serialize it, build the
  index from the blob (what a worker does); time of each step, blob size,
  memory held by the index (tracemalloc, measured on a separate build) and
  the process RSS;
- scan throughput on ~5 MB of text, without and with the roster, against a
  bare `re.finditer(r"\\w+")` pass over the same text (the ratio): "prose" is
  email-like sentences with some names, 7-digit numbers, dates and phone
  numbers; "mixed" is 80% of that plus ranges pasted from spreadsheets (a
  student roster and budget lines, tab-separated, which are scanned as tables);
- a 10,000-row student table (rows/s and MB/s of its CSV form);
- a typical 5 KB body: median and p95 per check.
"""

from __future__ import annotations

import argparse
import gc
import re
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from detect.synthetic import (  # noqa: E402
    Segment,
    Table,
    budget_table,
    roster_table,
    synthetic_roster,
    synthetic_text,
)

from safesend.detect import (  # noqa: E402
    DetectConfig,
    RosterHasher,
    RosterIndex,
    parse_roster_csv,
    scan_content,
    serialize_roster,
)

SECRET = b"bench-secret-0123456789abcdef0123"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def mixed_text(size: int, roster) -> str:
    """Prose (80%), a pasted roster as tab-separated lines (10%), budget lines (10%)."""
    prose = synthetic_text(int(size * 0.8), seed=7, roster=roster, name_rate=0.01)
    pasted = "\n".join("\t".join(row) for row in roster_table(roster, 2000))
    budget = "\n".join("\t".join(row) for row in budget_table(3000))
    parts, total = [prose], len(prose)
    while total < size:
        for chunk in (pasted, budget):
            parts.append("\n\n" + chunk[: size - total])
            total += len(parts[-1])
    return "".join(parts)[:size]


def bench_import(students: int):
    roster = synthetic_roster(students, seed=1)
    data = roster.csv_text().encode()
    hasher = RosterHasher(SECRET)
    started = time.perf_counter()
    parsed = parse_roster_csv(data)
    parse_s = time.perf_counter() - started
    started = time.perf_counter()
    hashed = hasher.hash_records(parsed.records)
    hash_s = time.perf_counter() - started
    started = time.perf_counter()
    blob = serialize_roster(hashed, hasher)
    serialize_s = time.perf_counter() - started
    del parsed, hashed
    gc.collect()
    started = time.perf_counter()
    index = RosterIndex.from_bytes(blob, hasher)
    index_s = time.perf_counter() - started
    del index
    gc.collect()
    tracemalloc.start()
    index = RosterIndex.from_bytes(blob, hasher)
    held, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"roster import, {students:,} students ({len(data) / 1e6:.1f} MB CSV):")
    print(f"  parse {parse_s:.2f} s  hash {hash_s:.2f} s  serialize {serialize_s:.2f} s  "
          f"index from blob {index_s:.2f} s  -> total {parse_s + hash_s + serialize_s + index_s:.2f} s")
    print(f"  blob {len(blob) / 1e6:.1f} MB ({len(blob) / students:.0f} B/student)  "
          f"index holds {held / 1e6:.1f} MB (tracemalloc)  process max RSS {rss_mb():.0f} MB")
    return roster, index


def bench_text(roster, index, size_mb: float, kind: str) -> None:
    size = int(size_mb * 1_000_000)
    if kind == "mixed":
        text = mixed_text(size, roster)
    else:
        text = synthetic_text(size, seed=7, roster=roster, name_rate=0.01)
    mb = len(text.encode()) / 1e6
    config = DetectConfig()
    config.compiled()
    baseline = best_of(3, lambda: sum(1 for _ in re.finditer(r"\w+", text)))
    print(f"scan throughput, {mb:.1f} MB {kind} text:")
    print(f"  baseline re.finditer(r'\\w+'): {baseline:.3f} s  {mb / baseline:.1f} MB/s")
    for label, roster_index in (("no roster", None), (f"roster of {len(index):,}", index)):
        result = None

        def run(roster_index=roster_index):
            nonlocal result
            result = scan_content([Segment("body", text)], [], config, roster_index)

        seconds = best_of(3, run)
        assert result is not None
        print(f"  {label:>20}: {seconds:.3f} s  {mb / seconds:.1f} MB/s  "
              f"({seconds / baseline:.2f}x baseline)  students={result.students} "
              f"ids={result.student_ids} partial={result.partial}")


def bench_table(roster, index, rows: int) -> None:
    table = roster_table(roster, rows)
    mb = len("\n".join(",".join(r) for r in table).encode()) / 1e6
    config = DetectConfig()
    print(f"table scan, {rows:,} rows x {len(table[0])} columns ({mb:.2f} MB as CSV):")
    for label, roster_index in (("no roster", None), (f"roster of {len(index):,}", index)):
        result = None

        def run(roster_index=roster_index):
            nonlocal result
            result = scan_content([], [Table("roster.xlsx › Sheet1", table)], config,
                                  roster_index)

        seconds = best_of(3, run)
        assert result is not None
        print(f"  {label:>20}: {seconds:.3f} s  {rows / seconds:,.0f} rows/s  "
              f"{mb / seconds:.1f} MB/s  students={result.students} "
              f"with sensitive={result.students_with_sensitive}")


def bench_body(roster, index, runs: int = 300) -> None:
    body = synthetic_text(5000, seed=3, roster=roster, name_rate=0.05)
    config = DetectConfig()
    config.compiled()
    print(f"typical {len(body) / 1000:.0f} KB body, {runs} checks:")
    for label, roster_index in (("no roster", None), (f"roster of {len(index):,}", index)):
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            scan_content([Segment("body", body)], [], config, roster_index)
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        print(f"  {label:>20}: median {statistics.median(samples):.2f} ms  "
              f"p95 {samples[int(0.95 * len(samples))]:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--text-mb", type=float, default=5.0)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    roster, index = bench_import(args.students)
    bench_text(roster, index, args.text_mb, "prose")
    bench_text(roster, index, args.text_mb, "mixed")
    bench_table(roster, index, args.rows)
    bench_body(roster, index)


if __name__ == "__main__":
    main()
