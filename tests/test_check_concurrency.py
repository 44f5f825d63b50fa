"""Slow checks must not hold database connections that quick checks need.

A check reads its policy in one short transaction, evaluates with no
connection held, then records in a second one. With a pool of ONE
connection and a short pool timeout, quick checks still complete while
two slow checks (attachments that keep a parser busy until the time
budget runs out) are being evaluated.
"""

from __future__ import annotations

import base64
import threading
import time

import pytest

from messages import DISTRICT, check_request, parents
from safesend.extract import isolation

SLOW_ATTACHMENT = {"name": "slow.bin", "content_type": "application/octet-stream",
                   "content_base64": base64.b64encode(b"SAFESEND-TEST-HOOK: cooperative").decode()}


@pytest.fixture
def hook_pool():
    """Two extraction workers that understand the test-only 'cooperative spin' file."""
    pool = isolation.WorkerPool(size=2, test_hooks=True)
    assert pool.wait_ready(60), "extract workers did not start"
    previous = isolation.set_default_pool(pool)
    yield pool
    isolation.set_default_pool(previous)
    pool.close()


def _busy_workers(pool) -> int:
    # Jobs in progress, not "workers not idle": a worker replaced after an
    # overrun is not idle while it starts up, but it is parsing nothing.
    return pool.running()


def test_quick_checks_complete_while_slow_checks_run(make_app, make_key, hook_pool):
    app = make_app(db_pool_size=1, db_max_overflow=0, db_pool_timeout=1)
    client_key = {"Authorization": f"Bearer {make_key('client')}"}
    it_key = {"Authorization": f"Bearer {make_key('it')}"}
    policy = {"internal_domains": [DISTRICT], "limits": {"time_budget_seconds": 4}}
    assert app.test_client().put("/api/v1/policy", json=policy, headers=it_key).status_code == 200

    slow_results: list[int] = []

    def slow_check() -> None:
        body = check_request(to=parents(3), attachments=[SLOW_ATTACHMENT])
        response = app.test_client().post("/api/v1/checks", json=body, headers=client_key)
        slow_results.append(response.status_code)

    slow = [threading.Thread(target=slow_check) for _ in range(2)]
    for thread in slow:
        thread.start()
    deadline = time.monotonic() + 10
    while _busy_workers(hook_pool) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _busy_workers(hook_pool) == 2, "the slow checks never reached extraction"

    quick = app.test_client()
    for _ in range(5):
        response = quick.post("/api/v1/checks", json=check_request(to=parents(30)), headers=client_key)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["check_id"]
    # The quick checks finished while both slow ones were still being evaluated.
    assert all(thread.is_alive() for thread in slow)
    assert _busy_workers(hook_pool) == 2

    for thread in slow:
        thread.join(30)
    assert slow_results == [200, 200]
    listed = quick.get("/api/v1/checks?limit=50", headers={"Authorization": f"Bearer {make_key('it')}"})
    assert listed.get_json()["total"] == 7  # every check was recorded


def test_testing_flag_reads_false_as_false(monkeypatch, tmp_path):
    from safesend.config import load_settings

    for value, expected in (("false", False), ("0", False), ("", False), ("no", False),
                            ("true", True), ("1", True), ("yes", True)):
        monkeypatch.setenv("SAFESEND_TESTING", value)
        assert load_settings({"instance_path": str(tmp_path)}).testing is expected, value
    monkeypatch.delenv("SAFESEND_TESTING")
    assert load_settings({"instance_path": str(tmp_path), "testing": True}).testing is True


def test_extraction_workers_run_at_lower_cpu_priority(hook_pool):
    """Big attachments are parsed at a lower priority than the web process, so
    they cannot starve quick checks of CPU on a busy machine."""
    import os

    from safesend.extract.worker import WORKER_NICENESS

    with hook_pool._cond:
        ready = list(hook_pool._idle)
    assert ready
    own = os.getpriority(os.PRIO_PROCESS, 0)
    for worker in ready:
        assert os.getpriority(os.PRIO_PROCESS, worker.proc.pid) == min(19, own + WORKER_NICENESS)


@pytest.mark.parametrize("where", ["scan processes", "web process"])
def test_checks_with_big_attachments_take_turns(make_app, make_key, hook_pool, where):
    """With SAFESEND_HEAVY_CHECKS=1 two checks with 1 MB+ attachments are
    evaluated one after the other, while quick checks go straight through: in
    scan processes (two started, one used at a time), and in the web process
    (scan processes off), where their scanning would share the GIL with every quick check."""
    app = make_app(heavy_checks=1, scan_processes=where == "scan processes")
    busy = _busy_workers
    if where == "scan processes":
        from safesend.scanproc.pool import ScanPool

        services = app.extensions["safesend"]
        scan_pool = ScanPool(2, services.roster_key, test_hooks=True)  # their extraction workers too
        assert scan_pool.wait_ready(60), "scan processes did not start"
        services.use_scan_pool(scan_pool)

        def busy(_):
            return scan_pool.running()
    client_key = {"Authorization": f"Bearer {make_key('client')}"}
    it_key = {"Authorization": f"Bearer {make_key('it')}"}
    policy = {"internal_domains": [DISTRICT], "limits": {"time_budget_seconds": 2}}
    assert app.test_client().put("/api/v1/policy", json=policy, headers=it_key).status_code == 200
    big = base64.b64encode(b"SAFESEND-TEST-HOOK: cooperative\n" + b"\0" * (1024 * 1024)).decode()
    heavy_body = check_request(to=parents(3), attachments=[
        {"name": "big.bin", "content_type": "application/octet-stream", "content_base64": big}])
    statuses: list[int] = []

    def heavy_check() -> None:
        response = app.test_client().post("/api/v1/checks", json=heavy_body, headers=client_key)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=heavy_check) for _ in range(2)]
    for thread in threads:
        thread.start()
    most_busy, quick_ok = 0, 0
    while any(t.is_alive() for t in threads):
        most_busy = max(most_busy, busy(hook_pool))
        if quick_ok < 3 and busy(hook_pool) == 1:
            quick = app.test_client().post("/api/v1/checks", json=check_request(to=parents(30)),
                                           headers=client_key)
            quick_ok += quick.status_code == 200
        time.sleep(0.02)
    assert statuses == [200, 200]
    assert most_busy == 1  # never both at once, though two workers were free
    assert quick_ok == 3   # quick checks were not held back by the waiting heavy one
