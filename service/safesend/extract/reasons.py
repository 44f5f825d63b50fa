"""Reasons a file could not be scanned, in words a teacher understands.

They end up in the send-time warning ("roster.xlsx could not be checked:
it is password-protected"), so they say what is wrong with the file, not
what went wrong in the code.
"""

from __future__ import annotations

from .model import ExtractLimits

PASSWORD = "it is password-protected"
ENCRYPTED = "it is encrypted"
TIME = "the time limit for scanning was reached"
MEMORY = "it needs more memory to scan than is allowed"
CRASHED = "the scanner stopped unexpectedly on it (it may be damaged)"
# A bug of SafeSend's own (not the file's fault): logged and counted on the dashboard.
INTERNAL = "SafeSend could not check this file: internal error"


def _size(n: float) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{n / 1024:g} KB"


def damaged(label: str) -> str:
    return f"it is damaged or not a valid {label}"


def unreadable_format(label: str) -> str:
    return f"its format ({label}) cannot be read"


def too_large(limits: ExtractLimits) -> str:
    return f"it is larger than the {_size(limits.max_file_bytes)} limit"


def total_too_large(limits: ExtractLimits) -> str:
    return f"the attachments together are larger than the {_size(limits.max_total_bytes)} limit"


def too_deep(limits: ExtractLimits) -> str:
    return f"archives are nested more than {limits.max_depth} deep"


def zip_bomb(limits: ExtractLimits) -> str:
    return (f"it expands to more than {limits.max_expansion_ratio:g} times its size "
            "(possible zip bomb)")


def too_many_members(limits: ExtractLimits) -> str:
    return f"the archives hold more than {limits.max_members} files"


def too_much_text(limits: ExtractLimits) -> str:
    return (f"the attachments hold more than {limits.max_text_chars:,} characters of text; "
            "the rest was not scanned")


def too_many_rows(limits: ExtractLimits) -> str:
    return (f"it has more than {limits.max_rows:,} rows; "
            f"only the first {limits.max_rows:,} were scanned")


def too_many_pages(limits: ExtractLimits) -> str:
    return (f"it has more than {limits.max_pages:,} pages; "
            f"only the first {limits.max_pages:,} were scanned")
