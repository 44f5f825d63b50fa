"""Entry point of an isolated worker: `python -m safesend.extract.worker`.

Reads jobs from stdin and writes results to stdout as frames (see
isolation.py). Before the first job it makes stray output harmless (file
descriptors 0 and 1 now point at /dev/null: a library that prints cannot
corrupt the protocol or leak content to a log), imports every parser, caps
its memory and reports ready.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
import warnings

from .isolation import encode_frame, read_frame

_MAX_JOB = 2 * 1024 * 1024 * 1024
WORKER_NICENESS = 10  # lower CPU priority than the web process


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    reader, writer = _protocol_streams()
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    _exit_with_parent(args.parent_pid)
    _preload()
    _limit_resources(args.memory_mb)
    _send(writer, {"ready": True, "pid": os.getpid()}, [])
    _serve(reader, writer)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="safesend.extract.worker")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--parent-pid", type=int, default=0)
    return parser.parse_args(argv)


def _protocol_streams():
    reader = os.fdopen(os.dup(0), "rb")
    writer = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    sys.stdin = open(os.devnull)  # lives as long as the process
    sys.stdout = open(os.devnull, "w")
    return reader, writer


def _preload() -> None:
    """Import every parser now, so that no job pays for it."""
    from . import dispatch  # noqa: F401

    for module in ("python_calamine", "pypdfium2", "extract_msg", "olefile",
                   "xlrd", "striprtf.striprtf", "charset_normalizer", "lxml.etree"):
        try:
            __import__(module)
        except Exception:  # a missing optional reader fails its own files later
            pass


def _limit_resources(memory_mb: int) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: the time limit still holds
        return
    cap = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Backstop for a worker that outlives its parent while stuck in C.
    resource.setrlimit(resource.RLIMIT_CPU, (3600, 3660))
    # Big attachments must not starve the quick checks of CPU: the web
    # processes (and the database) come first when the cores are busy.
    os.nice(WORKER_NICENESS)


def _exit_with_parent(parent: int) -> None:
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


def _serve(reader, writer) -> None:
    from . import reasons
    from .dispatch import parse
    from .model import FileResult, Job, Unscannable

    def read_exact(n: int) -> bytes:
        data = reader.read(n)
        if len(data) != n:
            raise EOFError
        return data

    while True:
        try:
            header, blobs = read_frame(read_exact, _MAX_JOB)
        except EOFError:
            return  # the parent closed the pool
        try:
            result = parse(Job.from_header(header, blobs[0]))
        except MemoryError:  # even building the job failed: report it, then be replaced
            result = FileResult(recycle=True, problems=[
                Unscannable(str(header.get("source", "attachment")), reasons.MEMORY)])
        head, data = result.to_wire()
        _send(writer, head, data)


def _send(writer, header: dict, blobs: list[bytes]) -> None:
    for chunk in encode_frame(header, blobs):
        writer.write(chunk)
    writer.flush()


if __name__ == "__main__":
    main()
