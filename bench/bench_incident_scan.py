"""Sent-mail scan throughput: messages per second for one worker (the jobs run
in this process) and for two `safesend worker` processes sharing the jobs
through the queue, on an mbox of ordinary staff mail.

    .venv/bin/python bench/bench_incident_scan.py [--messages 10000] [--redis redis://127.0.0.1:6379/7]
    .venv/bin/python bench/bench_incident_scan.py --messages 2000 --one-worker --profile
    .venv/bin/python bench/bench_incident_scan.py --redis redis://127.0.0.1:6379/7 --postgres

The figure to compare is CPU time per message (`time.process_time()` of the
worker): the machine is shared, so wall time mostly measures the neighbours.
`--profile` runs the one-worker pass under cProfile and prints where its CPU
goes, by area (self time of the functions in each) and the top functions.

Two mailboxes are measured: text-only messages, and messages that each carry
an attachment (a ~1.2 KB text file). The roster (2,000 synthetic students)
is loaded, so every message is matched against it as a send-time check is.
Prints numbers; asserts nothing. On a shared machine the figures are noisy.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from incident import sent_mail  # noqa: E402


def build_mbox(path: Path, count: int, attachments: bool) -> Path:
    rng = random.Random(4)
    messages = []
    for n in range(count):
        number = n * 3 if attachments else n * 3 + 1      # ordinary_message attaches when n % 3 == 0
        messages.append(sent_mail.ordinary_message(number, rng))
    return sent_mail.write_mbox(path, messages)


def prepare(folder: Path, env: dict[str, str]):
    for key, value in env.items():
        os.environ[key] = value
    from safesend.config import load_settings
    from safesend.policy import parse_policy
    from safesend.roster_import import import_roster_file
    from safesend.services import build_services
    from safesend.store.db import transaction
    from safesend.store.policies import save_policy
    from safesend.store.tenants import DEFAULT_TENANT, ensure_tenant

    services = build_services(load_settings())
    with transaction(services.sessions) as session:
        ensure_tenant(session, DEFAULT_TENANT)
        save_policy(session, DEFAULT_TENANT, parse_policy(sent_mail.POLICY), author="bench")
        import_roster_file(session, DEFAULT_TENANT, sent_mail.roster().csv_text().encode(),
                           services.roster_key, None, author="bench")
    return services


def postgres_url() -> str:
    import uuid

    from sqlalchemy import create_engine, text

    base = os.environ.get("SAFESEND_TEST_POSTGRES", "postgresql+psycopg://root@127.0.0.1:5432/test")
    schema = f"bench_scan_{uuid.uuid4().hex[:8]}"
    with create_engine(base).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{base}?options=-csearch_path%3D{schema}"


def one_worker(services, box: Path) -> tuple[int, float, float]:
    from safesend.incident import jobs
    from safesend.store.db import transaction

    scan = jobs.create_scan(services, "default", jobs.ScanRequest(source="mbox", location=str(box)))
    with transaction(services.sessions) as session:
        ids = jobs.job_ids(session, scan.id)
    started, cpu = time.perf_counter(), time.process_time()
    for job_id in ids:
        jobs.run_job(services, job_id, "bench")
    return _scanned(services, scan.id), time.perf_counter() - started, time.process_time() - cpu


def two_workers(services, box: Path, folder: Path) -> tuple[int, float, float]:
    """Wall time from enqueue to the last job done; CPU time of both worker processes
    (start-up included, so the per-CPU-second figure is a little low)."""
    from safesend.incident import jobs, queue
    from safesend.store.db import transaction

    safesend = str(Path(sys.executable).with_name("safesend"))
    children_cpu = _children_cpu()
    workers = [subprocess.Popen([safesend, "worker"], env=dict(os.environ), stdout=subprocess.DEVNULL,
                                stderr=open(folder / f"worker{n}.log", "w")) for n in range(2)]
    try:
        while True:
            with transaction(services.sessions) as session:
                if jobs.live_workers(session) >= 2:
                    break
            time.sleep(0.2)
        scan = jobs.create_scan(services, "default", jobs.ScanRequest(source="mbox", location=str(box)))
        with transaction(services.sessions) as session:
            ids = jobs.job_ids(session, scan.id)
        started = time.perf_counter()
        queue.enqueue(ids, services.settings)
        while True:
            with transaction(services.sessions) as session:
                from safesend.incident.progress import load_progress

                if load_progress(session, "default", scan.id).finished:
                    break
            time.sleep(0.2)
        wall = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
    return _scanned(services, scan.id), wall, _children_cpu() - children_cpu


# Where a function's file lies -> the part of the scan it belongs to (first match wins).
AREAS = (
    ("incident/mime.py", "incident/mime.py: MIME -> Message"),
    ("safesend/mailfile.py", "mailfile.py (send-time .eml/.msg parser)"),
    ("/email/", "stdlib email (parsing, headers, decoding)"),
    ("/mailbox.py", "stdlib mailbox (reading the mbox)"),
    ("incident/sources/", "incident/sources (reading, header dates)"),
    ("safesend/detect/", "detect/ (roster and identifier matching)"),
    ("safesend/extract", "extract (attachment text)"),
    ("safesend/content", "content checks"),
    ("safesend/directory", "directory (recipient lists)"),
    ("sqlalchemy", "database (SQLAlchemy, commits)"),
    ("sqlite3", "database (SQLAlchemy, commits)"),
    ("safesend/incident/", "incident/ (jobs, scanner, bookkeeping)"),
    ("safesend/", "engine, rules, facts, policy (rest of safesend)"),
)


def where_time_goes(profiler, count: int, top: int = 15) -> None:
    import pstats

    stats = pstats.Stats(profiler)
    areas: dict[str, float] = {}
    rows = []
    for (path, line, name), (_, calls, self_time, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        area = next((label for key, label in AREAS if key in path), "other (stdlib, libraries)")
        if path == "~":
            area = "builtins (C: regex, decode, hashing...)"
        areas[area] = areas.get(area, 0.0) + self_time
        rows.append((self_time, cumulative, calls, f"{path.split('site-packages/')[-1].split('service/')[-1]}"
                                                   f":{line}({name})"))
    total = sum(areas.values()) or 1.0
    print(f"    profiled CPU by area (self time; {total / count * 1000:.2f} ms a message under cProfile):")
    for area, seconds in sorted(areas.items(), key=lambda kv: -kv[1]):
        print(f"      {seconds / total:6.1%}  {seconds / count * 1000:6.3f} ms/msg  {area}")
    print(f"    top {top} functions by self time (self s, cumulative s, calls):")
    for self_time, cumulative, calls, where in sorted(rows, reverse=True)[:top]:
        print(f"      {self_time:7.2f} {cumulative:7.2f} {calls:9,}  {where}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _scanned(services, scan_id: str) -> int:
    from safesend.incident.progress import load_progress
    from safesend.store.db import transaction

    with transaction(services.sessions) as session:
        return load_progress(session, "default", scan_id).scanned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--redis", default="", help="Queue on this Redis (default: SQLite)")
    parser.add_argument("--one-worker", action="store_true", help="Skip the two-worker runs")
    parser.add_argument("--profile", action="store_true", help="Profile the one-worker runs (cProfile)")
    parser.add_argument("--postgres", action="store_true",
                        help="Store on PostgreSQL (a new schema on SAFESEND_TEST_POSTGRES) instead of "
                             "SQLite, whose one writer at a time limits two workers")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="safesend-bench-scan-"))
    database = postgres_url() if args.postgres else f"sqlite:///{folder / 'safesend.db'}"
    env = {"SAFESEND_INSTANCE_PATH": str(folder / "instance"), "SAFESEND_DATABASE_URL": database,
           "SAFESEND_SECRET_KEY": "bench-secret", "SAFESEND_SCAN_SLICE_MESSAGES": "1000",
           "SAFESEND_QUEUE_NAME": f"bench-{os.getpid()}"}
    if args.redis:
        env["SAFESEND_REDIS_URL"] = args.redis
    services = prepare(folder, env)
    print(f"{os.cpu_count()} CPUs (shared; load average {os.getloadavg()[0]:.1f}), {args.messages:,} "
          f"messages per mailbox, queue on {'Redis' if args.redis else 'SQLite'}, "
          f"database {'PostgreSQL' if args.postgres else 'SQLite'}")
    print("wall = messages per second of elapsed time; per CPU-s = messages per second of CPU time used")
    for label, attachments in (("text only", False), ("with an attachment each", True)):
        box = build_mbox(folder / f"{'attach' if attachments else 'text'}.mbox", args.messages, attachments)
        size = box.stat().st_size / 1e6
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        count, wall, cpu = one_worker(services, box)
        if profiler is not None:
            profiler.disable()
        one = count / wall
        print(f"{label:<24} {size:5.1f} MB  1 worker : {count:,} in {wall:6.1f} s: {one:5.0f}/s wall, "
              f"{count / cpu:5.0f} per CPU-s ({cpu / count * 1000:.2f} ms CPU a message)")
        if profiler is not None:
            where_time_goes(profiler, count)
        if args.one_worker:
            continue
        count, wall, cpu = two_workers(services, box, folder)
        print(f"{'':<24} {'':8}  2 workers: {count:,} in {wall:6.1f} s: {count / wall:5.0f}/s wall "
              f"({count / wall / one:.2f}x), {count / cpu:5.0f} per CPU-s")
    services.close()


if __name__ == "__main__":
    main()
