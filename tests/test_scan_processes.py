"""Heavy checks (1 MB+ of attachments) are scanned in scan processes (scanproc/):
same verdicts and records as the in-process scan, another process, quick checks
served meanwhile, and a killed or overrunning scan process still gives a verdict."""

from __future__ import annotations

import base64
import csv
import io
import logging
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from detect.synthetic import roster_table, synthetic_roster, synthetic_text
from sqlalchemy import select

from messages import DISTRICT, check_request, parents
from safesend.extract import reasons
from safesend.scanproc.pool import ScanPool

ROSTER = synthetic_roster(200, seed=11, plan_rate=0.3)
NAMED = ROSTER.students[:40]
# Prose with no student in it, to make a message heavy.
FILLER = synthetic_text(1_100_000, seed=3).encode()
SECRET_NAME = "Garcia-family-notes.csv"   # a file name that must never reach a log


def _attachment(name: str, content_type: str, data: bytes) -> dict:
    return {"name": name, "content_type": content_type, "content_base64": base64.b64encode(data).decode()}


def _csv_students() -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(roster_table(ROSTER, rows=len(NAMED)))
    return out.getvalue().encode()


def _xlsx_students() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in roster_table(ROSTER, rows=len(NAMED)):
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _docx_students() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Support plan meetings this week: "
                           + ", ".join(f"{s.first} {s.last}" for s in NAMED[:12]) + ".")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Student", "Student ID"
    for student in NAMED[12:]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = f"{student.first} {student.last}", student.student_id
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


HEAVY_MESSAGES = {
    "csv": [_attachment("students.csv", "text/csv", _csv_students())],
    "xlsx": [_attachment("students.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         _xlsx_students())],
    "docx": [_attachment("plans.docx",
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         _docx_students())],
    "no students": [],
}


def _heavy_request(files: list[dict]) -> dict:
    return check_request(to=parents(3), subject="Notes for the team",
                         attachments=[*files, _attachment("notes.txt", "text/plain", FILLER)])


def _set_up(app, auth, time_budget: float = 60) -> None:
    client = app.test_client()
    policy = {"internal_domains": [DISTRICT], "limits": {"time_budget_seconds": time_budget}}
    assert client.put("/api/v1/policy", json=policy, headers=auth["it"]).status_code == 200
    imported = client.put("/api/v1/roster", headers={**auth["it"], "Content-Type": "text/csv"},
                          data=ROSTER.csv_text())
    assert imported.status_code == 200, imported.json


def _recorded(app, check_id: str) -> dict:
    """What the check left in the database: its counts, findings and matched students."""
    from safesend.store.db import transaction
    from safesend.store.incident_models import CheckStudent
    from safesend.store.models import Check, CheckFinding

    with transaction(app.extensions["safesend"].sessions) as session:
        check = session.get(Check, check_id)
        findings = session.execute(select(CheckFinding.rule, CheckFinding.action, CheckFinding.count,
                                          CheckFinding.audit)
                                   .where(CheckFinding.check_id == check_id)).all()
        students = session.execute(select(CheckStudent.ref, CheckStudent.sensitive)
                                   .where(CheckStudent.check_id == check_id)).all()
        return {"students_matched": check.students_matched, "action": check.action,
                "audit_action": check.audit_action, "audience": check.audience,
                "findings": sorted(tuple(f) for f in findings),
                "students": sorted(tuple(s) for s in students)}


@pytest.fixture
def hook_pool(app):
    """Scan processes that understand the test-only 'hold' attachment, for `app`."""
    services = app.extensions["safesend"]
    pool = ScanPool(2, services.roster_key, test_hooks=True)
    assert pool.wait_ready(60), "scan processes did not start"
    previous = services.use_scan_pool(pool)
    yield pool
    services.use_scan_pool(previous)
    pool.close()


def _hold_request(folder, name: str = "held.txt") -> dict:
    held = f"SAFESEND-SCAN-TEST-HOOK: hold {folder}\n".encode() + FILLER
    return check_request(to=parents(3), attachments=[_attachment(name, "text/plain", held)])


def _wait_for(path, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, "the scan never reached the scan process"
        time.sleep(0.02)
    time.sleep(0.05)  # the pid is written by then
    return path.read_text()


@pytest.mark.parametrize("kind", list(HEAVY_MESSAGES))
def test_heavy_checks_give_the_same_verdict_and_record_in_a_scan_process(make_app, make_key, auth, kind):
    inside = make_app(scan_processes=False, heavy_checks=1)
    outside = make_app(heavy_checks=1)
    _set_up(inside, auth)
    body = _heavy_request(HEAVY_MESSAGES[kind])
    results = []
    for app in (inside, outside):
        response = app.test_client().post("/api/v1/checks", json=body, headers=auth["client"])
        assert response.status_code == 200, response.json
        verdict = response.json
        results.append(({k: v for k, v in verdict.items() if k not in ("check_id", "stamp")},
                        _recorded(app, verdict["check_id"])))
    assert results[0] == results[1]
    verdict, recorded = results[1]
    if kind == "no students":
        assert verdict["students_matched"] == 0
    else:
        assert verdict["students_matched"] >= 12 and recorded["students"]
    assert not any(f["rule"] == "unscannable_attachment" for f in verdict["findings"])
    # ... the second one scanned in a scan process, the first one here (stamps name the check).
    assert inside.extensions["safesend"]._scan_pool is None
    pool = outside.extensions["safesend"]._scan_pool
    assert pool is not None and sum(w.jobs for w in pool._all) == 1 and pool.kills == 0


def test_a_scan_process_gets_each_roster_snapshot_once(app, auth):
    _set_up(app, auth)
    services = app.extensions["safesend"]
    pool = ScanPool(1, services.roster_key)
    services.use_scan_pool(pool)   # closed with the app's services
    body = _heavy_request([])
    body["body"]["text"] = f"Notes about {NAMED[0].first} {NAMED[0].last}."  # known to this roster only
    client = app.test_client()
    for _ in range(2):
        assert client.post("/api/v1/checks", json=body, headers=auth["client"]).json["students_matched"] == 1
    assert pool.roster_loads == 1
    # A new snapshot (another roster imported) is handed over, and used.
    other = synthetic_roster(50, seed=12)
    imported = client.put("/api/v1/roster?replace=true", data=other.csv_text(),
                          headers={**auth["it"], "Content-Type": "text/csv"})
    assert imported.status_code == 200, imported.json
    assert client.post("/api/v1/checks", json=body, headers=auth["client"]).json["students_matched"] == 0
    assert pool.roster_loads == 2 and pool.kills == 0


def test_quick_checks_complete_while_a_heavy_scan_runs_in_another_process(app, auth, hook_pool, tmp_path):
    _set_up(app, auth)
    statuses: list[dict] = []
    heavy = threading.Thread(target=lambda: statuses.append(app.test_client().post(
        "/api/v1/checks", json=_hold_request(tmp_path), headers=auth["client"]).json))
    heavy.start()
    pid = int(_wait_for(tmp_path / "started"))
    assert pid != os.getpid() and pid in {w.proc.pid for w in hook_pool._all}
    assert hook_pool.running() == 1
    quick = app.test_client()
    for _ in range(5):
        response = quick.post("/api/v1/checks", json=check_request(to=parents(30)), headers=auth["client"])
        assert response.status_code == 200 and response.json["check_id"]
    assert heavy.is_alive()  # the quick checks finished while the heavy scan was held
    (tmp_path / "release").touch()
    heavy.join(60)
    assert statuses and statuses[0]["check_id"]
    assert not any(f["rule"] == "unscannable_attachment" for f in statuses[0]["findings"])


def test_scan_processes_run_at_lower_cpu_priority(app, auth):
    """Big attachments cannot starve the quick checks of CPU on a busy machine;
    a scan process's own extraction worker runs at its priority, not lower still."""
    from safesend.procchild import NICENESS

    _set_up(app, auth)
    services = app.extensions["safesend"]
    pool = ScanPool(1, services.roster_key)
    services.use_scan_pool(pool)   # closed with the app's services
    response = app.test_client().post("/api/v1/checks", json=_heavy_request(HEAVY_MESSAGES["docx"]),
                                      headers=auth["client"])
    assert response.status_code == 200
    expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
    (scan_process,) = [w.proc.pid for w in pool._all]
    # Its children, started by whichever of its threads (the extraction pool's spawner).
    extraction = [int(pid) for task in Path(f"/proc/{scan_process}/task").iterdir()
                  for pid in (task / "children").read_text().split()]
    assert os.getpriority(os.PRIO_PROCESS, scan_process) == expected
    assert extraction and all(os.getpriority(os.PRIO_PROCESS, pid) == expected for pid in extraction)


def _unscannable(verdict: dict) -> dict:
    found = [f for f in verdict["findings"] if f["rule"] == "unscannable_attachment"]
    assert len(found) == 1, verdict["findings"]
    return found[0]


def test_a_scan_process_killed_mid_scan_gives_a_verdict_and_is_replaced(app, auth, hook_pool, tmp_path,
                                                                        caplog):
    _set_up(app, auth)
    body = _hold_request(tmp_path, SECRET_NAME)
    body["body"]["text"] = f"Notes about {NAMED[0].first} {NAMED[0].last}."
    verdicts: list[dict] = []
    caplog.set_level(logging.INFO)
    heavy = threading.Thread(target=lambda: verdicts.append(app.test_client().post(
        "/api/v1/checks", json=body, headers=auth["client"]).json))
    heavy.start()
    killed = int(_wait_for(tmp_path / "started"))
    os.kill(killed, signal.SIGKILL)
    heavy.join(60)
    finding = _unscannable(verdicts[0])
    assert finding["attachments"] == [SECRET_NAME]
    assert reasons.CRASHED in finding["detail"]
    assert verdicts[0]["students_matched"] == 1  # the body was still scanned
    assert hook_pool.kills == 1
    # A fresh process serves the next heavy check.
    again = tmp_path / "again"
    again.mkdir()
    (again / "release").touch()
    response = app.test_client().post("/api/v1/checks", json=_hold_request(again), headers=auth["client"])
    assert response.status_code == 200
    assert not any(f["rule"] == "unscannable_attachment" for f in response.json["findings"])
    assert int((again / "started").read_text()) not in (killed, os.getpid())
    # ... and the killed one was replaced: the pool is back to two live processes.
    deadline = time.monotonic() + 60
    while True:
        with hook_pool._cond:  # noqa: SLF001
            live = [w.proc.pid for w in hook_pool._idle if w.proc.poll() is None]  # noqa: SLF001
        if len(live) == 2:
            break
        assert time.monotonic() < deadline, "the killed scan process was not replaced"
        time.sleep(0.05)
    assert killed not in live
    assert SECRET_NAME not in caplog.text and "SAFESEND-SCAN-TEST-HOOK" not in caplog.text
    assert "scan process stopped" in caplog.text


def test_an_overrunning_scan_is_killed_at_the_deadline(app, auth, hook_pool, tmp_path, caplog, capfd):
    _set_up(app, auth, time_budget=1)
    caplog.set_level(logging.INFO)
    started = time.monotonic()
    response = app.test_client().post("/api/v1/checks", json=_hold_request(tmp_path, SECRET_NAME),
                                      headers=auth["client"])
    assert response.status_code == 200
    assert time.monotonic() - started < 30
    finding = _unscannable(response.json)
    assert finding["attachments"] == [SECRET_NAME] and reasons.TIME in finding["detail"]
    assert hook_pool.kills == 1
    logs = caplog.text + capfd.readouterr().err  # the scan processes log to our stderr
    assert "overran the time limit" in logs
    assert SECRET_NAME not in logs and "SAFESEND-SCAN-TEST-HOOK" not in logs


@pytest.mark.parametrize("program, logged", [
    ("/bin/false", "a worker failed to start"),                          # starts, never says "ready"
    ("/nonexistent/python3", "cannot start a worker (FileNotFoundError)"),  # cannot even be launched
])
def test_heavy_checks_are_scanned_here_when_scan_processes_cannot_start(app, auth, monkeypatch, caplog,
                                                                        program, logged):
    """Either way a start fails, it is retried, then the pool is broken and heavy checks
    are scanned here at once: not held until the time budget and reported as not scanned."""
    _set_up(app, auth)
    monkeypatch.setenv("SAFESEND_EXTRACT_PYTHON", program)
    services = app.extensions["safesend"]
    caplog.set_level(logging.INFO)
    broken = ScanPool(2, services.roster_key)
    monkeypatch.delenv("SAFESEND_EXTRACT_PYTHON")
    assert not broken.wait_ready(10)
    previous = services.use_scan_pool(broken)
    started = time.monotonic()
    try:
        response = app.test_client().post("/api/v1/checks", json=_heavy_request(HEAVY_MESSAGES["csv"]),
                                          headers=auth["client"])
    finally:
        services.use_scan_pool(previous)
        broken.close()
    assert response.status_code == 200
    assert not any(f["rule"] == "unscannable_attachment" for f in response.json["findings"])
    assert response.json["students_matched"] == len(NAMED)
    assert time.monotonic() - started < 30   # the budget is 60 s: it did not wait for a worker
    assert logged in caplog.text
    assert "scanning in the web process" in caplog.text


def test_a_scan_process_that_died_while_idle_is_replaced_not_handed_out(app, auth, hook_pool):
    _set_up(app, auth)
    deadline = time.monotonic() + 60
    while True:  # both started and idle; then killed as an OOM killer would
        with hook_pool._cond:  # noqa: SLF001
            idle = [worker.proc for worker in hook_pool._idle]  # noqa: SLF001
        if len(idle) == 2:
            break
        assert time.monotonic() < deadline, "the scan processes did not start"
        time.sleep(0.05)
    for proc in idle:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    response = app.test_client().post("/api/v1/checks", json=_heavy_request(HEAVY_MESSAGES["csv"]),
                                      headers=auth["client"])
    assert response.status_code == 200
    assert not any(f["rule"] == "unscannable_attachment" for f in response.json["findings"])
    assert response.json["students_matched"] == len(NAMED)
    assert hook_pool.kills == 2


def test_an_incident_scans_longer_budget_reaches_the_scan_process(monkeypatch):
    """Incident scans give each message a longer budget than a saved policy may hold
    (SAFESEND_SCAN_TIME_BUDGET_SECONDS, 120 here): the scan process takes it as it is,
    not as an invalid policy (which made every heavy message of the scan unscannable)."""
    from safesend.content import body_text
    from safesend.incident.jobs import scan_policy
    from safesend.policy import parse_policy
    from safesend.schemas import CheckRequest, to_message

    monkeypatch.setenv("SAFESEND_SCAN_TIME_BUDGET_SECONDS", "120")
    policy = scan_policy(parse_policy({"internal_domains": [DISTRICT]}))
    assert policy.limits.time_budget_seconds == 120
    message = to_message(CheckRequest.model_validate(_heavy_request(HEAVY_MESSAGES["csv"])), 10_000)
    pool = ScanPool(1, b"k" * 32)
    try:
        assert pool.wait_ready(60), "the scan process did not start"
        report = pool.scan(message, policy, body_text(message, policy.limits.max_text_chars), None)
    finally:
        pool.close()
    assert report.unscannable == [] and report.internal_errors == []
    assert pool.kills == 0


def test_a_scan_process_starts_its_extraction_worker_before_its_first_file():
    pool = ScanPool(1, b"k" * 32)
    try:
        assert pool.wait_ready(60), "the scan process did not start"
        with pool._cond:  # noqa: SLF001
            scan_pid = pool._idle[0].proc.pid  # noqa: SLF001
        def children() -> list[str]:  # of any of its threads (a pool's spawner thread starts them)
            return [pid for task in Path(f"/proc/{scan_pid}/task").iterdir()
                    for pid in (task / "children").read_text().split()]

        deadline = time.monotonic() + 30
        while not children():   # no file has been sent to it
            assert time.monotonic() < deadline, "no extraction worker was started"
            time.sleep(0.05)
    finally:
        pool.close()


def test_a_heavy_check_that_gets_no_turn_within_its_budget_reports_its_files_not_scanned(make_app, make_key,
                                                                                       caplog):
    """With every turn taken (here held by the test, as long checks would), a heavy check
    waits its time budget, no longer: its files are reported not scanned for time, its body
    is still scanned, and the verdict comes back."""
    from safesend import checking

    app = make_app(heavy_checks=1)
    key = {"Authorization": f"Bearer {make_key('client')}"}
    _set_up(app, {"it": {"Authorization": f"Bearer {make_key('it')}"}}, time_budget=1)
    with checking._heavy_lock:  # noqa: SLF001 - the process's one turn
        turn = checking._heavy_slots.setdefault(1, threading.BoundedSemaphore(1))  # noqa: SLF001
    assert turn.acquire(timeout=30)
    body = _heavy_request([_attachment(SECRET_NAME, "text/csv", _csv_students())])
    body["body"]["text"] = f"Notes about {NAMED[0].first} {NAMED[0].last}."
    caplog.set_level(logging.INFO)
    responses: list = []
    try:
        sender = threading.Thread(target=lambda: responses.append(app.test_client().post(
            "/api/v1/checks", json=body, headers=key)))
        sender.start()
        sender.join(60)
        assert not sender.is_alive(), "the heavy check waited for a turn without end"
    finally:
        turn.release()
    assert responses[0].status_code == 200
    finding = _unscannable(responses[0].json)
    assert sorted(finding["attachments"]) == sorted([SECRET_NAME, "notes.txt"])
    assert reasons.TIME in finding["detail"]
    assert responses[0].json["students_matched"] == 1   # the body was scanned
    assert "no turn within 1 s" in caplog.text and SECRET_NAME not in caplog.text


def test_closing_the_pool_leaves_a_busy_workers_pipes_to_the_thread_using_it(tmp_path):
    # close() closed every worker's pipes, also under a thread in the middle of a scan,
    # whose next write could then go to whatever file took the descriptor number.
    from messages import message
    from safesend.message import Attachment
    from safesend.policy import parse_policy

    pool = ScanPool(1, b"k" * 32, test_hooks=True)
    try:
        assert pool.wait_ready(60), "scan process did not start"
        held = f"SAFESEND-SCAN-TEST-HOOK: hold {tmp_path}\n".encode()
        msg = message(to=parents(3), attachments=(Attachment("held.txt", "text/plain", held),))
        reports = []
        scanning = threading.Thread(target=lambda: reports.append(
            pool.scan(msg, parse_policy({}), msg.body_text, None)))
        scanning.start()
        _wait_for(tmp_path / "started")
        (busy,) = pool._all
        closed_by: list[str] = []
        close_pipes = busy.close_pipes
        busy.close_pipes = lambda: (closed_by.append(threading.current_thread().name), close_pipes())
    finally:
        pool.close()
    scanning.join(30)
    assert not scanning.is_alive()
    assert closed_by and set(closed_by) == {scanning.name}
    assert busy.proc.poll() is not None and busy.proc.stdin.closed
    assert reports[0].unscannable and reports[0].unscannable[0].reason == reasons.CRASHED
