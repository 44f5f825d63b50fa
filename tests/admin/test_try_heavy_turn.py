"""'Try a message' with a big file is evaluated as a check is: after its database
transaction has ended, and only when it gets a heavy check's turn (it scanned at once,
inside the transaction, beside any number of other big files)."""

from __future__ import annotations

import io
import threading
import time

import pytest
from admin.console_helpers import csrf_token

from messages import eml_bytes, parents
from safesend import checking
from safesend.extract import reasons


@pytest.fixture
def app(make_app):
    return make_app(heavy_checks=1)


def test_a_big_file_on_the_try_page_waits_its_turn_holding_no_database_connection(console, app, auth):
    policy = {"limits": {"time_budget_seconds": 1}}
    assert app.test_client().put("/api/v1/policy", json=policy, headers=auth["it"]).status_code == 200
    it = console["it"]
    token = csrf_token(it, "/admin/try")
    notes = b"Meeting notes for the week, nothing about anyone in particular.\n" * 20000  # 1.3 MB
    eml = eml_bytes(to=parents(3), subject="Notes", attachments=[("notes.txt", "text/plain", notes)])
    engine = app.extensions["safesend"].sessions.kw["bind"]
    with checking._heavy_lock:  # noqa: SLF001 - the process's one turn, held as a long check would
        turn = checking._heavy_slots.setdefault(1, threading.BoundedSemaphore(1))  # noqa: SLF001
    assert turn.acquire(timeout=30)
    pages: list = []
    try:
        trying = threading.Thread(target=lambda: pages.append(it.post(
            "/admin/try", data={"csrf_token": token, "file": (io.BytesIO(eml), "notes.eml")})))
        trying.start()
        time.sleep(0.5)  # waiting for its turn by now
        assert trying.is_alive()
        assert engine.pool.checkedout() == 0
        trying.join(30)
        assert not trying.is_alive(), "the try page waited for a turn without end"
    finally:
        turn.release()
    page = pages[0].get_data(as_text=True)
    assert pages[0].status_code == 200
    assert "SafeSend could not check 1 file" in page and f"notes.txt: {reasons.TIME}" in page
