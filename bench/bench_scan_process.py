"""The web process's share of a heavy check's content scan: in process against a scan process.

    .venv/bin/python bench/bench_scan_process.py [--runs 3]

Scans the 5 MB CSV of bench_load.py (a check with 5 MB of attachments) with
`content.scan_message` in this thread, then through a one-process
`scanproc.ScanPool`, and prints for each the CPU time of the calling thread
(what the web process's interpreter lock is held for, roughly; load on the
machine barely moves it) and the wall time (which does move: the scan
process runs at nice 10). Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "service"), str(ROOT / "bench"), str(ROOT / "tests")]

from bench_load import slow_attachment  # noqa: E402

from safesend.content import scan_message  # noqa: E402
from safesend.message import Attachment, Message  # noqa: E402
from safesend.policy import parse_policy  # noqa: E402
from safesend.scanproc.pool import ScanPool  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    message = Message(sender="teacher@district.example.org", subject="List", body_text="See attached.",
                      attachments=(Attachment("list.csv", "text/csv", slow_attachment()),))
    policy = parse_policy({"limits": {"time_budget_seconds": 60}})  # the whole file, however slow
    pool = ScanPool(1, b"bench roster key 32 bytes long!!")
    if not pool.wait_ready(60):
        sys.exit("the scan process did not start")
    try:
        for label, scan in (("in process", lambda: scan_message(message, policy, message.body_text)),
                            ("scan process", lambda: pool.scan(message, policy, message.body_text, None))):
            cpu, wall = [], []
            for _ in range(args.runs):
                cpu_start, wall_start = time.thread_time(), time.perf_counter()
                report = scan()
                cpu.append(time.thread_time() - cpu_start)
                wall.append(time.perf_counter() - wall_start)
            print(f"{label:<13} calling thread's CPU {min(cpu) * 1000:7.1f} ms, wall {min(wall):5.2f} s "
                  f"(best of {args.runs}; {report.students} students, {len(report.unscannable)} unscannable)")
    finally:
        pool.close()


if __name__ == "__main__":
    main()
