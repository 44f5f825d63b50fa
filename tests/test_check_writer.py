"""Group commit of check records (store/check_writer.py), on SQLite and PostgreSQL.

Checks that wait while a commit is in flight are written together in the next
transaction; each caller returns only once its own record is committed, and a
record that cannot be written fails alone."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from messages import DISTRICT, check_request, parents
from safesend.message import Message
from safesend.store.check_writer import CheckWriter
from safesend.store.checks import check_record, write_check_records, writes_in_one_statement
from safesend.store.models import Check, CheckFinding
from safesend.verdict import Finding, Verdict

CANARY = "zebulon.canary.7731@families.example.org"


def _record(check_id: str | None = None, sender: str = "teacher@district.example.org"):
    verdict = Verdict(check_id=check_id or uuid.uuid4().hex, policy_version=0)
    verdict.findings.append(Finding(rule="visible_recipients", action="warn", title="t", detail="d",
                                    count=30))
    return check_record("default", Message(sender=sender), verdict, None, "00" * 32)


def _count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


class _HeldWrites:
    """The real write, held at its first call until released: checks queue meanwhile."""

    def __init__(self):
        self.entered = threading.Event()
        self.release = threading.Event()
        self.batch_sizes: list[int] = []

    def __call__(self, connection, records) -> None:
        self.batch_sizes.append(len(records))
        if len(self.batch_sizes) == 1:
            self.entered.set()
            assert self.release.wait(30)
        write_check_records(connection, records)


def _write_behind_a_held_commit(engine, waiting_checks: int, before_release=None) -> _HeldWrites:
    """One check whose commit is held while `waiting_checks` more are written, then released."""
    held = _HeldWrites()
    writer = CheckWriter(engine, held, one_statement=writes_in_one_statement)
    first = threading.Thread(target=writer.write, args=(_record(),))
    first.start()
    assert held.entered.wait(30)
    waiting = [threading.Thread(target=writer.write, args=(_record(),)) for _ in range(waiting_checks)]
    for thread in waiting:
        thread.start()
    if before_release is not None:
        before_release(waiting)
    held.release.set()
    for thread in (first, *waiting):
        thread.join(30)
        assert not thread.is_alive()
    return held


def test_checks_waiting_on_a_commit_are_written_together(app):
    engine = app.extensions["safesend"].engine

    def none_returned_yet(waiting):  # none returns before its record is committed
        waiting[-1].join(0.2)
        assert all(thread.is_alive() for thread in waiting)

    held = _write_behind_a_held_commit(engine, 10, none_returned_yet)
    assert held.batch_sizes[0] == 1 and sum(held.batch_sizes) == 11
    assert len(held.batch_sizes) < 11  # the ten that waited shared transactions
    assert _count(engine, Check.__table__) == 11
    assert _count(engine, CheckFinding.__table__) == 11


def test_a_record_that_cannot_be_written_fails_alone(app):
    engine = app.extensions["safesend"].engine
    writer = app.extensions["safesend"].check_writer
    taken = uuid.uuid4().hex
    writer.write(_record(taken))
    held = _HeldWrites()
    writer = CheckWriter(engine, held, one_statement=writes_in_one_statement)
    blocker = threading.Thread(target=writer.write, args=(_record(),))
    blocker.start()
    assert held.entered.wait(30)
    errors: dict[int, BaseException | None] = {}

    def write(index: int, record) -> None:
        try:
            writer.write(record)
            errors[index] = None
        except Exception as exc:  # noqa: BLE001 - the test looks at what each caller got
            errors[index] = exc

    records = [_record(), _record(taken, sender=CANARY), _record(), _record()]
    threads = [threading.Thread(target=write, args=(i, r)) for i, r in enumerate(records)]
    for thread in threads:
        thread.start()
    held.release.set()
    for thread in (blocker, *threads):
        thread.join(30)
    assert isinstance(errors[1], IntegrityError)           # the duplicate check id
    assert CANARY not in str(errors[1])                    # no request value in the error's text
    assert [errors[i] for i in (0, 2, 3)] == [None, None, None]
    assert _count(engine, Check.__table__) == 1 + 1 + 3


def test_concurrent_api_checks_are_all_recorded(make_app, make_key):
    app = make_app()
    client_key = {"Authorization": f"Bearer {make_key('client')}"}
    it_key = {"Authorization": f"Bearer {make_key('it')}"}
    assert app.test_client().put("/api/v1/policy", json={"internal_domains": [DISTRICT]},
                                 headers=it_key).status_code == 200
    statuses: list[int] = []
    ids: list[str] = []

    def send() -> None:
        for _ in range(5):
            response = app.test_client().post("/api/v1/checks", json=check_request(to=parents(30)),
                                              headers=client_key)
            statuses.append(response.status_code)
            ids.append(response.get_json().get("check_id"))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * 40
    listed = app.test_client().get("/api/v1/checks?limit=100", headers=it_key).get_json()
    assert listed["total"] == 40
    assert {item["id"] for item in listed["items"]} == set(ids)


@pytest.mark.parametrize("database_url", ["sqlite://"], indirect=False)
def test_in_memory_sqlite_writes_on_the_callers_thread(app, make_key):
    # An in-memory database is per connection: a writer thread would record elsewhere.
    key = {"Authorization": f"Bearer {make_key('client')}"}
    assert app.test_client().post("/api/v1/checks", json=check_request(to=parents(3)),
                                  headers=key).status_code == 200
    engine = app.extensions["safesend"].engine
    assert _count(engine, Check.__table__) == 1


def test_closing_stops_the_writer_after_what_was_queued(app):
    engine = app.extensions["safesend"].engine
    writer = CheckWriter(engine, write_check_records)
    writer.write(_record())
    thread = writer.thread
    assert thread is not None and thread.is_alive()
    writer.close()
    thread.join(5)
    assert not thread.is_alive()
    writer.write(_record())  # a write after close starts a writer again
    writer.close()
    assert _count(engine, Check.__table__) == 2


def test_a_record_queued_behind_a_close_is_written_by_its_caller(app):
    """The race at shutdown: a write takes the queue, the writer is closed, the record
    lands behind the stop. Its caller sees the writer gone and commits it itself."""
    engine = app.extensions["safesend"].engine
    writer = CheckWriter(engine, write_check_records)
    writer.write(_record())
    take_queue = writer._started  # noqa: SLF001 - the step a write takes before it queues

    def take_queue_then_close():
        taken = take_queue()
        writer.close()
        taken[1].join(5)          # the writer has stopped before the record is queued
        return taken

    writer._started = take_queue_then_close  # noqa: SLF001
    writer.write(_record())
    assert _count(engine, Check.__table__) == 2


def _rows(engine, table, ids: list[str], key: str) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(select(table).where(table.c[key].in_(ids))).mappings().all()
    return sorted((dict(row) for row in rows), key=lambda row: ids.index(row[key]))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_on_postgresql_a_batch_is_one_statement_without_a_transaction_around_it(app):
    engine = app.extensions["safesend"].engine
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        held = _write_behind_a_held_commit(engine, 6)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    writes = [s for s in statements if "INSERT" in s]
    assert len(writes) == len(held.batch_sizes) and all(s.startswith("WITH new_checks AS (INSERT INTO checks")
                                                        for s in writes)
    assert _count(engine, Check.__table__) == _count(engine, CheckFinding.__table__) == 7


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_one_statement_writes_the_rows_the_core_inserts_write(app):
    """The same records through both paths (a record with extra rows takes the Core inserts)."""
    engine = app.extensions["safesend"].engine
    one = [_record(), _record(sender="other@district.example.org")]
    core = [_record(), _record(sender="other@district.example.org")]
    core[0].extra = lambda connection: None
    for records in (one, core):
        with engine.begin() as connection:
            write_check_records(connection, records)
    assert writes_in_one_statement(engine, one) and not writes_in_one_statement(engine, core)
    checks, findings = Check.__table__, CheckFinding.__table__

    def without(rows, *names):
        return [{k: v for k, v in row.items() if k not in names} for row in rows]

    one_ids, core_ids = [r.check["id"] for r in one], [r.check["id"] for r in core]
    one_checks, core_checks = _rows(engine, checks, one_ids, "id"), _rows(engine, checks, core_ids, "id")
    assert all(row["created_at"] is not None for row in one_checks + core_checks)
    assert without(one_checks, "id", "created_at") == without(core_checks, "id", "created_at")
    assert without(_rows(engine, findings, one_ids, "check_id"), "id", "check_id") == \
        without(_rows(engine, findings, core_ids, "check_id"), "id", "check_id")
