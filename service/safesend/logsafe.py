"""Tracebacks without values: what a log may say about an exception.

An exception's message often quotes what it choked on: pydantic's
`input_value`, a database driver's parameters, a parser's text. Requests
carry student names, so every logged traceback keeps its frames (file,
line, function, code) and the exception types, never their messages.
Installed once per process as a LogRecord factory, so it holds for every
logger and handler (ours, Flask's, waitress's, a test's caplog).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback

_installed = False
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"  # servers' and scan processes' lines


def redacted_traceback(exc_info) -> str:
    """The traceback of `exc_info` (and its causes) with every message removed."""
    _, value, _ = exc_info
    parts: list[str] = []
    seen: set[int] = set()
    while value is not None and id(value) not in seen:
        seen.add(id(value))
        lines = ["Traceback (most recent call last; messages removed):"]
        for frame in traceback.extract_tb(value.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line}")
        kind = type(value)
        lines.append(f"{kind.__module__}.{kind.__qualname__}")
        parts.append("\n".join(lines))
        value = value.__cause__ or (None if value.__suppress_context__ else value.__context__)
    return "\n\nwhich led to:\n".join(reversed(parts)) if len(parts) > 1 else parts[0]


def install() -> None:
    """Make every LogRecord with exc_info carry the redacted traceback as its text."""
    global _installed
    # An exception escaping a thread (a directory lookup, a scanner's helper)
    # would be printed whole to stderr, which is the server's log: log it instead.
    threading.excepthook = _thread_exception
    sys.excepthook = _uncaught  # and one escaping the main thread (a scan process's loop)
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redacted_traceback(record.exc_info)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def _uncaught(exc_type, value, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, value, tb)
        return
    logging.getLogger("safesend").error("uncaught exception", exc_info=(exc_type, value, tb))


def _thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("safesend").error("uncaught exception in thread %s", name,
                                        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
