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
import warnings

from ..procchild import NICENESS, exact_reader, exit_with_parent, lower_priority, protocol_streams, send
from ..procpool import read_frame

_MAX_JOB = 2 * 1024 * 1024 * 1024
WORKER_NICENESS = NICENESS  # lower CPU priority than the web process


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    reader, writer = protocol_streams()
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    exit_with_parent(args.parent_pid)
    _preload()
    _limit_resources(args.memory_mb, args.niceness)
    send(writer, {"ready": True, "pid": os.getpid()}, [])
    _serve(reader, writer)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="safesend.extract.worker")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--parent-pid", type=int, default=0)
    parser.add_argument("--niceness", type=int, default=None)
    return parser.parse_args(argv)


def _preload() -> None:
    """Import every parser now, so that no job pays for it."""
    from . import dispatch  # noqa: F401

    for module in ("python_calamine", "pypdfium2", "extract_msg", "olefile",
                   "xlrd", "striprtf.striprtf", "charset_normalizer", "lxml.etree"):
        try:
            __import__(module)
        except Exception:  # a missing optional reader fails its own files later
            pass


def _limit_resources(memory_mb: int, niceness: int | None) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: the time limit still holds
        return
    cap = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Backstop for a worker that outlives its parent while stuck in C.
    resource.setrlimit(resource.RLIMIT_CPU, (3600, 3660))
    lower_priority(niceness)


def _serve(reader, writer) -> None:
    from . import reasons
    from .dispatch import parse
    from .model import FileResult, Job, Unscannable

    read_exact = exact_reader(reader)
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
        send(writer, head, data)


if __name__ == "__main__":
    main()
