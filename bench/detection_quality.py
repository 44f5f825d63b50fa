"""Detection quality: recall and false positives on the synthetic labelled corpus.

    .venv/bin/python bench/detection_quality.py

Builds the corpus of tests/corpus in memory (a 320-student synthetic roster;
10 kinds of student data and 8 near misses, each in 17 formats, each sent by
a teacher to three outside parent addresses), runs every message through
the real pipeline (`scan_message` with the roster as keyed hashes, then
`engine.evaluate`) and prints, per format, per family, per content shape
and overall: positives, detected, recall; negatives, false positives, FP
rate; how many verdicts had the expected action and the exact student
counts. Then every mismatch with its labels, what was found, the verdict's
finding title and the known gap it belongs to (tests/corpus/gaps.py).
Never prints message content. The tests that hold these figures are in
tests/test_detection_quality.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "service"), str(ROOT / "tests")]

from corpus import (  # noqa: E402
    Figures,
    Outcome,
    build_corpus,
    by_family,
    by_format,
    by_shape,
    gap_for,
    overall,
    run_corpus,
)


def table(title: str, rows: list[Figures]) -> None:
    print(f"\n{title}")
    print(f"{'':<22}{'positives':>10}{'detected':>10}{'recall':>8}   {'negatives':>10}"
          f"{'false pos':>10}{'FP rate':>8}   {'actions':>9}{'counts':>9}")
    for f in rows:
        print(f"{f.label:<22}{f.positives:>10}{f.detected:>10}{_pct(f.recall, f.positives):>8}   "
              f"{f.negatives:>10}{f.false_positives:>10}{_pct(f.fp_rate, f.negatives):>8}   "
              f"{f.actions_right:>4}/{f.total:<4}{f.counts_right:>4}/{f.total:<4}")


def _pct(value: float, denominator: int) -> str:
    return f"{value:.1%}" if denominator else "-"


def mismatches(outcomes: list[Outcome]) -> None:
    wrong = [o for o in outcomes if not o.right]
    print(f"\nMismatches ({len(wrong)} of {len(outcomes)}): expected -> got "
          "(students/sensitive), finding title, known gap")
    for o in wrong:
        case, doc = o.case, o.case.doc
        kind = "missed" if case.positive and not o.detected else (
            "false positive" if o.detected and not case.positive else "wrong action" if not
            o.action_right else "wrong counts" if not o.counts_right else "unread file")
        gap = gap_for(case.case_id)
        print(f"  {case.case_id:<30} {kind:<15} {case.expected_action} ({doc.students}/"
              f"{doc.sensitive}) -> {o.action} ({o.students}/{o.sensitive})  "
              f"{o.title or '(no student_data finding)'!r}  [{gap.name if gap else 'NEW'}]")
        for problem in o.problems:
            print(f"      unscannable: {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-shapes", action="store_true", help="skip the per-shape table")
    args = parser.parse_args()
    started = time.perf_counter()
    corpus = build_corpus()
    built = time.perf_counter()
    outcomes = run_corpus(corpus)
    ran = time.perf_counter()
    print(f"corpus: {len(corpus.roster.students)} roster students "
          f"({len(corpus.roster.flagged)} with 504/IEP), {len(corpus.cases)} messages; "
          f"built in {built - started:.1f} s, checked in {ran - built:.1f} s "
          f"({(ran - built) / len(corpus.cases) * 1e3:.1f} ms a message)")
    print("each message: teacher -> 3 outside parent addresses; default policy")
    table("Per format", by_format(outcomes))
    table("Per format family", by_family(outcomes) + [overall(outcomes)])
    if not args.no_shapes:
        table("Per content shape (positives first)", by_shape(outcomes))
    mismatches(outcomes)
    new = [o for o in outcomes if not o.right and gap_for(o.case.case_id) is None]
    if new:
        print(f"\n{len(new)} mismatches outside the known gaps")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
