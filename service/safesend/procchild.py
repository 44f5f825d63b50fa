"""The helper's end of procpool.py: protocol streams, dying with the parent,
lower CPU priority, sending frames. Used by extract/worker.py and scanproc/worker.py."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from .procpool import encode_frame

NICENESS = 10  # lower CPU priority than the web process: quick checks win the CPU


def protocol_streams():
    """(reader, writer) on the original stdin/stdout; file descriptors 0 and 1
    then point at /dev/null, so a library that prints cannot corrupt the
    protocol or leak content to a log."""
    reader = os.fdopen(os.dup(0), "rb")
    writer = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    sys.stdin = open(os.devnull)  # lives as long as the process
    sys.stdout = open(os.devnull, "w")
    return reader, writer


def exact_reader(reader):
    def read_exact(n: int) -> bytes:
        data = reader.read(n)
        if len(data) != n:
            raise EOFError
        return data

    return read_exact


def send(writer, header: dict, blobs: list[bytes]) -> None:
    for chunk in encode_frame(header, blobs):
        writer.write(chunk)
    writer.flush()


def exit_with_parent(parent: int) -> None:
    """Die with the web process, even while stuck in C: the kernel sends
    SIGKILL when the parent's spawning thread ends (Linux). Elsewhere, a
    watchdog thread notices the parent is gone when it next gets the GIL."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    parent = parent or os.getppid()
    if os.getppid() != parent:  # it died before we asked
        os._exit(0)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def lower_priority(target: int | None = None) -> None:
    """Big attachments must not starve the quick checks of CPU: the web
    processes (and the database) come first when the cores are busy.
    `target`: the niceness to reach (a scan process's own extraction worker
    stays at the scan process's, not NICENESS below it); else NICENESS lower."""
    os.nice(NICENESS if target is None else max(0, target - os.nice(0)))


def no_core_dumps() -> None:
    try:
        import resource
    except ImportError:  # not POSIX
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
