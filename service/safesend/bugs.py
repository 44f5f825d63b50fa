"""Telling SafeSend's own bugs from bad input, and naming them without content.

A hostile or damaged file makes libraries raise anything; that is "damaged".
A programming error (TypeError, AttributeError, KeyError...) raised in our
own code is a bug of ours: it gets its own reason, a log line and a count on
the dashboard. Both are named by exception type and module:line only: an
exception's message may quote file content or a file name, so it is never used.
"""

from __future__ import annotations

from pathlib import Path

PROGRAMMING_ERRORS = (TypeError, AttributeError, KeyError, NameError, AssertionError)
_PACKAGE = Path(__file__).resolve().parent


def _ours(filename: str) -> Path | None:
    try:
        return Path(filename).resolve().relative_to(_PACKAGE.parent)
    except ValueError:
        return None


def _frames(exc: BaseException):
    tb = exc.__traceback__
    while tb is not None:
        yield tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next


def is_our_bug(exc: BaseException) -> bool:
    """A programming error whose innermost frame is in SafeSend's own code."""
    if not isinstance(exc, PROGRAMMING_ERRORS):
        return False
    frames = list(_frames(exc))
    innermost = _ours(frames[-1][0]) if frames else None
    return innermost is not None and innermost.parts[0] == _PACKAGE.name


def where(exc: BaseException) -> str:
    """'TypeError at safesend/extract/wordproc.py:42': the innermost frame of ours."""
    location = "unknown location"
    for filename, line in _frames(exc):
        relative = _ours(filename)
        if relative is not None and relative.parts[0] == _PACKAGE.name:
            location = f"{relative.as_posix()}:{line}"
    return f"{type(exc).__name__} at {location}"
