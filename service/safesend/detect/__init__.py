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
