"""The directory as the send path sees it: answers within a time budget.

`Directory.resolve` answers from the cache at once. Addresses it has not seen
are looked up in background threads; whatever has not been answered when the
budget runs out comes back as "size unknown", and the lookup goes on so that
the next check finds the answer in the cache.

Cache entries are fresh for `ttl_seconds` (groups) or `negative_ttl_seconds`
(not a group). After that they are refreshed in the background, and for
`stale_seconds` more the old answer is still given when the refresh is slow
or fails: a list that had 2,000 members an hour ago is not "unknown" because
Microsoft Graph is throttling this minute. Failed lookups are kept for
`error_ttl_seconds` only, so that a failing backend is not asked again on
every check.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .base import DirectoryBackend, GroupInfo, normalize_address, normalize_domains, redact_address
from .cache import Cache, MemoryCache

log = logging.getLogger("safesend.directory")

NOT_IN_TIME = "the directory did not answer in time"
DIRECTORY_SOURCE = "directory"
_CACHE_VERSION = "v1"

__all__ = ["Directory", "BackendStatus", "NOT_IN_TIME"]


@dataclass(frozen=True)
class BackendStatus:
    """How one backend has been doing, for the admin dashboard (this process only)."""

    name: str
    kind: str
    lookups: int
    failures: int
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    last_duration_seconds: float | None

    @property
    def healthy(self) -> bool:
        if self.last_error_at is None:
            return True
        return self.last_success_at is not None and self.last_success_at > self.last_error_at

    def to_dict(self) -> dict[str, Any]:
        def stamp(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {"name": self.name, "kind": self.kind, "healthy": self.healthy,
                "lookups": self.lookups, "failures": self.failures,
                "last_success_at": stamp(self.last_success_at), "last_error": self.last_error,
                "last_error_at": stamp(self.last_error_at),
                "last_duration_seconds": self.last_duration_seconds}


class _StatusBoard:
    def __init__(self, backends: Sequence[DirectoryBackend]):
        self._lock = threading.Lock()
        self._rows = {id(b): {"name": b.name, "kind": getattr(b, "kind", b.name), "lookups": 0,
                              "failures": 0, "last_success_at": None, "last_error": None,
                              "last_error_at": None, "last_duration_seconds": None}
                      for b in backends}
        self._order = [id(b) for b in backends]

    def record(self, backend: DirectoryBackend, info: GroupInfo | None, seconds: float) -> None:
        now = datetime.now(UTC)
        with self._lock:
            row = self._rows[id(backend)]
            row["lookups"] += 1
            row["last_duration_seconds"] = round(seconds, 4)
            if info is not None and info.error:
                row["failures"] += 1
                row["last_error"] = info.error
                row["last_error_at"] = now
            else:
                row["last_success_at"] = now

    def snapshot(self) -> list[BackendStatus]:
        with self._lock:
            return [BackendStatus(**self._rows[key]) for key in self._order]


class _WorkerPool:
    """Daemon worker threads: a lookup still running never holds up process exit
    (concurrent.futures joins its workers at exit, which a 10 s backend would
    turn into a 10 s shutdown). Threads start on demand, and again in a forked
    child (gunicorn), where the parent's threads do not exist."""

    def __init__(self, max_workers: int, name: str = "safesend-directory"):
        self.max_workers = max(1, max_workers)
        self.name = name
        self._lock = threading.Lock()
        self._reset()
        self._closed = False

    def _reset(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0      # threads waiting for a job
        self._queued = 0    # jobs no thread has taken yet
        self._pid = os.getpid()

    def submit(self, fn: Callable[[], Any]) -> cf.Future:
        future: cf.Future = cf.Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the directory is closed")
            if self._pid != os.getpid():
                self._reset()
            self._queue.put((future, fn))
            self._queued += 1
            if self._queued > self._idle and len(self._threads) < self.max_workers:
                thread = threading.Thread(target=self._work, args=(self._queue,),
                                          name=f"{self.name}-{len(self._threads) + 1}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self, jobs: queue.SimpleQueue) -> None:
        while True:
            with self._lock:
                self._idle += 1
            item = jobs.get()
            with self._lock:
                self._idle -= 1
                if item is not None:
                    self._queued -= 1
            if item is None:
                return
            future, fn = item
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:  # the job wraps its own errors; this is a last resort
                    future.set_exception(exc)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for _ in self._threads:
                self._queue.put(None)

    @property
    def threads(self) -> list[threading.Thread]:
        return list(self._threads)


class Directory:
    """Group look-ups for the send path: cached, bounded in time, never raising."""

    def __init__(self, backends: Iterable[DirectoryBackend], cache: Cache | None = None, *,
                 budget_seconds: float = 0.5, ttl_seconds: int = 3600, negative_ttl_seconds: int = 600,
                 error_ttl_seconds: float = 60, stale_seconds: float = 86_400, max_workers: int = 8,
                 max_pending: int = 1000, clock: Callable[[], float] = time.time):
        self.backends: list[DirectoryBackend] = list(backends)
        names = [b.name for b in self.backends]
        if len(set(names)) != len(names):
            raise ValueError(f"directory backends need distinct names, got {names}")
        self.cache: Cache = cache if cache is not None else MemoryCache(clock=clock)
        self.budget_seconds = budget_seconds
        self.ttl_seconds = ttl_seconds
        self.negative_ttl_seconds = negative_ttl_seconds
        self.error_ttl_seconds = error_ttl_seconds
        self.stale_seconds = stale_seconds
        self.max_pending = max_pending
        self.clock = clock
        self._pool = _WorkerPool(max_workers)
        self._inflight: dict[str, cf.Future] = {}
        self._inflight_lock = threading.Lock()
        self._pid = os.getpid()
        self._status = _StatusBoard(self.backends)

    # ------------------------------------------------------------------ send path

    def resolve(self, addresses: Iterable[str], internal_domains: frozenset[str],
                budget_seconds: float | None = None) -> dict[str, GroupInfo]:
        """What the directory knows of each address, within the time budget.

        The result is keyed by the addresses as given. An address no backend
        knows as a group comes back `is_group=False`. One that may be a list
        but was not answered in time comes back `is_group=True`,
        `member_count=None` and `error=NOT_IN_TIME`.
        """
        budget = self.budget_seconds if budget_seconds is None else budget_seconds
        end = time.monotonic() + max(0.0, budget)
        domains = normalize_domains(internal_domains)
        given: dict[str, list[str]] = {}
        for raw in addresses:
            address = normalize_address(raw)
            if address:
                given.setdefault(address, []).append(raw)
        answers = self._answer(list(given), domains, end)
        return {raw: answers[address] for address, raws in given.items() for raw in raws}

    def _answer(self, addresses: list[str], domains: frozenset[str], end: float) -> dict[str, GroupInfo]:
        answers: dict[str, GroupInfo] = {}
        wanted: list[str] = []
        for address in addresses:
            if self._covering(address, domains):
                wanted.append(address)
            else:
                answers[address] = _not_a_group(address)
        keys = {address: self._key(address, domains) for address in wanted}
        entries = self._read(keys.values())
        now = self.clock()
        waiting: dict[str, tuple[cf.Future | None, GroupInfo | None]] = {}
        for address in wanted:
            entry = entries.get(keys[address])
            if entry is not None and entry["fresh_until"] > now:
                answers[address] = entry["info"]
                continue
            stale = entry["info"] if entry is not None else None
            waiting[address] = (self._start_lookup(address, domains, keys[address], stale), stale)
        futures = [f for f, _ in waiting.values() if f is not None]
        if futures:
            cf.wait(futures, timeout=max(0.0, end - time.monotonic()))
        for address, (future, stale) in waiting.items():
            if future is not None and future.done() and future.exception() is None:
                answers[address] = future.result()
            elif stale is not None:
                answers[address] = stale
            else:
                answers[address] = GroupInfo(address, True, None, None, DIRECTORY_SOURCE, NOT_IN_TIME)
        return answers

    def _covering(self, address: str, domains: frozenset[str]) -> bool:
        for backend in self.backends:
            covers = getattr(backend, "covers", None)
            if covers is None:
                return True
            try:
                if covers(address, domains):
                    return True
            except Exception:  # a broken scope check must not hide a list
                log.exception("directory backend %s: scope check failed", backend.name)
                return True
        return False

    def _start_lookup(self, address: str, domains: frozenset[str], key: str,
                      stale: GroupInfo | None) -> cf.Future | None:
        with self._inflight_lock:
            if self._pid != os.getpid():  # a forked worker: the parent's lookups never finish here
                self._inflight, self._pid = {}, os.getpid()
            future = self._inflight.get(key)
            if future is not None:
                return future
            if len(self._inflight) >= self.max_pending:
                log.warning("directory: %d lookups already waiting; not starting another",
                            len(self._inflight))
                return None
            try:
                future = self._pool.submit(lambda: self._lookup_and_store(address, domains, key, stale))
            except RuntimeError:
                return None
            self._inflight[key] = future
        future.add_done_callback(lambda _f: self._forget(key))
        return future

    def _forget(self, key: str) -> None:
        with self._inflight_lock:
            self._inflight.pop(key, None)

    def _lookup_and_store(self, address: str, domains: frozenset[str], key: str,
                          stale: GroupInfo | None) -> GroupInfo:
        try:
            info = self._lookup(address, domains)
        except Exception as exc:  # _lookup guards each backend; this is a last resort
            log.exception("directory: lookup of %s failed", redact_address(address))
            info = GroupInfo(address, True, None, None, DIRECTORY_SOURCE,
                             f"the directory lookup failed ({type(exc).__name__})")
        now = self.clock()
        if info.error and stale is not None and stale.complete:
            # Keep giving the last good answer; ask again after error_ttl_seconds.
            self._write(key, stale, now, self.error_ttl_seconds, self.stale_seconds)
            return stale
        if info.error:
            self._write(key, info, now, self.error_ttl_seconds, 0)
        elif info.is_group:
            self._write(key, info, now, self.ttl_seconds, self.stale_seconds)
        else:
            self._write(key, info, now, self.negative_ttl_seconds, self.stale_seconds)
        return info

    def _lookup(self, address: str, domains: frozenset[str]) -> GroupInfo:
        """Ask each backend in turn; the first complete answer wins."""
        failures: list[GroupInfo] = []
        for backend in self.backends:
            info = self._ask(backend, address, domains)
            if info is None:
                continue
            if info.complete:
                return info
            failures.append(info)
        if not failures:
            return _not_a_group(address)
        # Nobody answered for sure. A backend that found the group may still
        # know a lower bound; otherwise the address may be a list of unknown size.
        best = next((f for f in failures if f.is_group and f.member_count is not None), None) \
            or next((f for f in failures if f.is_group), failures[0])
        reasons = "; ".join(dict.fromkeys(f.error for f in failures if f.error))
        return GroupInfo(address, True, best.member_count, best.external_count, best.source, reasons)

    def _ask(self, backend: DirectoryBackend, address: str, domains: frozenset[str]) -> GroupInfo | None:
        started = time.monotonic()
        try:
            info = backend.lookup(address, domains)
        except Exception as exc:
            log.exception("directory backend %s: lookup raised", backend.name)
            info = GroupInfo(address, False, None, None, backend.name,
                             f"the {backend.name} directory failed ({type(exc).__name__})")
        elapsed = time.monotonic() - started
        self._status.record(backend, info, elapsed)
        if info is not None and info.error:
            log.warning("directory backend %s: %s (address %s, %.2f s)", backend.name, info.error,
                        redact_address(address), elapsed)
        return info

    # ------------------------------------------------------------------ cache

    def _key(self, address: str, domains: frozenset[str]) -> str:
        scope = hashlib.sha256(",".join(sorted(domains)).encode()).hexdigest()[:12]
        backends = hashlib.sha256(",".join(b.name for b in self.backends).encode()).hexdigest()[:8]
        return f"{_CACHE_VERSION}:{backends}:{scope}:{address}"

    def _read(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        try:
            raw = self.cache.get_many(list(keys))
        except Exception:
            log.exception("directory cache: read failed")
            return {}
        entries = {}
        for key, value in raw.items():
            try:
                entries[key] = {"info": GroupInfo.from_dict(value["info"]),
                                "fresh_until": float(value["fresh_until"])}
            except (KeyError, TypeError, ValueError):
                continue
        return entries

    def _write(self, key: str, info: GroupInfo, now: float, fresh: float, stale: float) -> None:
        if fresh <= 0:
            return
        value = {"info": info.to_dict(), "fresh_until": now + fresh}
        try:
            self.cache.set(key, value, fresh + max(0.0, stale))
        except Exception:
            log.exception("directory cache: write failed")

    def forget(self, address: str, internal_domains: frozenset[str]) -> None:
        """Drop what the cache holds for an address (after IT changes a list)."""
        self.cache.delete(self._key(normalize_address(address), normalize_domains(internal_domains)))

    # ------------------------------------------------------------------ admin

    def status(self) -> list[BackendStatus]:
        return self._status.snapshot()

    def test(self, address: str,
             internal_domains: frozenset[str]) -> list[tuple[str, GroupInfo | None, float]]:
        """Each backend's own answer for one address, uncached, with its time in seconds."""
        address = normalize_address(address)
        domains = normalize_domains(internal_domains)
        results = []
        for backend in self.backends:
            started = time.monotonic()
            info = self._ask(backend, address, domains)
            results.append((backend.name, info, time.monotonic() - started))
        return results

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait for background lookups to finish (tests, CLI). True when none is left."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._inflight_lock:
                pending = list(self._inflight.values())
            if not pending:
                return True
            cf.wait(pending, timeout=max(0.0, end - time.monotonic()))
        with self._inflight_lock:
            return not self._inflight

    def close(self) -> None:
        """Stop the worker threads (running lookups finish on their own) and close backends."""
        self._pool.close()
        for backend in self.backends:
            close = getattr(backend, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    log.exception("directory backend %s: close failed", backend.name)


def _not_a_group(address: str) -> GroupInfo:
    return GroupInfo(address, False, None, None, DIRECTORY_SOURCE)
