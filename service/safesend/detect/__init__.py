"""Detection: text segments and tables -> facts about student data.

Detections say what was found, where, how many distinct students, whether
with a plan/flag, with redacted evidence - never recipients, never policy
actions (rules decide), never the content itself, and nothing is logged.

Entry points: `scan_content` (scan.py), the roster pipeline (roster.py:
`parse_roster_csv` -> `RosterHasher` -> `serialize_roster` ->
`RosterIndex.from_bytes`; `roster_blob.import_roster_blob` from a file to
the stored roster in one pass), `compile_id_patterns` (ids.py) for the policy
validator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each public name is imported from its module on first use (PEP 562): `safesend check`
# of a text-only message needs the scan, not the roster import reader (roster_csv,
# roster_blob) nor the roster itself when there is none.
_MODULE_OF: dict[str, str] = {
    # dates
    "DateHit": "dates", "find_dates": "dates", "parse_date": "dates",
    # ids
    "CHECK_DIGITS": "ids", "CompiledIdPatterns": "ids", "DEFAULT_CONTEXT_WORDS": "ids",
    "DEFAULT_EXCLUDE_WORDS": "ids", "DEFAULT_ID_PATTERNS": "ids", "IdHit": "ids",
    "IdPatternConfig": "ids", "IdScan": "ids", "PatternError": "ids",
    "compile_id_patterns": "ids",
    # inputs
    "TableLike": "inputs", "TextSegmentLike": "inputs",
    # normalize
    "compact_id": "normalize", "name_key": "normalize", "normalize_text": "normalize",
    "student_id_key": "normalize",
    # redact
    "redact_date": "redact", "redact_email": "redact", "redact_id": "redact",
    "redact_name": "redact",
    # roster
    "GuardianMatch": "roster", "HashedStudent": "roster", "RosterHasher": "roster",
    "RosterHit": "roster", "RosterIndex": "roster", "RosterKeyError": "roster",
    "RosterMatch": "roster", "RosterSession": "roster", "deserialize_roster": "roster",
    "import_roster": "roster", "serialize_roster": "roster",
    # roster_csv
    "RosterFormatError": "roster_csv", "RosterParseResult": "roster_csv",
    "RosterRecord": "roster_csv", "RosterRowError": "roster_csv",
    "parse_roster_csv": "roster_csv",
    # scan
    "ContentDetections": "scan", "DEFAULT_DOB_WORDS": "scan", "DetectConfig": "scan",
    "Evidence": "scan", "SourceDetections": "scan", "scan_content": "scan",
    # tables
    "Column": "tables", "Role": "tables", "TableProfile": "tables", "header_role": "tables",
    "profile_table": "tables",
    # topics
    "DEFAULT_SENSITIVE_TERMS": "topics", "SensitiveTerms": "topics", "TermHit": "topics",
}

__all__ = [
    "CHECK_DIGITS", "DEFAULT_CONTEXT_WORDS", "DEFAULT_DOB_WORDS", "DEFAULT_EXCLUDE_WORDS",
    "DEFAULT_ID_PATTERNS", "DEFAULT_SENSITIVE_TERMS", "Column", "CompiledIdPatterns",
    "ContentDetections", "DateHit", "DetectConfig", "Evidence", "GuardianMatch",
    "HashedStudent", "IdHit", "IdPatternConfig", "IdScan", "PatternError", "Role",
    "RosterFormatError", "RosterHasher", "RosterHit", "RosterIndex", "RosterKeyError",
    "RosterMatch", "RosterParseResult", "RosterRecord", "RosterRowError", "RosterSession",
    "SensitiveTerms", "SourceDetections", "TableLike", "TableProfile", "TermHit",
    "TextSegmentLike", "compact_id", "compile_id_patterns", "deserialize_roster",
    "find_dates", "header_role", "import_roster", "name_key",
    "normalize_text", "parse_date",
    "parse_roster_csv", "profile_table", "redact_date", "redact_email", "redact_id",
    "redact_name", "scan_content", "serialize_roster", "student_id_key",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})


if TYPE_CHECKING:  # what type checkers and IDEs see
    from .dates import DateHit, find_dates, parse_date
    from .ids import (
        CHECK_DIGITS,
        DEFAULT_CONTEXT_WORDS,
        DEFAULT_EXCLUDE_WORDS,
        DEFAULT_ID_PATTERNS,
        CompiledIdPatterns,
        IdHit,
        IdPatternConfig,
        IdScan,
        PatternError,
        compile_id_patterns,
    )
    from .inputs import TableLike, TextSegmentLike
    from .normalize import compact_id, name_key, normalize_text, student_id_key
    from .redact import redact_date, redact_email, redact_id, redact_name
    from .roster import (
        GuardianMatch,
        HashedStudent,
        RosterHasher,
        RosterHit,
        RosterIndex,
        RosterKeyError,
        RosterMatch,
        RosterSession,
        deserialize_roster,
        import_roster,
        serialize_roster,
    )
    from .roster_csv import (
        RosterFormatError,
        RosterParseResult,
        RosterRecord,
        RosterRowError,
        parse_roster_csv,
    )
    from .scan import (
        DEFAULT_DOB_WORDS,
        ContentDetections,
        DetectConfig,
        Evidence,
        SourceDetections,
        scan_content,
    )
    from .tables import Column, Role, TableProfile, header_role, profile_table
    from .topics import DEFAULT_SENSITIVE_TERMS, SensitiveTerms, TermHit
