"""The roster import's safety steps, timed: the console's whole-file check (a dry run
that counts students, skipped rows and before -> after), the guarded import, and a
restore, on a real SQLite database.

    .venv/bin/python bench/bench_roster_check.py [--students 100000] [--repeat 3]

Prints the best of --repeat runs for each step. The check runs on every mapping
change in the console, so it should stay within a few seconds for a large district.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "service")]

from safesend.demo_data import synthetic_roster  # noqa: E402
from safesend.roster_import import RosterShrinks, import_roster_file  # noqa: E402
from safesend.store.db import make_engine, make_sessions, transaction, upgrade  # noqa: E402
from safesend.store.roster import restore_roster  # noqa: E402
from safesend.store.tenants import ensure_tenant  # noqa: E402

SECRET = b"bench-secret-key-0123456789abcdef"


def best(step, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    full = synthetic_roster(args.students, seed=1).csv_text().encode()
    small = synthetic_roster(max(10, args.students // 100), seed=2).csv_text().encode()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        sessions = make_sessions(engine)
        with transaction(sessions) as db:
            ensure_tenant(db, "default")

        def run(data: bytes, **options):
            with transaction(sessions) as db:
                return import_roster_file(db, "default", data, SECRET, None, "bench", **options)

        run(full)
        check = best(lambda: run(full, dry_run=True), args.repeat)

        def refused():
            try:
                run(small)
            except RosterShrinks:
                return
            raise AssertionError("a 99% smaller roster was not refused")

        refuse = best(refused, args.repeat)
        replace = best(lambda: run(full, replace=True), args.repeat)

        def restore():
            with transaction(sessions) as db:
                restore_roster(db, "default", "bench")

        back = best(restore, args.repeat)
    print(f"students: {args.students:,}; file {len(full) / 1e6:.1f} MB; best of {args.repeat}")
    print(f"check (dry run: counts, skipped rows, before -> after): {check:.2f} s")
    print(f"guarded import refused (1% of the students):           {refuse:.2f} s")
    print(f"import (replace):                                      {replace:.2f} s")
    print(f"restore the previous roster:                            {back * 1000:.0f} ms")


if __name__ == "__main__":
    main()
