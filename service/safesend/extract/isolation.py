"""Hard time and memory bounds for parsers: a small pool of worker processes.

A parser stuck in C (PDFium, calamine, libxml2) or in a pure-Python loop
cannot be interrupted from inside, so risky files are parsed in a separate
process that the web process can kill.

Design:
- Workers are plain `python -m safesend.extract.worker` subprocesses
  (fork+exec, like multiprocessing's 'spawn'), so they are safe to start
  from a multi-threaded server (waitress) and from gunicorn workers, and
  they never re-import the server's __main__ as multiprocessing does.
- Each worker caps its own address space (RLIMIT_AS) and disables core
  dumps before it reads anything; it reports "ready" after importing every
  parser, so a job never waits for imports.
- Jobs and results travel over the worker's stdin/stdout as frames: a JSON
  header plus raw byte blobs. JSON, not pickle: a worker that a crafted
  file took over must not be able to run code in the web process.
- The web process waits with poll() up to the message's deadline (plus a
  short grace for the worker's own cooperative stop). A worker that
  overruns, dies or talks nonsense is killed (SIGKILL) and replaced, and
  the file becomes Unscannable.
- One pool per process, created on first use (after any fork), closed at
  interpreter exit; workers also exit when their parent disappears.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import reasons
from .model import FileResult, Job, Unscannable

log = logging.getLogger("safesend.extract")

MAGIC = b"SSX1"
_PREFIX = struct.Struct("<4sII")  # magic, header length, blob count
_BLOB = struct.Struct("<Q")
GRACE_SECONDS = 0.5  # after the deadline, before the kill: the worker may stop by itself
READY_TIMEOUT = 60.0
MAX_JOBS_PER_WORKER = 500  # then recycle: bounds leaks and cumulative CPU time
MAX_HEADER = 512 * 1024 * 1024
MAX_BLOBS = 100_000
UNAVAILABLE = "the attachment scanner is not available right now"


class ProtocolError(Exception):
    """The other side closed the pipe or sent something that is not a frame."""


class Timeout(Exception):
    pass


# --- frames -------------------------------------------------------------------


def encode_frame(header: dict, blobs: list[bytes]) -> list[bytes]:
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    sizes = b"".join(_BLOB.pack(len(b)) for b in blobs)
    return [_PREFIX.pack(MAGIC, len(head), len(blobs)) + sizes, head, *blobs]


def decode_header(raw: bytes) -> dict:
    header = json.loads(raw.decode("utf-8", "surrogatepass"))
    if not isinstance(header, dict):
        raise ProtocolError("header is not an object")
    return header


def read_frame(read_exact, max_bytes: int) -> tuple[dict, list[bytes]]:
    """One frame, through `read_exact(n) -> bytes` (blocking or deadline-bound)."""
    magic, head_len, count = _PREFIX.unpack(read_exact(_PREFIX.size))
    if magic != MAGIC or head_len > MAX_HEADER or count > MAX_BLOBS:
        raise ProtocolError("bad frame")
    raw_sizes = read_exact(_BLOB.size * count) if count else b""
    sizes = [size for (size,) in _BLOB.iter_unpack(raw_sizes)]
    if head_len + sum(sizes) > max_bytes:
        raise ProtocolError("frame too large")
    header = decode_header(read_exact(head_len))
    return header, [read_exact(n) if n else b"" for n in sizes]


# --- one worker process -----------------------------------------------------


class _Worker:
    def __init__(self, argv: list[str], env: dict[str, str]):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, close_fds=True)
        self.wfd = self.proc.stdin.fileno()
        self.rfd = self.proc.stdout.fileno()
        os.set_blocking(self.wfd, False)
        os.set_blocking(self.rfd, False)
        self.jobs = 0

    def send(self, chunks: list[bytes], deadline: float) -> None:
        poller = select.poll()
        poller.register(self.wfd, select.POLLOUT)
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                self._wait(poller, deadline)
                try:
                    written = os.write(self.wfd, view[: 1024 * 1024])
                except BlockingIOError:
                    continue
                except OSError as exc:  # EPIPE: the worker is gone
                    raise ProtocolError("worker closed its input") from exc
                view = view[written:]

    def receive(self, deadline: float, max_bytes: int) -> tuple[dict, list[bytes]]:
        poller = select.poll()
        poller.register(self.rfd, select.POLLIN)

        def read_exact(n: int) -> bytes:
            buf = bytearray()
            while len(buf) < n:
                self._wait(poller, deadline)
                try:
                    chunk = os.read(self.rfd, min(n - len(buf), 4 * 1024 * 1024))
                except BlockingIOError:
                    continue
                if not chunk:
                    raise ProtocolError("worker closed its output")
                buf += chunk
            return bytes(buf)

        return read_frame(read_exact, max_bytes)

    @staticmethod
    def _wait(poller, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            raise Timeout()

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.close_pipes()

    def close_pipes(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


# --- the pool --------------------------------------------------------------------


def _default_size() -> int:
    configured = os.environ.get("SAFESEND_EXTRACT_WORKERS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(2, min(4, os.cpu_count() or 2))


def _default_memory_mb() -> int:
    configured = os.environ.get("SAFESEND_EXTRACT_MEMORY_MB")
    return int(configured) if configured and configured.isdigit() else 2048


class WorkerPool:
    """Pre-started worker processes shared by all threads of this process."""

    def __init__(self, size: int | None = None, memory_mb: int | None = None,
                 test_hooks: bool = False, max_jobs: int = MAX_JOBS_PER_WORKER):
        self.size = size or _default_size()
        self.memory_mb = memory_mb or _default_memory_mb()
        self.max_jobs = max_jobs
        self.pid = os.getpid()
        self._argv = [os.environ.get("SAFESEND_EXTRACT_PYTHON", sys.executable), "-m",
                      "safesend.extract.worker", "--memory-mb", str(self.memory_mb),
                      "--parent-pid", str(self.pid)]
        self._env = _worker_env(test_hooks)
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._failed_starts = 0
        self._closed = False
        self.kills = 0  # workers killed for overrunning or crashing (for tests and stats)
        self._running = 0  # jobs in progress (a worker still starting up is not one)
        # Workers are started from one long-lived thread: they ask the kernel
        # to kill them when the thread that started them dies (PR_SET_PDEATHSIG
        # follows the thread, not the process), so a web process that is
        # SIGKILLed (gunicorn timeout) takes its workers with it.
        self._spawn_requests: queue.SimpleQueue[bool] = queue.SimpleQueue()
        threading.Thread(target=self._spawner, name="extract-spawner", daemon=True).start()
        for _ in range(self.size):
            self._spawn()

    # public

    def run(self, job: Job, deadline: float) -> FileResult:
        """Parse `job` in a worker; a hang, crash or overrun becomes a problem."""
        worker = self._acquire(deadline)
        if worker is None:
            return _failed(job, reasons.TIME if not self._broken() else UNAVAILABLE)
        healthy = False
        with self._cond:
            self._running += 1
        try:
            header = job.header()
            worker.send(encode_frame(header, [job.data]), deadline + GRACE_SECONDS)
            reply, blobs = worker.receive(deadline + GRACE_SECONDS, _max_reply(job))
            result = FileResult.from_wire(reply, blobs)
            worker.jobs += 1
            healthy = not result.recycle and worker.jobs < self.max_jobs
            return result
        except Timeout:
            self.kills += 1
            log.warning("extract: %s (%s) overran the time limit; worker killed", job.position, job.kind)
            return _failed(job, reasons.TIME)
        except (ProtocolError, OSError, ValueError, KeyError, TypeError, struct.error):
            self.kills += 1
            log.warning("extract: worker stopped on %s (%s, exit %s)", job.position, job.kind,
                        worker.proc.poll())
            return _failed(job, reasons.CRASHED)
        finally:
            with self._cond:
                self._running -= 1
            self._release(worker, healthy)

    def running(self) -> int:
        """Jobs being parsed right now (a replacement worker still starting up is not counted)."""
        with self._cond:
            return self._running

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> bool:
        """Block until at least one worker is ready (used at start-up)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._idle and not self._closed and not self._broken():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return bool(self._idle)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._cond.notify_all()
        self._spawn_requests.put(False)
        for worker in workers:
            worker.close_pipes()  # EOF on stdin: an idle worker exits by itself
        deadline = time.monotonic() + 1.0
        for worker in workers:
            try:
                worker.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.kill()

    # internals

    def _spawn(self) -> None:
        self._spawn_requests.put(True)

    def _spawner(self) -> None:
        while self._spawn_requests.get() and not self._closed:
            try:
                worker = _Worker(self._argv, self._env)
            except Exception:  # this thread must outlive any failure: it owns the workers
                log.exception("extract: cannot start a worker")
                with self._cond:
                    self._failed_starts += 1
                    self._cond.notify_all()
                continue
            with self._cond:
                self._all.add(worker)
            threading.Thread(target=self._await_ready, args=(worker,), name="extract-worker-start",
                             daemon=True).start()

    def _await_ready(self, worker: _Worker) -> None:
        try:
            header, _ = worker.receive(time.monotonic() + READY_TIMEOUT, 1024)
            ready = header.get("ready") is True
        except (Timeout, ProtocolError, OSError, ValueError, struct.error):
            ready = False
        with self._cond:
            closing = self._closed or worker not in self._all
            if ready and not closing:
                self._failed_starts = 0
                self._idle.append(worker)
                self._cond.notify_all()
                return
            self._all.discard(worker)
            if not ready and not closing:
                self._failed_starts += 1
                log.error("extract: a worker failed to start (%d in a row)", self._failed_starts)
            self._cond.notify_all()
        worker.kill()
        if not closing and not self._broken():
            self._spawn()

    def _broken(self) -> bool:
        return self._failed_starts >= 3

    def _acquire(self, deadline: float) -> _Worker | None:
        with self._cond:
            while not self._closed:
                if self._idle:
                    return self._idle.pop()
                if self._broken():
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
        return None

    def _release(self, worker: _Worker, healthy: bool) -> None:
        if healthy:
            with self._cond:
                if not self._closed:
                    self._idle.append(worker)
                    self._cond.notify()
                    return
        worker.kill()
        with self._cond:
            self._all.discard(worker)
            replace = not self._closed
        if replace:
            self._spawn()


def _failed(job: Job, reason: str) -> FileResult:
    return FileResult(kind=job.kind, problems=[Unscannable(job.source, reason)])


def _max_reply(job: Job) -> int:
    """A worker may send back at most the text budget (4 bytes a character,
    JSON-escaped) plus the bytes it may unpack, plus overhead."""
    return 8 * max(job.chars_left, 0) + 2 * max(job.bytes_left, 0) + 16 * 1024 * 1024


_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "VIRTUAL_ENV",
             "SYSTEMROOT")


def _worker_env(test_hooks: bool) -> dict[str, str]:
    """A minimal environment: the worker reads hostile files, so it gets no
    database URL, secret key or tokens that the web process may hold."""
    env = {k: v for k, v in os.environ.items()
           if k in _ENV_KEEP or (k.startswith("PYTHON") and k not in ("PYTHONSTARTUP", "PYTHONINSPECT"))}
    package_root = str(Path(__file__).resolve().parents[2])  # .../service
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if test_hooks:
        env["SAFESEND_EXTRACT_TEST_HOOKS"] = "1"
    return env


# --- the process-wide default pool ---------------------------------------------

_default: WorkerPool | None = None
_default_lock = threading.Lock()
_atexit_registered = False


def default_pool() -> WorkerPool:
    global _default, _atexit_registered
    with _default_lock:
        if _default is None or _default.pid != os.getpid():
            _default = WorkerPool()
            if not _atexit_registered:
                atexit.register(shutdown)
                _atexit_registered = True
        return _default


def set_default_pool(pool: WorkerPool | None) -> WorkerPool | None:
    """Swap the pool used by extract_attachments (tests); returns the old one."""
    global _default
    with _default_lock:
        previous, _default = _default, pool
        return previous


def shutdown() -> None:
    """Stop the workers of this process (also run at interpreter exit)."""
    pool = set_default_pool(None)
    if pool is not None and pool.pid == os.getpid():
        pool.close()


def _forget_inherited_pool() -> None:
    """In a forked child (gunicorn worker): the parent's workers are not
    ours. Drop the pool without touching its locks; close our copies of
    the pipes so the workers still see EOF when the parent goes."""
    global _default, _default_lock
    inherited, _default, _default_lock = _default, None, threading.Lock()
    if inherited is not None:
        for worker in list(inherited._all):
            worker.close_pipes()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_pool)
