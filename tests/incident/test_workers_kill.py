"""Two `safesend worker` processes on Redis, one killed with SIGKILL in the
middle of a job: the scan still finishes, every message is counted exactly
once, and the flagged list is the one an undisturbed run gives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from incident import sent_mail
from sqlalchemy import select

from safesend.cli import main
from safesend.store.db import transaction
from safesend.store.scans import FlaggedMessage, ScanJob

SAFESEND = str(Path(sys.executable).with_name("safesend"))


def _flagged(services, scan_id: str) -> list[tuple]:
    with transaction(services.sessions) as session:
        rows = session.scalars(select(FlaggedMessage).where(FlaggedMessage.scan_id == scan_id))
        return sorted((r.message_id, r.action, tuple(r.rules), r.students, r.students_sensitive,
                       tuple(sorted(r.roster_refs))) for r in rows)


def _jobs(services, scan_id: str | None = None) -> list[ScanJob]:
    with transaction(services.sessions) as session:
        query = select(ScanJob) if scan_id is None else select(ScanJob).where(ScanJob.scan_id == scan_id)
        return list(session.scalars(query))


def _wait(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_scan_loses_nothing_and_repeats_nothing(scan_env, redis_queue, mail, tmp_path,
                                                                   monkeypatch):
    env, services = scan_env
    monkeypatch.setenv("SAFESEND_SCAN_SLICE_MESSAGES", "120")
    monkeypatch.setenv("SAFESEND_SCAN_LEASE_SECONDS", "3")
    folder = tmp_path / "takeout"
    folder.mkdir()
    sent_mail.write_mbox(folder / "a.rivera.mbox", mail.messages)
    extra = sent_mail.build(ordinary=480, seed=9, with_seed=False).messages
    sent_mail.write_mbox(folder / "b.okafor.mbox", extra)
    total = len(mail.messages) + len(extra)

    # The undisturbed run: no worker, the jobs run in the command.
    redis_url = os.environ["SAFESEND_REDIS_URL"]
    monkeypatch.delenv("SAFESEND_REDIS_URL")
    quiet = CliRunner().invoke(main, ["incident", "scan", "--source", "mbox", "--path", str(folder),
                                      "--json"])
    assert json.loads(quiet.stdout.splitlines()[-1]) == {"scanned": total, "flagged": 1, "failed": 0}
    undisturbed = _flagged(services, _jobs(services)[0].scan_id)
    monkeypatch.setenv("SAFESEND_REDIS_URL", redis_url)

    child_env = {**os.environ}
    logs = [open(tmp_path / f"worker{n}.log", "w") for n in (1, 2)]
    workers = [subprocess.Popen([SAFESEND, "worker"], env=child_env, stdout=log, stderr=subprocess.STDOUT)
               for log in logs]
    try:
        from safesend.incident.jobs import live_workers

        def both_up():
            with transaction(services.sessions) as session:
                return live_workers(session) >= 2

        _wait(both_up, 60, "two workers to report in")
        command = subprocess.Popen([SAFESEND, "incident", "scan", "--source", "mbox", "--path", str(folder),
                                    "--json"], env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        victim = workers[0]

        def victim_mid_job():
            return [j for j in _jobs(services) if j.status == "running" and f":{victim.pid}:" in j.owner
                    and 0 < j.scanned and j.scanned * 2 <= j.expected  # well before its end
                    and j.scan_id != undisturbed_scan_id(services)]

        taken = _wait(victim_mid_job, 120, "the first worker to be in the middle of a job")
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        # Was the job still unfinished when its worker died? (It is, unless the victim
        # raced through the second half of its slice between our look and the kill.)
        interrupted = next(j for j in _jobs(services) if j.id == taken[0].id).status != "done"
        out, err = command.communicate(timeout=300)
        assert command.returncode == 1, err.decode()
        *flagged, summary = [json.loads(line) for line in out.decode().splitlines()]
        assert summary == {"scanned": total, "flagged": 1, "failed": 0}
        scan_id = taken[0].scan_id
        jobs = _jobs(services, scan_id)
        assert all(j.status == "done" for j in jobs)
        # Each job counted each of its messages once: its count is its slice's size.
        assert all(j.scanned == j.expected for j in jobs)
        resumed = next(j for j in jobs if j.id == taken[0].id)
        if interrupted:
            assert resumed.attempts >= 2          # taken over from its checkpoint by the survivor
        assert _flagged(services, scan_id) == undisturbed
        assert [f["message_id"] for f in flagged] == [mail.seed_message_id]
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in workers:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def undisturbed_scan_id(services) -> str:
    return min(_jobs(services), key=lambda j: j.id).scan_id
