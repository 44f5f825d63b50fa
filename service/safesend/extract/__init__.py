"""Attachment bytes -> text segments and tables, under hard limits.

    extraction = extract_attachments([(name, content_type, data), ...], ExtractLimits())

Every attachment, archive member and attached email becomes TextSegments
(running text) and Tables (rows of cells, blank rows dropped; table cells
are NOT repeated in the segments, so scan both), or an Unscannable with a
reason in plain words. Risky parsers run in killable worker processes
(isolation.py): call `warm_up()` once per process at start-up (in each
gunicorn worker, not in the master) so that the first message does not
wait ~0.5 s for them. Settings from the environment:
SAFESEND_EXTRACT_WORKERS (pool size, default 2-4 by CPU count) and
SAFESEND_EXTRACT_MEMORY_MB (address-space cap per worker, default 2048).
"""

from __future__ import annotations

from .model import Extraction, ExtractLimits, Table, TextSegment, Unscannable

# The parsers (lxml, calamine, PDFium, ...) are imported on first use: `safesend check`
# of a text-only message, and any process that never sees a file, does not pay for them.


def extract_attachments(attachments, limits: ExtractLimits) -> Extraction:
    from .walk import extract_attachments as walk

    return walk(attachments, limits)


def html_to_text(html: str, max_chars: int = 2_000_000) -> str:
    from .text import html_to_text as convert

    return convert(html, max_chars)


def shutdown() -> None:
    from .isolation import shutdown as stop

    stop()


def warm_up(timeout: float = 60.0) -> bool:
    """Start the worker pool now and wait until a worker is ready."""
    from .isolation import default_pool

    return default_pool().wait_ready(timeout)


__all__ = [
    "ExtractLimits", "Extraction", "Table", "TextSegment", "Unscannable",
    "extract_attachments", "html_to_text", "shutdown", "warm_up",
]
