"""Giving the C heap's free pages back to the system after a large build."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc `malloc_trim`).

    The roster import frees the text of the file and the parser's tables at the
    end, but they sit between blocks that stay, so the process kept ~20 MB it
    no longer used (issue 17: import memory). A no-op where there is no glibc."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None
