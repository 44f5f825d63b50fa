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

The frames, the process handle and the pool mechanics (start, ready,
kill, replace) are shared with the scan processes: procpool.py.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading

from ..procpool import (  # noqa: F401  (frames: re-exported for the worker and tests)
    FRAME_ERRORS,
    PipeWorker,
    ProcessPool,
    ProtocolError,
    Timeout,
    decode_header,
    encode_frame,
    minimal_env,
    read_frame,
)
from . import reasons
from .model import FileResult, Job, Unscannable

log = logging.getLogger("safesend.extract")

GRACE_SECONDS = 0.5  # after the deadline, before the kill: the worker may stop by itself
MAX_JOBS_PER_WORKER = 500  # then recycle: bounds leaks and cumulative CPU time
UNAVAILABLE = "the attachment scanner is not available right now"
_Worker = PipeWorker


def _default_size() -> int:
    configured = os.environ.get("SAFESEND_EXTRACT_WORKERS")
    if configured and configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(2, min(4, os.cpu_count() or 2))


def _default_memory_mb() -> int:
    configured = os.environ.get("SAFESEND_EXTRACT_MEMORY_MB")
    return int(configured) if configured and configured.isdigit() else 2048


class WorkerPool(ProcessPool):
    """Pre-started parser workers shared by all threads of this process."""

    def __init__(self, size: int | None = None, memory_mb: int | None = None,
                 test_hooks: bool = False, max_jobs: int = MAX_JOBS_PER_WORKER,
                 niceness: int | None = None):
        """`niceness`: what the workers run at (default: 10 more than this process)."""
        self.memory_mb = memory_mb or _default_memory_mb()
        self.max_jobs = max_jobs
        argv = [os.environ.get("SAFESEND_EXTRACT_PYTHON", sys.executable), "-m",
                "safesend.extract.worker", "--memory-mb", str(self.memory_mb),
                "--parent-pid", str(os.getpid())]
        if niceness is not None:
            argv += ["--niceness", str(niceness)]
        super().__init__(argv, _worker_env(test_hooks), size or _default_size(), "extract")

    def run(self, job: Job, deadline: float) -> FileResult:
        """Parse `job` in a worker; a hang, crash or overrun becomes a problem."""
        worker = self._acquire(deadline)
        if worker is None:
            return _failed(job, reasons.TIME if not self._broken() else UNAVAILABLE)
        healthy = False
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
        except (ProtocolError, *FRAME_ERRORS):
            self.kills += 1
            log.warning("extract: worker stopped on %s (%s, exit %s)", job.position, job.kind,
                        worker.proc.poll())
            return _failed(job, reasons.CRASHED)
        finally:
            self._release(worker, healthy)


def _failed(job: Job, reason: str) -> FileResult:
    return FileResult(kind=job.kind, problems=[Unscannable(job.source, reason)])


def _max_reply(job: Job) -> int:
    """A worker may send back at most the text budget (4 bytes a character,
    JSON-escaped) plus the bytes it may unpack, plus overhead."""
    return 8 * max(job.chars_left, 0) + 2 * max(job.bytes_left, 0) + 16 * 1024 * 1024


def _worker_env(test_hooks: bool) -> dict[str, str]:
    """The worker reads hostile files, so it gets no database URL, secret key
    or tokens that the web process may hold."""
    return minimal_env({"SAFESEND_EXTRACT_TEST_HOOKS": "1"} if test_hooks else None)


# --- the process-wide default pool ---------------------------------------------

_default: WorkerPool | None = None
_default_lock = threading.Lock()
_atexit_registered = False
_default_options: dict = {}


def configure_default_pool(**options) -> None:
    """WorkerPool arguments for the default pool when it starts (a scan process
    wants one worker: it reads one message at a time)."""
    _default_options.update(options)


def default_pool() -> WorkerPool:
    global _default, _atexit_registered
    with _default_lock:
        if _default is None or _default.pid != os.getpid():
            _default = WorkerPool(**_default_options)
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
