"""Group commit of check records.

Every check is committed before its verdict is returned, so an answered check
is never lost. Committing each one alone cost a transaction per check (BEGIN,
two INSERTs, COMMIT and a WAL flush: ~1 ms of the web process's CPU and the
database's own). Here one writer thread per process commits whatever checks are
waiting as one transaction, with one multi-row insert per table: a check that
arrives while a commit is in flight goes into the next one. Nothing waits to
fill a batch (a lone check is written at once), and each caller still waits for
its own commit and gets its own error.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("safesend.checks")

MAX_BATCH = 128  # checks per transaction: bounds one statement's size under a burst


@dataclass
class CheckRecord:
    """The rows of one check, built by the request's own thread (store/checks.py)."""

    check: dict
    findings: list[dict]
    # Less common rows (students matched, internal errors), written after the
    # inserts in the same transaction; None for most checks.
    extra: Callable[[Connection], None] | None = None


Write = Callable[[Connection, list[CheckRecord]], None]
# Whether `write` puts these records in one statement (atomic without a transaction).
OneStatement = Callable[[Engine, list[CheckRecord]], bool]


@dataclass(eq=False)
class _Pending:
    record: CheckRecord
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class CheckWriter:
    """Commits check records for all threads of this process, in batches."""

    def __init__(self, engine: Engine, write: Write, max_batch: int = MAX_BATCH,
                 one_statement: OneStatement | None = None):
        self._engine = engine
        self._write = write
        self._one_statement = one_statement
        # A single statement commits by itself: no BEGIN and COMMIT round trips, after each
        # of which this thread waited for the interpreter lock behind the running checks.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._pid: int | None = None
        self.thread: threading.Thread | None = None  # this process's writer, once started

    def write(self, record: CheckRecord) -> None:
        """Return once `record` is committed; raise what committing it raised."""
        pending = _Pending(record)
        waiting, writer = self._started()
        waiting.put(pending)
        while not pending.done.wait(1.0):
            if not writer.is_alive():  # closed as this was queued: no writer will take it
                if not pending.done.is_set():  # (a writer's last batch is final once it is gone)
                    self._commit([pending])
                break
        if pending.error is not None:
            raise pending.error

    def _started(self) -> tuple[queue.SimpleQueue[_Pending | None], threading.Thread]:
        # One writer per process: a forked worker (gunicorn --preload) starts its own.
        with self._lock:
            if self._pid != os.getpid() or self.thread is None:
                self._queue = queue.SimpleQueue()
                self.thread = threading.Thread(target=self._run, args=(self._queue,),
                                               name="check-writer", daemon=True)
                self.thread.start()
                self._pid = os.getpid()
            return self._queue, self.thread

    def close(self) -> None:
        """Stop the writer thread once the records queued before this are committed."""
        with self._lock:
            if self._pid == os.getpid() and self.thread is not None:
                self._queue.put(None)
                self.thread = None

    def _run(self, waiting: queue.SimpleQueue[_Pending | None]) -> None:
        while True:
            first = waiting.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    more = waiting.get_nowait()
                except queue.Empty:
                    break
                if more is None:  # closing: this batch is the last
                    waiting.put(None)
                    break
                batch.append(more)
            try:
                self._commit(batch)
            except BaseException as exc:  # this thread must outlive any failure
                for pending in batch:
                    if not pending.done.is_set():
                        pending.error = exc
                        pending.done.set()

    def _commit(self, batch: list[_Pending]) -> None:
        records = [p.record for p in batch]
        try:
            if self._one_statement is not None and self._one_statement(self._engine, records):
                with self._autocommit.connect() as connection:
                    self._write(connection, records)
            else:
                with self._engine.begin() as connection:
                    self._write(connection, records)
        except Exception:
            if len(batch) == 1:
                raise
            # One bad record must not fail the others: write each on its own.
            log.warning("check records: a batch of %d failed; writing each alone", len(batch))
            for pending in batch:
                try:
                    self._commit([pending])
                except Exception as exc:
                    pending.error = exc
                pending.done.set()
            return
        for pending in batch:
            pending.done.set()


class DirectWriter:
    """Each record in its own transaction on the caller's thread: for an in-memory
    SQLite database, whose connections are per thread (a writer thread would
    write into a database of its own)."""

    def __init__(self, engine: Engine, write: Write):
        self._engine = engine
        self._write = write

    def write(self, record: CheckRecord) -> None:
        with self._engine.begin() as connection:
            self._write(connection, [record])

    def close(self) -> None:
        pass
