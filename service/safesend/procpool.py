"""Helper processes the web process can kill: frames over pipes, one process, a pool.

Shared by the attachment parsers' workers (extract/isolation.py) and the
scan processes of heavy checks (scanproc/pool.py); procchild.py is the
other end.

- Processes are plain `python -m <module>` subprocesses (fork+exec, like
  multiprocessing's 'spawn'), so they are safe to start from a
  multi-threaded server (waitress) and from gunicorn workers, and they
  never re-import the server's __main__ as multiprocessing does.
- Requests and replies travel over the process's stdin/stdout as frames:
  a JSON header plus raw byte blobs (no pickle: see isolation.py).
- The caller waits with poll() up to a deadline; a process that overruns,
  dies or talks nonsense is killed (SIGKILL) and replaced.
- Processes are started from one long-lived thread: they ask the kernel to
  kill them when the thread that started them dies (PR_SET_PDEATHSIG
  follows the thread, not the process), so a web process that is SIGKILLed
  (gunicorn timeout) takes its helpers with it.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import select
import struct
import subprocess
import threading
import time
from pathlib import Path

MAGIC = b"SSX1"
_PREFIX = struct.Struct("<4sII")  # magic, header length, blob count
_BLOB = struct.Struct("<Q")
READY_TIMEOUT = 60.0
MAX_HEADER = 512 * 1024 * 1024
MAX_BLOBS = 100_000
# What a frame that does not parse may raise on the way in.
FRAME_ERRORS = (OSError, ValueError, KeyError, TypeError, struct.error)


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


# --- one helper process ---------------------------------------------------------


class PipeWorker:
    def __init__(self, argv: list[str], env: dict[str, str], log_to_stderr: bool = False):
        # A parser worker's stderr goes nowhere (a library may print what it reads);
        # a scan process runs our own code and logs as the web process does.
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=None if log_to_stderr else subprocess.DEVNULL,
                                     env=env, close_fds=True)
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


class ProcessPool:
    """Pre-started helper processes shared by all threads of this process.
    Subclasses send their requests to a worker from `_acquire` and hand it
    back with `_release` (healthy or not)."""

    worker_class = PipeWorker
    log_to_stderr = False

    def __init__(self, argv: list[str], env: dict[str, str], size: int, label: str):
        self.size = size
        self.label = label  # "extract", "scan": the logs' prefix
        self.pid = os.getpid()
        self._argv = argv
        self._env = env
        self._cond = threading.Condition()
        self._idle: list[PipeWorker] = []
        self._all: set[PipeWorker] = set()
        self._failed_starts = 0
        self._closed = False
        self.kills = 0  # workers killed for overrunning or crashing (for tests and stats)
        self._running = 0  # requests in progress (a worker still starting up is not one)
        self._spawn_requests: queue.SimpleQueue[bool] = queue.SimpleQueue()
        threading.Thread(target=self._spawner, name=f"{label}-spawner", daemon=True).start()
        for _ in range(self.size):
            self._spawn()

    def running(self) -> int:
        """Requests being served right now (a replacement still starting up is not counted)."""
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
        """Stop every worker. An idle one gets EOF and exits by itself; one that is serving
        a request or starting up is killed, and its pipes are left to the thread using it
        (closed here, their descriptors could be reused under that thread's next write)."""
        with self._cond:
            self._closed = True
            idle = list(self._idle)
            busy = [worker for worker in self._all if worker not in idle]
            self._all.clear()
            self._idle.clear()
            self._cond.notify_all()
        self._spawn_requests.put(False)
        for worker in busy:
            try:
                worker.proc.kill()  # its thread sees the pipe close and hands it back
            except OSError:
                pass
        for worker in idle:
            worker.close_pipes()
        deadline = time.monotonic() + 1.0
        for worker in idle:
            try:
                worker.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.kill()

    # internals

    def _spawn(self) -> None:
        self._spawn_requests.put(True)

    def _spawner(self) -> None:
        # This thread starts every worker and must outlive any failure: the workers' parent-death
        # signal is tied to the thread that started them.
        while self._spawn_requests.get() and not self._closed:
            worker = None
            try:
                worker = self.worker_class(self._argv, self._env, self.log_to_stderr)
                with self._cond:
                    self._all.add(worker)
                threading.Thread(target=self._await_ready, args=(worker,),
                                 name=f"{self.label}-worker-start", daemon=True).start()
            except Exception as exc:  # a launch that fails (no such program, no memory) counts
                logging.getLogger(f"safesend.{self.label}").error(   # as a failed start: retried
                    "%s: cannot start a worker (%s)", self.label, type(exc).__name__)
                if worker is not None:
                    worker.kill()
                with self._cond:
                    self._all.discard(worker)
                    self._failed_starts += 1
                    retry = not self._closed and not self._broken()
                    self._cond.notify_all()
                if retry:  # until it is broken, and the callers go without (`_acquire`)
                    self._spawn()

    def _await_ready(self, worker: PipeWorker) -> None:
        try:
            header, _ = worker.receive(time.monotonic() + READY_TIMEOUT, 1024)
            ready = header.get("ready") is True
        except (Timeout, ProtocolError, *FRAME_ERRORS):
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
                logging.getLogger(f"safesend.{self.label}").error(
                    "%s: a worker failed to start (%d in a row)", self.label, self._failed_starts)
            self._cond.notify_all()
        worker.kill()
        if not closing and not self._broken():
            self._spawn()

    def _broken(self) -> bool:
        return self._failed_starts >= 3

    def _acquire(self, deadline: float) -> PipeWorker | None:
        """An idle worker (counted as running), or None at the deadline / when broken."""
        with self._cond:
            while not self._closed:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.proc.poll() is None:
                        self._running += 1
                        return worker
                    # It died while idle (the OOM killer, an operator): replace it, try the next.
                    logging.getLogger(f"safesend.{self.label}").warning(
                        "%s: an idle worker had stopped (exit %s); replacing it", self.label,
                        worker.proc.returncode)
                    self.kills += 1
                    self._all.discard(worker)
                    worker.kill()
                    self._spawn()
                if self._broken():
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)
        return None

    def _release(self, worker: PipeWorker, healthy: bool) -> None:
        with self._cond:
            self._running -= 1
            if healthy and not self._closed:
                self._idle.append(worker)
                self._cond.notify()
                return
        worker.kill()
        with self._cond:
            self._all.discard(worker)
            replace = not self._closed
        if replace:
            self._spawn()


_ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "VIRTUAL_ENV",
             "SYSTEMROOT")


def minimal_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment for a helper: no database URL, secret key or tokens
    that the web process may hold (a helper that needs a key gets it over its pipe)."""
    env = {k: v for k, v in os.environ.items()
           if k in _ENV_KEEP or (k.startswith("PYTHON") and k not in ("PYTHONSTARTUP", "PYTHONINSPECT"))}
    package_root = str(Path(__file__).resolve().parents[1])  # .../service
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env
