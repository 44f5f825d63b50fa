"""Exact data match against the district roster, stored only as keyed hashes.

Import: `parse_roster_csv` (see `roster_csv.py`) -> `RosterHasher.hash_records`
-> `HashedStudent` list -> `serialize_roster` (one bytes blob for the
database) -> `RosterIndex.from_bytes` in each worker.

Hashing scheme (HMAC-SHA256 with the server secret, truncated to
`digest_size` bytes, 8 by default; each value prefixed with its field so
that equal strings in different fields hash differently):

- student ID: `student_id_key` - separators removed, upper-cased, a
  spreadsheet '.0' dropped, leading zeros removed from all-digit IDs;
- names: `name_key` - NFKC, case-folded, accents and look-alike letters
  folded, everything but letters dropped. First and last names share one
  domain so a token can be looked up as either. A multi-word name ('Maria
  Elena', 'Garcia Lopez', 'De La Cruz') is hashed whole and also by its
  first word (and a last name by its last word), so 'Maria Garcia' finds
  'Maria Elena Garcia Lopez' and the matcher knows when to join tokens;
- date of birth: ISO 8601 ('2011-03-04');
- guardian email: trimmed and lower-cased.

No plaintext is kept: `HashedStudent` holds digests and flag labels only;
a plan value SafeSend does not know ('Zebulon program') is kept as '~' and
a keyed hash of it, so it still tells students apart but reveals nothing.

Matching (`RosterIndex.session()` per check): every distinct word of the
text is hashed once and looked up in sets; names are first+last adjacent
in either order ('Maria Garcia', 'GARCIA, MARIA', 'Garcia Maria', with an
optional middle initial) in text, or in two cells of the same table row;
IDs are found with or without separators; a date of birth counts only when
it is the DOB of a student matched in the same row or nearby text. The rows
of a table are read a column at a time (`RowMatcher`): each distinct value
once, so a long table costs about what its distinct names, IDs and dates do.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import hmac
import math
import re
import struct
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from typing import Literal, NamedTuple, TypeVar

from .dates import find_dates
from .ids import DEFAULT_EXCLUDE_WORDS, FILTERS
from .inputs import TableLike, TextSegmentLike
from .normalize import (
    MAX_ID_LENGTH,
    IdCandidate,
    greedy_id_candidates,
    id_runs,
    lower_same_length,
    name_key,
    name_parts,
    normalize_text,
    student_id_key,
)
from .phrases import PhraseMatcher
from .redact import redact_email, redact_id, redact_name
from .roster_csv import (
    KNOWN_FLAGS,
    RosterFormatError,
    RosterParseResult,
    RosterRecord,
    RosterRowError,
    flag_label,
    parse_roster_csv,
    read_roster_csv,
)
from .tables import NOT_STUDENT_PEOPLE, columns_of, profile_table

__all__ = [
    "GuardianMatch", "HashedStudent", "RosterFormatError", "RosterHasher", "RosterHit",
    "RosterIndex", "RosterKeyError", "RosterMatch", "RosterParseResult", "RosterRecord",
    "RosterRowError", "RosterSession", "RowMatcher", "deserialize_roster", "flag_label",
    "import_roster", "parse_roster_csv", "serialize_roster",
]


class RosterKeyError(ValueError):
    """A serialized roster was hashed with another secret (or is not a roster)."""


# --- hashing ------------------------------------------------------------------

_ID, _NAME, _DOB, _EMAIL = b"id\x00", b"name\x00", b"dob\x00", b"email\x00"
_FLAG = b"flag\x00"
_HASHED_FLAG = re.compile(r"~[0-9a-f]{12,16}")


@dataclass(frozen=True, slots=True)
class HashedStudent:
    """One roster student as digests.

    `first` is (whole first name[, its first word]); `last` is (whole last
    name[, its first word, its last word]) - the extra entries exist only for
    multi-word names. `flags` are labels such as '504', 'IEP'.
    """

    student_id: bytes
    first: tuple[bytes, ...]
    last: tuple[bytes, ...]
    dob: bytes | None = None
    flags: frozenset[str] = frozenset()
    guardians: tuple[bytes, ...] = ()


class RosterHasher:
    """Keyed hashes of normalized roster values (see the module docstring)."""

    def __init__(self, secret: bytes, digest_size: int = 8) -> None:
        if not isinstance(secret, bytes) or len(secret) < 16:
            raise ValueError("the roster secret must be at least 16 bytes")
        if not 6 <= digest_size <= 32:
            raise ValueError("digest_size must be between 6 and 32 bytes")
        self.digest_size = digest_size
        self.key_id = hmac.digest(secret, b"safesend roster key id", "sha256")[:8]
        # HMAC (RFC 2104) with the key's inner and outer SHA-256 states computed
        # once; each value then costs two hash copies (half of hmac.digest's cost)
        key = secret if len(secret) <= 64 else hashlib.sha256(secret).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def _digest(self, domain: bytes, value: str) -> bytes:
        inner = self._inner.copy()
        inner.update(domain + value.encode("utf-8", "surrogatepass"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()[:self.digest_size]

    def _digests(self, domain: bytes, values: Iterable[str]) -> list[bytes]:
        """`_digest` of many values (the IDs of a table column) in one loop."""
        inner_key, outer_key, size = self._inner, self._outer, self.digest_size
        out = []
        for value in values:
            inner = inner_key.copy()
            inner.update(domain + value.encode("utf-8", "surrogatepass"))
            outer = outer_key.copy()
            outer.update(inner.digest())
            out.append(outer.digest()[:size])
        return out

    def hash_id(self, value: str) -> bytes | None:
        key = student_id_key(value)
        return self._digest(_ID, key) if key else None

    def hash_name_key(self, key: str) -> bytes:
        """Hash of an already normalized name key (see `name_key`)."""
        return self._digest(_NAME, key)

    def hash_name(self, value: str) -> bytes | None:
        key = name_key(value)
        return self._digest(_NAME, key) if key else None

    def hash_dob(self, value: dt.date | str) -> bytes:
        text = value.isoformat() if isinstance(value, dt.date) else value
        return self._digest(_DOB, text)

    def hash_email(self, address: str) -> bytes | None:
        key = normalize_text(address).strip().strip("<>").lower()
        return self._digest(_EMAIL, key) if "@" in key else None

    def name_hashes(self, value: str, *, last: bool) -> tuple[bytes, ...]:
        parts = name_parts(value)
        whole = "".join(parts)
        if not whole:
            return ()
        hashes = [self.hash_name_key(whole)]
        if len(parts) > 1:
            hashes.append(self.hash_name_key(parts[0]))
            if last:
                hashes.append(self.hash_name_key(parts[-1]))
        return tuple(hashes)

    def flag(self, label: str) -> str:
        """A known label as is ('504', 'IEP'); any other as '~' + a keyed hash."""
        if label in KNOWN_FLAGS or _HASHED_FLAG.fullmatch(label):
            return label
        return "~" + self._digest(_FLAG, label).hex()[:16]

    def hash_record(self, record: RosterRecord) -> HashedStudent:
        student_id = self.hash_id(record.student_id)
        if student_id is None:
            raise ValueError(f"line {record.line}: empty student ID")
        guardians = tuple(h for h in (self.hash_email(e) for e in record.guardian_emails) if h)
        return HashedStudent(
            student_id=student_id,
            first=self.name_hashes(record.first_name, last=False),
            last=self.name_hashes(record.last_name, last=True),
            dob=self.hash_dob(record.dob) if record.dob else None,
            flags=frozenset(self.flag(label) for label in record.flags),
            guardians=tuple(dict.fromkeys(guardians)),
        )

    def hash_records(self, records: Iterable[RosterRecord]) -> list[HashedStudent]:
        """`hash_record` of each; names, dates of birth and flag sets repeat across a
        roster (100,000 students share a few thousand of each), so each distinct one
        is hashed once and its digests (and frozensets) shared by every record."""
        names: dict[tuple[str, bool], tuple[bytes, ...]] = {}
        dobs: dict[dt.date, bytes] = {}
        flag_sets: dict[frozenset[str], frozenset[str]] = {}
        out = []
        for record in records:
            student_id = self.hash_id(record.student_id)
            if student_id is None:
                raise ValueError(f"line {record.line}: empty student ID")
            first = names.get((record.first_name, False))
            if first is None:
                first = names[record.first_name, False] = self.name_hashes(record.first_name,
                                                                            last=False)
            last = names.get((record.last_name, True))
            if last is None:
                last = names[record.last_name, True] = self.name_hashes(record.last_name, last=True)
            dob = None
            if record.dob:
                dob = dobs.get(record.dob)
                if dob is None:
                    dob = dobs[record.dob] = self.hash_dob(record.dob)
            flags = flag_sets.get(record.flags)
            if flags is None:
                flags = flag_sets[record.flags] = frozenset(self.flag(label) for label in record.flags)
            guardians = tuple(h for h in (self.hash_email(e) for e in record.guardian_emails) if h)
            out.append(HashedStudent(student_id, first, last, dob, flags,
                                     tuple(dict.fromkeys(guardians))))
        return out


def import_roster(data: bytes | str, hasher: RosterHasher, mapping: dict[str, str] | None = None
                  ) -> tuple[list[HashedStudent], RosterParseResult]:
    """Parse and hash a roster file, record by record; the returned parse result has
    no records (the plaintext is dropped as each row is hashed)."""
    result, records = read_roster_csv(data, mapping)
    return hasher.hash_records(records), result


# --- serialization ---------------------------------------------------------------

_MAGIC = b"SSRH"
_VERSION = 1
_MAX_LABELS = 32


def serialize_roster(students: Sequence[HashedStudent], hasher: RosterHasher) -> bytes:
    """A compact blob: header (magic, version, digest size, key id, labels), then
    one variable-length record per student. No plaintext besides flag labels."""
    size = hasher.digest_size
    labels = sorted({label for s in students for label in s.flags})
    if len(labels) > _MAX_LABELS:
        keep = labels[:_MAX_LABELS - 1]
        labels = keep + ["OTHER"]
    bit = {label: 1 << i for i, label in enumerate(labels)}
    other = bit.get("OTHER", 0)
    out = bytearray()
    out += _MAGIC + struct.pack("<BB8sI", _VERSION, size, hasher.key_id, len(students))
    out += struct.pack("<B", len(labels))
    for label in labels:
        encoded = label.encode("utf-8")[:255]
        out += struct.pack("<B", len(encoded)) + encoded
    for s in students:
        mask = 0
        for label in s.flags:
            mask |= bit.get(label, other)
        out += s.student_id[:size].ljust(size, b"\0")
        out += struct.pack("<BBBBI", len(s.first), len(s.last), 1 if s.dob else 0,
                           len(s.guardians), mask)
        for digest in (*s.first, *s.last, *((s.dob,) if s.dob else ()), *s.guardians):
            out += digest[:size].ljust(size, b"\0")
    return bytes(out)


def _read_blob(blob: bytes, hasher: RosterHasher | None
               ) -> tuple[int, list[str], Iterator[tuple[bytes, tuple[bytes, ...],
                                                          tuple[bytes, ...], bytes | None,
                                                          int, tuple[bytes, ...]]]]:
    view = memoryview(blob)
    if bytes(view[:4]) != _MAGIC:
        raise RosterKeyError("not a serialized SafeSend roster")
    version, size, key_id, count = struct.unpack_from("<BB8sI", view, 4)
    if version != _VERSION:
        raise RosterKeyError(f"unsupported roster format version {version}")
    if hasher is not None and (key_id != hasher.key_id or size != hasher.digest_size):
        raise RosterKeyError("the roster was hashed with a different secret or digest size; "
                             "import it again")
    offset = 4 + struct.calcsize("<BB8sI")
    (n_labels,) = struct.unpack_from("<B", view, offset)
    offset += 1
    labels = []
    for _ in range(n_labels):
        (length,) = struct.unpack_from("<B", view, offset)
        labels.append(bytes(view[offset + 1:offset + 1 + length]).decode("utf-8"))
        offset += 1 + length

    def records() -> Iterator[tuple[bytes, tuple[bytes, ...], tuple[bytes, ...], bytes | None,
                                    int, tuple[bytes, ...]]]:
        pos = offset
        fixed = struct.Struct("<BBBBI")
        for _ in range(count):
            student_id = bytes(view[pos:pos + size])
            n_first, n_last, has_dob, n_guardians, mask = fixed.unpack_from(view, pos + size)
            pos += size + fixed.size
            digests = [bytes(view[pos + i * size:pos + (i + 1) * size])
                       for i in range(n_first + n_last + has_dob + n_guardians)]
            pos += len(digests) * size
            first = tuple(digests[:n_first])
            last = tuple(digests[n_first:n_first + n_last])
            dob = digests[n_first + n_last] if has_dob else None
            guardians = tuple(digests[n_first + n_last + has_dob:])
            yield student_id, first, last, dob, mask, guardians
        if pos != len(blob):
            raise RosterKeyError("the serialized roster is truncated or has trailing data")

    return count, labels, records()


def deserialize_roster(blob: bytes, hasher: RosterHasher | None = None) -> list[HashedStudent]:
    """The students of a blob from `serialize_roster` (checks the key when given a hasher)."""
    _, labels, records = _read_blob(blob, hasher)
    out = []
    for student_id, first, last, dob, mask, guardians in records:
        flags = frozenset(label for i, label in enumerate(labels) if mask >> i & 1)
        out.append(HashedStudent(student_id, first, last, dob, flags, guardians))
    return out


# --- matching results ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RosterHit:
    """A roster student found in text or in a table row.

    `student` is the roster index of the student, or a negative number when a
    name belongs to several roster students (then `flagged` is true if any is).
    """

    kind: Literal["id", "name"]
    student: int
    flagged: bool
    start: int  # offsets in the text, or in the cell for a table hit
    end: int
    evidence: str  # redacted
    cell: int | None = None
    row: int | None = None
    source: str = ""
    dob_confirmed: bool = False


@dataclass(frozen=True)
class RosterMatch:
    students: int  # distinct roster students
    flagged_students: int  # ... of whom with a plan/flag
    by_id: int
    by_name: int
    dobs_confirmed: int
    hits: tuple[RosterHit, ...]
    partial: bool = False

    @property
    def student_keys(self) -> frozenset[int]:
        return frozenset(h.student for h in self.hits)


@dataclass(frozen=True)
class GuardianMatch:
    guardians: int  # recipients who are guardians of roster students
    guardians_of_flagged: int  # ... of students with a plan/flag
    evidence: tuple[str, ...] = ()
    # per distinct address, in order: the roster students it is a guardian of
    wards: tuple[frozenset[int], ...] = ()

    def all_guardians_of(self, student: int) -> bool:
        """Every address given is a guardian of this roster student."""
        return bool(self.wards) and all(student in w for w in self.wards)


# --- the index --------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")
# what may separate two parts of a name: spaces (one line break at most), or a comma
_GAP = re.compile(r"[ \t]{1,3}|[ \t]*\r?\n[ \t]*|[ \t]*,[ \t]*")
_INITIAL_GAP = re.compile(r"\.?[ \t]{1,3}|\.")
_FIRST, _LAST, _PREFIX = 1, 2, 4
_ID_HINTS: dict[int, re.Pattern[str]] = {}


def _id_hint(min_length: int) -> re.Pattern[str]:
    """Cells worth an ID lookup: `min_length` digits, single separators allowed."""
    found = _ID_HINTS.get(min_length)
    if found is None:
        found = _ID_HINTS[min_length] = re.compile(
            rf"\d(?:[ \-]?\d){{{max(min_length - 1, 0)}}}")
    return found
_DATE_SHAPE = re.compile(r"\d[-/.]\d|[A-Za-z]{3}\.?\s+\d|\d[\s\-][A-Za-z]{3}")
_DIGIT = re.compile(r"\d")


def _int(digest: bytes) -> int:
    return int.from_bytes(digest, "big")


class RosterIndex:
    """Lookup structures over hashed students; immutable and shared by all checks."""

    def __init__(self, students: Iterable[HashedStudent], hasher: RosterHasher) -> None:
        self.hasher = hasher
        labels: list[str] = []
        self._build_start()
        for s in students:
            mask = 0
            for label in s.flags:
                if label not in labels:
                    labels.append(label)
                mask |= 1 << labels.index(label)
            self._add(s.student_id, s.first, s.last, s.dob, mask, s.guardians)
        self._labels = tuple(labels)

    @classmethod
    def from_bytes(cls, blob: bytes, hasher: RosterHasher) -> RosterIndex:
        index = cls.__new__(cls)
        index.hasher = hasher
        index._build_start()
        _, labels, records = _read_blob(blob, hasher)
        for student_id, first, last, dob, mask, guardians in records:
            index._add(student_id, first, last, dob, mask, guardians)
        index._labels = tuple(labels)
        return index

    def _build_start(self) -> None:
        self._ids: dict[int, int] = {}
        self._tokens: dict[int, int] = {}  # name hash -> _FIRST | _LAST | _PREFIX bits
        self._pairs: dict[int, int] = {}  # first << 64 | last -> student (or ~ambiguous)
        self._ambiguous: list[tuple[int, ...]] = []
        self._dob = array("Q")
        self._flags = array("L")
        self._refs = array("Q")  # keyed hash of each student's ID, by roster index
        # email hash -> their student (an int), or students (a tuple) for a guardian of
        # several: most have one, and 100,000 one-item tuples cost ~7 MB (issue 17)
        self._wards: dict[int, int | tuple[int, ...]] = {}
        self._count = 0

    def _add(self, student_id: bytes, first: tuple[bytes, ...], last: tuple[bytes, ...],
             dob: bytes | None, mask: int, guardians: tuple[bytes, ...]) -> None:
        index = self._count
        self._count += 1
        self._ids.setdefault(_int(student_id), index)
        self._refs.append(_int(student_id))
        firsts = [_int(h) for h in first]
        lasts = [_int(h) for h in last]
        tokens = self._tokens
        for h in firsts:
            tokens[h] = tokens.get(h, 0) | _FIRST
        for h in lasts:
            tokens[h] = tokens.get(h, 0) | _LAST
        if len(firsts) > 1:
            tokens[firsts[1]] |= _PREFIX
        if len(lasts) > 1:
            tokens[lasts[1]] |= _PREFIX
        for f in firsts:
            for h in lasts:
                self._add_pair(f << 64 | h, index)
        self._dob.append(_int(dob) if dob else 0)
        self._flags.append(mask)
        wards = self._wards
        for g in guardians:
            key = _int(g)
            found = wards.get(key)
            wards[key] = index if found is None else (
                found + (index,) if isinstance(found, tuple) else (found, index))

    def _add_pair(self, key: int, index: int) -> None:
        existing = self._pairs.get(key)
        if existing is None:
            self._pairs[key] = index
        elif existing >= 0:
            if existing != index:
                self._ambiguous.append((existing, index))
                self._pairs[key] = ~(len(self._ambiguous) - 1)
        else:
            group = self._ambiguous[~existing]
            if index not in group:
                self._ambiguous[~existing] = group + (index,)

    def __len__(self) -> int:
        return self._count

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    def reference(self, index: int) -> str:
        """A stable reference to one roster student: the hex of the keyed hash of
        their ID. It names nobody on its own; incident response (the contact
        vault) looks students up by it, and it survives a re-import under the
        same secret."""
        return format(self._refs[index], "016x")

    def students_of(self, key: int) -> tuple[int, ...]:
        """Roster indexes behind a hit's `student` key."""
        return (key,) if key >= 0 else self._ambiguous[~key]

    def is_flagged(self, key: int) -> bool:
        if key >= 0:
            return self._flags[key] != 0
        return any(self._flags[i] for i in self._ambiguous[~key])

    def flags_of(self, key: int) -> frozenset[str]:
        mask = 0
        for i in self.students_of(key):
            mask |= self._flags[i]
        return frozenset(label for i, label in enumerate(self._labels) if mask >> i & 1)

    def session(self) -> RosterSession:
        """A matcher for one check (its caches hold that check's words; drop it after)."""
        return RosterSession(self)

    def match(self, segments: Iterable[TextSegmentLike], tables: Iterable[TableLike],
              deadline: float = math.inf) -> RosterMatch:
        """Roster students in text segments and tables (see the module docstring)."""
        session = self.session()
        hits: list[RosterHit] = []
        partial = False
        for segment in segments:
            if time.monotonic() > deadline:
                partial = True
                break
            hits.extend(replace(h, source=segment.source)
                        for h in session.match_text(normalize_text(segment.text),
                                                    deadline=deadline))
            partial = partial or session.deadline_reached
        for table in tables:
            if partial or time.monotonic() > deadline:
                partial = True
                break
            rows = [[normalize_text(c) if isinstance(c, str) else "" for c in row]
                    for row in table.rows]
            profile = profile_table(rows)
            name_columns = None
            skip = {c.index for c in profile.columns if c.role in NOT_STUDENT_PEOPLE}
            if profile.name_columns:
                name_columns = set(profile.name_columns)
            matcher = session.row_matcher(
                set(profile.id_columns), name_columns, skip,
                ids_outside_id_columns=profile.kind not in ("financial", "staff_directory"))
            for r in range(profile.first_data_row, len(rows)):
                if r % 256 == 0 and time.monotonic() > deadline:
                    partial = True
                    break
                row_hits = matcher.match(rows[r])
                hits.extend(replace(h, source=table.source, row=r) for h in row_hits
                            if h.kind == "id" or profile.kind != "staff_directory")
        return self.summarize(hits, partial)

    def summarize(self, hits: Sequence[RosterHit], partial: bool = False) -> RosterMatch:
        students = {h.student for h in hits}
        return RosterMatch(
            students=len(students),
            flagged_students=sum(1 for s in students if self.is_flagged(s)),
            by_id=len({h.student for h in hits if h.kind == "id"}),
            by_name=len({h.student for h in hits if h.kind == "name"}),
            dobs_confirmed=len({h.student for h in hits if h.dob_confirmed}),
            hits=tuple(hits),
            partial=partial,
        )

    def guardian_recipients(self, addresses: Iterable[str]) -> GuardianMatch:
        """How many of these addresses are guardians of roster students (and of
        students with a plan/flag). 'parent+tag@x' also counts as 'parent@x'."""
        guardians = flagged = 0
        evidence: list[str] = []
        wards: list[frozenset[int]] = []
        seen: set[str] = set()
        for address in addresses:
            key = normalize_text(address).strip().lower()
            if not key or key in seen:
                continue
            seen.add(key)
            bits = 0
            students: set[int] = set()
            forms = [key]
            local, at, domain = key.rpartition("@")
            if at and "+" in local:
                forms.append(local.split("+", 1)[0] + "@" + domain)
            for form in forms:
                digest = self.hasher.hash_email(form)
                found = None if digest is None else self._wards.get(_int(digest))
                if found is not None:
                    of = found if isinstance(found, tuple) else (found,)
                    bits |= 1 | (2 if any(self._flags[i] for i in of) else 0)
                    students.update(of)
            wards.append(frozenset(students))
            if bits & 1:
                guardians += 1
                if len(evidence) < 3:
                    evidence.append(redact_email(key))
            if bits & 2:
                flagged += 1
        return GuardianMatch(guardians, flagged, tuple(evidence), tuple(wards))


class _Unit(NamedTuple):
    """A name or name part in text: offsets of the whole unit, its hash and its
    roles (a tuple of ints: cheap to keep, and ignored by the garbage collector)."""

    start: int
    end: int
    hash: int
    bits: int


class RosterSession:
    """Per-check matcher with caches of this check's words (never kept after)."""

    def __init__(self, index: RosterIndex) -> None:
        self.index = index
        self._name_cache: dict[str, tuple[int, int]] = {}  # word -> (hash, bits)
        self._id_cache: dict[str, int] = {}  # compact ID -> student or -1
        self._dob_cache: dict[str, int] = {}
        self._cell_date_cache: dict[str, tuple[int, ...]] = {}
        self._today = dt.date.today()
        self._deadline = math.inf
        self.deadline_reached = False

    def _expired(self) -> bool:
        if not self.deadline_reached and time.monotonic() > self._deadline:
            self.deadline_reached = True
        return self.deadline_reached

    # -- hashing with caches

    def _name(self, word: str) -> tuple[int, int]:
        found = self._name_cache.get(word)
        if found is None:
            found = self._hash_name(word)
            if not found[1] and word[-2:] in ("'s", "'S"):  # possessive: "Garcia's"
                found = self._hash_name(word[:-2])
            self._name_cache[word] = found
        return found

    def _hash_name(self, word: str) -> tuple[int, int]:
        key = name_key(word)
        if not key:
            return (0, 0)
        h = _int(self.index.hasher.hash_name_key(key))
        return (h, self.index._tokens.get(h, 0))

    def _joined(self, words: Sequence[str]) -> tuple[int, int]:
        return self._name("".join(words))

    def student_for_id(self, compact: str) -> int:
        """The roster index of the student with this ID, or -1."""
        found = self._id_cache.get(compact)
        if found is None:
            key = student_id_key(compact)
            found = -1
            if key:
                digest = self.index.hasher._digest(_ID, key)
                found = self.index._ids.get(_int(digest), -1)
            self._id_cache[compact] = found
        return found

    def prefetch_ids(self, values: Iterable[str]) -> None:
        """Look many values up at once (the new values of an ID column), so that
        `student_for_id` then finds them cached: hashed in one loop, not one call each."""
        cache = self._id_cache
        keys = {value: student_id_key(value) for value in values if value not in cache}
        hashed = [(value, key) for value, key in keys.items() if key]
        digests = self.index.hasher._digests(_ID, [key for _, key in hashed])
        ids = self.index._ids
        for value in keys:
            cache[value] = -1
        for (value, _), digest in zip(hashed, digests, strict=True):
            cache[value] = ids.get(_int(digest), -1)

    def _dob_hash(self, iso: str) -> int:
        found = self._dob_cache.get(iso)
        if found is None:
            found = _int(self.index.hasher.hash_dob(iso))
            self._dob_cache[iso] = found
        return found

    def _evidence_flag(self, student: int) -> bool:
        return self.index.is_flagged(student)

    # -- text

    def match_text(self, text: str, *, min_id_length: int = 5, dob_window: int = 80,
                   lowered: str | None = None,
                   runs: Sequence[list[tuple[int, int]]] | None = None,
                   deadline: float = math.inf) -> list[RosterHit]:
        """Roster students in normalized text, in order of appearance.

        `lowered` (`lower_same_length(text)`) and `runs` (`id_runs(text)`) may be
        passed when the caller has them already. When `deadline` (a
        `time.monotonic()` value) passes, what was found so far is returned
        and `deadline_reached` is set.
        """
        self._deadline = deadline
        lowered = lowered if lowered is not None else lower_same_length(text)
        hits = self._ids_in_text(text, min_id_length, runs)
        if not self._expired():
            hits += self._names_in_text(text, lowered)
        hits.sort(key=lambda h: h.start)
        return self._confirm_dobs_in_text(text, hits, dob_window)

    def _ids_in_text(self, text: str, min_length: int,
                     runs: Sequence[list[tuple[int, int]]] | None = None) -> list[RosterHit]:
        found: list[RosterHit] = []
        students: dict[tuple[int, int], int] = {}

        def accept(candidate: IdCandidate) -> bool:
            if len(candidate.compact) < min_length:
                return False
            student = self.student_for_id(candidate.compact)
            if student < 0 or _something_else(text, candidate):
                return False
            students[(candidate.start, candidate.end)] = student
            return True

        for n, groups in enumerate(runs if runs is not None else id_runs(text)):
            if n % 512 == 511 and self._expired():
                break
            for candidate in greedy_id_candidates(text, groups, accept,
                                                  long_groups_when_spaced=1):
                student = students[(candidate.start, candidate.end)]
                found.append(RosterHit("id", student, self._evidence_flag(student),
                                       candidate.start, candidate.end,
                                       redact_id(candidate.compact)))
        return found

    def _names_in_text(self, text: str, lowered: str | None = None) -> list[RosterHit]:
        """Name pairs in text: the distinct words are hashed once; only the words
        that are roster name parts are then located, and their neighbours read."""
        if not self.index._tokens:
            return []
        if len(text) < 20_000:  # short text (a body, a cell): read its words in order
            hits: list[RosterHit] = []
            consumed = 0
            for match in _WORD.finditer(text):
                if match.start() < consumed or not self._name(match.group())[1]:
                    continue
                hit = self._name_at(text, match.start(), match.group())
                if hit is not None:
                    hits.append(hit)
                    consumed = hit.end
            return hits
        lowered = lowered if lowered is not None else lower_same_length(text)
        words: set[str] = set()
        for chunk in set(lowered.split()):
            if chunk.isalpha():
                words.add(chunk)
            else:
                words.update(_WORD.findall(chunk))
        candidates = [w for w in words if self._name(w)[1]]
        if not candidates:
            return []
        hits = []
        consumed = 0
        for n, found in enumerate(PhraseMatcher((w, "") for w in candidates).find(lowered)):
            if found.start < consumed or (n % 512 == 511 and self._expired()):
                continue
            word = _WORD.match(text, found.start)
            if word is None:
                continue
            hit = self._name_at(text, found.start, word.group())
            if hit is not None:
                hits.append(hit)
                consumed = hit.end
        return hits

    def _units_at(self, text: str, start: int, word: str) -> list[_Unit]:
        """Name units starting at `start`: the word, and joins of up to three words
        when the word starts a multi-word roster name; longest first."""
        h, bits = self._name(word)
        units = [_Unit(start, start + len(word), h, bits)] if bits & (_FIRST | _LAST) else []
        if bits & _PREFIX:
            parts = [word]
            end = start + len(word)
            for _ in range(2):
                nxt = _next_word(text, end, comma=False)
                if nxt is None:
                    break
                s, e, w = nxt
                parts.append(w)
                end = e
                jh, jbits = self._joined(parts)
                if jbits & (_FIRST | _LAST):
                    units.append(_Unit(start, end, jh, jbits))
        units.sort(key=lambda u: u.start - u.end)
        return units

    def _name_at(self, text: str, start: int, word: str) -> RosterHit | None:
        pairs = self.index._pairs
        for first_unit in self._units_at(text, start, word):
            nxt = _next_word(text, first_unit.end, comma=True)
            if nxt is None:
                continue
            s, e, w = nxt
            comma = "," in text[first_unit.end:s]
            second_units = self._units_at(text, s, w)
            if not second_units and not comma and _is_initial(w):
                after = _next_word(text, e, comma=False, initial=True)
                if after is not None:
                    second_units = self._units_at(text, after[0], after[2])
            for second in second_units:
                student = None
                if not comma and first_unit.bits & _FIRST and second.bits & _LAST:
                    student = pairs.get(first_unit.hash << 64 | second.hash)
                if student is None and first_unit.bits & _LAST and second.bits & _FIRST:
                    student = pairs.get(second.hash << 64 | first_unit.hash)
                if student is not None:
                    span = text[first_unit.start:second.end]
                    return RosterHit("name", student, self._evidence_flag(student),
                                     first_unit.start, second.end, redact_name(span))
        return None

    def _confirm_dobs_in_text(self, text: str, hits: list[RosterHit], window: int
                              ) -> list[RosterHit]:
        """Mark hits with their student's date of birth nearby (within `window`
        characters, in the same paragraph). Dates are read once per stretch of
        text, however many hits share it."""
        dob = self.index._dob
        spans: list[tuple[int, int, set[int]]] = []
        for hit in hits:
            wanted = {dob[i] for i in self.index.students_of(hit.student) if dob[i]}
            lo, hi = max(0, hit.start - window), min(len(text), hit.end + window)
            para_start = text.rfind("\n\n", lo, hit.start)
            para_end = text.find("\n\n", hit.end, hi)
            lo = para_start + 2 if para_start >= 0 else lo
            hi = para_end if para_end >= 0 else hi
            spans.append((lo, hi, wanted))
        if not any(wanted for _, _, wanted in spans):
            return hits
        dates = self._dates_in_spans(text, [(lo, hi) for lo, hi, wanted in spans if wanted])
        starts = [start for start, _, _ in dates]
        out = []
        for hit, (lo, hi, wanted) in zip(hits, spans, strict=True):
            if wanted:
                first = bisect.bisect_left(starts, lo)
                if any(dates[i][1] <= hi and wanted.intersection(dates[i][2])
                       for i in range(first, bisect.bisect_left(starts, hi))):
                    hit = replace(hit, dob_confirmed=True)
            out.append(hit)
        return out

    def _dates_in_spans(self, text: str, spans: list[tuple[int, int]]
                        ) -> list[tuple[int, int, tuple[int, ...]]]:
        """(start, end, DOB hashes of its readings) for the dates in the union of spans."""
        merged: list[list[int]] = []
        for lo, hi in sorted(spans):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        found = []
        for lo, hi in merged:
            chunk = text[lo:hi]
            if not _DATE_SHAPE.search(chunk):
                continue
            for date_hit in find_dates(chunk, self._today):
                hashes = tuple(self._dob_hash(d.isoformat()) for d in date_hit.dates)
                found.append((lo + date_hit.start, lo + date_hit.end, hashes))
        return found

    def _dates_in_cell(self, cell: str) -> tuple[int, ...]:
        found = self._cell_date_cache.get(cell)
        if found is None:
            found = tuple(self._dob_hash(d.isoformat()) for hit in find_dates(cell, self._today)
                          for d in hit.dates)
            self._cell_date_cache[cell] = found
        return found

    # -- table rows

    def match_cells(self, cells: Sequence[str], id_columns: set[int] | frozenset[int] = frozenset(),
                    name_columns: set[int] | None = None,
                    skip_columns: set[int] | frozenset[int] = frozenset(),
                    *, min_id_length: int = 5, ids_outside_id_columns: bool = True
                    ) -> list[RosterHit]:
        """Roster students in one table row (cells normalized).

        IDs: a whole cell in an ID column (any length), or ID-like runs of at
        least `min_id_length` characters in other cells (unless
        `ids_outside_id_columns` is false: a budget's account numbers are not
        students, whatever they equal). Names: first and last
        name in any two cells of the row (or the same short cell), restricted
        to `name_columns` when the header says which they are; long text cells
        are matched like running text. For many rows of one table, use
        `row_matcher` (same results, each distinct cell value read once).
        """
        return self.row_matcher(id_columns, name_columns, skip_columns,
                                min_id_length=min_id_length,
                                ids_outside_id_columns=ids_outside_id_columns).match(cells)

    def row_matcher(self, id_columns: set[int] | frozenset[int] = frozenset(),
                    name_columns: set[int] | None = None,
                    skip_columns: set[int] | frozenset[int] = frozenset(),
                    *, min_id_length: int = 5, ids_outside_id_columns: bool = True
                    ) -> RowMatcher:
        """`match_cells` with these columns, for the rows of one table."""
        return RowMatcher(self, id_columns, name_columns, skip_columns,
                          min_id_length=min_id_length,
                          ids_outside_id_columns=ids_outside_id_columns)

    def _ids_in_cell(self, cell: str, min_length: int) -> list[RosterHit]:
        """`_ids_in_text` for one cell. A cell of ASCII digits is one candidate,
        the whole cell (ID columns are mostly that), so it skips the run search."""
        if not (cell.isdigit() and cell.isascii()):
            return self._ids_in_text(cell, min_length)
        # what id_runs/greedy_id_candidates accept: a lone group of 4+ characters
        if len(cell) < max(min_length, 4) or len(cell) > MAX_ID_LENGTH:
            return []
        student = self.student_for_id(cell)
        if student < 0 or _something_else(cell, IdCandidate(0, len(cell), cell, cell)):
            return []
        return [RosterHit("id", student, self._evidence_flag(student), 0, len(cell),
                          redact_id(cell))]


_K = TypeVar("_K")
_V = TypeVar("_V")

# What one cell contributes to its row: hits of its own, and name parts to pair.
_CellMatch = tuple[tuple[RosterHit, ...], tuple[_Unit, ...]]
_NOTHING: _CellMatch = ((), ())


class RowMatcher:
    """Roster students in the rows of one table (see `RosterSession.match_cells`).

    A row's students come from what each cell holds on its own (an ID, or IDs
    and names in longer text), from first+last name parts paired across its
    cells, and from dates of birth anywhere in the row. `match_rows` works
    column-wise: each distinct value of a column is read once for the table
    (names and dates repeat down a column), a column none of whose values
    holds anything is left out, and rows alike in the columns that remain
    share one reading. Results equal reading each row afresh, in the same order.

    What is kept is chosen with the garbage collector in mind: readings that
    will not be reused (a student's own ID: IDs rarely repeat) are not kept,
    since every long-lived object makes the collector's full passes longer.
    """

    def __init__(self, session: RosterSession, id_columns: set[int] | frozenset[int],
                 name_columns: set[int] | None, skip_columns: set[int] | frozenset[int],
                 *, min_id_length: int, ids_outside_id_columns: bool) -> None:
        self.session = session
        self.id_columns = id_columns
        self.name_columns = name_columns
        self.skip_columns = skip_columns
        self.min_id_length = min_id_length
        self.ids_outside_id_columns = ids_outside_id_columns
        self._id_hint = _id_hint(min_id_length)
        self._cells: dict[int, dict[str, _CellMatch]] = {}  # column -> value -> reading
        self._pairs: dict[tuple[tuple[int, str], ...], tuple[RosterHit, ...]] = {}
        self._dates: dict[str, tuple[int, ...]] = {}
        # columns read -> their values in a row -> the row's hits (before dates)
        self._rows: dict[tuple[int, ...], dict[tuple[str, ...], tuple[RosterHit, ...]]] = {}

    def match(self, cells: Sequence[str]) -> list[RosterHit]:
        """Roster students in one row (cells normalized), as `match_cells`."""
        return list(self._confirm_dobs(cells, self._hits(enumerate(cells))))

    def match_rows(self, rows: Sequence[Sequence[str]],
                   columns: list[tuple[str, ...]] | None = None,
                   confirm_dobs: Iterable[bool] | None = None
                   ) -> Iterator[tuple[RosterHit, ...]]:
        """Roster students in each row, as `match` (see the class docstring);
        `columns` is `columns_of(rows)` when the caller has it. `confirm_dobs`
        says, row by row, whether to look for the students' dates of birth in
        the row (`dob_confirmed`); a caller that counts a row's date of birth
        for all its students anyway (from a DOB column) can spare the search.

        The columns are read up front; each row's hits are made as it is
        consumed, so that they are freed with the row (objects that outlive
        many allocations make the garbage collector's passes longer).
        """
        confirms = repeat(True) if confirm_dobs is None else confirm_dobs
        columns = columns if columns is not None else columns_of(rows)
        if columns is None:
            for row, confirm in zip(rows, confirms, strict=False):
                hits = self._hits(enumerate(row))
                yield self._confirm_dobs(row, hits) if confirm else hits
            return
        read = tuple(col for col, values in enumerate(columns)
                     if self._holds_students(col, values))
        if not read:
            yield from repeat((), len(rows))
            return
        dated = [columns[col] for col, values in enumerate(columns) if self._holds_dates(values)]
        # rows with an ID rarely repeat: keep the hits of rows alike in names only
        cache = None if self.id_columns.intersection(read) else self._rows.setdefault(read, {})
        row_values = zip(*(columns[col] for col in read), strict=True)
        row_dates = zip(*dated, strict=True) if dated else repeat(())
        # (repeat() is endless: the rows' values end the loop)
        for values, dates, confirm in zip(row_values, row_dates, confirms, strict=False):
            hits = cache.get(values) if cache is not None else None
            if hits is None:
                hits = self._hits(zip(read, values, strict=True))
                if cache is not None and not self.session.deadline_reached:
                    _keep(cache, values, hits)
            yield self._confirm_dobs(dates, hits) if hits and dates and confirm else hits

    def _holds_students(self, col: int, values: Sequence[str]) -> bool:
        """Whether some value of this column holds a hit or a name part."""
        if col in self.skip_columns:
            return False
        distinct = set(values)
        distinct.discard("")
        if not distinct:
            return False
        if col not in self.id_columns and self.name_columns is not None \
                and col not in self.name_columns:
            # only IDs inside the text can count here; most such columns have none
            if not self.ids_outside_id_columns or \
                    not self._id_hint.search(_VALUE_BREAK.join(distinct)):
                return False
        if col in self.id_columns:  # look the IDs up in one batch
            self.session.prefetch_ids(value.strip() for value in distinct)
            student_for_id = self.session.student_for_id
            # a number that is no roster ID holds nothing else (see _read_cell)
            distinct = {value for value in distinct if not (
                value.isdigit() and value.isascii() and student_for_id(value) < 0)}
        return any(self._cell(col, value) is not _NOTHING for value in distinct)

    def _holds_dates(self, values: Sequence[str]) -> bool:
        short = {value for value in values if value and len(value) <= 40}
        text = "".join(short)
        if text.isdigit() or not _DIGIT.search(text):  # a date has digits and more
            return False
        if not _DATE_SHAPE.search(_VALUE_BREAK.join(short)):
            return False
        return any(self._dates_in(value) for value in short)

    def _hits(self, cells: Iterable[tuple[int, str]]) -> tuple[RosterHit, ...]:
        """The hits of a row from its (column, cell) pairs, before dates of birth."""
        hits: list[RosterHit] = []
        seen: set[int] = set()
        named: list[tuple[int, str]] = []  # cells with name parts, for pairing
        units: list[tuple[_Unit, ...]] = []
        skip = self.skip_columns
        for col, cell in cells:
            if not cell or col in skip:
                continue
            own, parts = self._cell(col, cell)
            for hit in own:
                if hit.student not in seen:
                    seen.add(hit.student)
                    hits.append(hit)
            if parts:
                named.append((col, cell))
                units.append(parts)
        if named and sum(map(len, units)) >= 2:
            for hit in self._pair_hits(tuple(named), units):
                if hit.student not in seen:
                    seen.add(hit.student)
                    hits.append(hit)
        return tuple(hits)

    def _cell(self, col: int, cell: str) -> _CellMatch:
        cache = self._cells.setdefault(col, {})
        found = cache.get(cell)
        if found is None:
            found = self._read_cell(col, cell)
            # a reading cut short is not kept, nor a student's ID (read once, most likely)
            if not self.session.deadline_reached and (
                    found is _NOTHING or col not in self.id_columns):
                _keep(cache, cell, found)
        return found

    def _read_cell(self, col: int, cell: str) -> _CellMatch:
        session = self.session
        if col in self.id_columns:
            student = session.student_for_id(cell.strip())
            if student >= 0:
                return ((RosterHit("id", student, session._evidence_flag(student), 0,
                                   len(cell), redact_id(cell), cell=col),), ())
            if cell.isdigit() and cell.isascii():  # not an ID, nor anything else below
                return _NOTHING
        hits: list[RosterHit] = []
        if self.ids_outside_id_columns and len(cell) >= self.min_id_length and \
                self._id_hint.search(cell):
            hits += (replace(h, cell=col) for h in session._ids_in_cell(cell,
                                                                        self.min_id_length))
        if self.name_columns is not None and col not in self.name_columns:
            return (tuple(hits), ()) if hits else _NOTHING
        words = list(_WORD.finditer(cell))
        if len(words) > 4:  # running text: names must be adjacent
            hits += (replace(h, cell=col) for h in session._names_in_text(cell))
            return (tuple(hits), ()) if hits else _NOTHING
        parts = tuple(unit for word in words
                      for unit in session._units_at(cell, word.start(), word.group()))
        return (tuple(hits), parts) if hits or parts else _NOTHING

    def _pair_hits(self, named: tuple[tuple[int, str], ...], units: list[tuple[_Unit, ...]]
                   ) -> tuple[RosterHit, ...]:
        found = self._pairs.get(named)
        if found is None:
            found = _keep(self._pairs, named, self._read_pairs(named, units))
        return found

    def _read_pairs(self, named: tuple[tuple[int, str], ...], units: list[tuple[_Unit, ...]]
                    ) -> tuple[RosterHit, ...]:
        """A first and a last name part, in two cells or not overlapping in one,
        that are a roster student; each student once, first pairing first."""
        session = self.session
        pairs = session.index._pairs
        cells = dict(named)
        flat = [(col, unit) for (col, _), parts in zip(named, units, strict=True)
                for unit in parts]
        firsts = [(col, unit) for col, unit in flat if unit.bits & _FIRST]
        lasts = [(col, unit) for col, unit in flat if unit.bits & _LAST]
        hits: dict[int, RosterHit] = {}
        for fc, fu in firsts:
            for lc, lu in lasts:
                if fc == lc and not (fu.end <= lu.start or lu.end <= fu.start):
                    continue
                student = pairs.get(fu.hash << 64 | lu.hash)
                if student is None or student in hits:
                    continue
                if fc == lc:
                    lo, hi = min(fu.start, lu.start), max(fu.end, lu.end)
                    evidence = redact_name(cells[fc][lo:hi])
                else:
                    evidence = redact_name(cells[fc][fu.start:fu.end] + " "
                                           + cells[lc][lu.start:lu.end])
                hits[student] = RosterHit("name", student, session._evidence_flag(student),
                                          fu.start, fu.end, evidence, cell=fc)
        return tuple(hits.values())

    def _confirm_dobs(self, row: Iterable[str], hits: tuple[RosterHit, ...]
                      ) -> tuple[RosterHit, ...]:
        """Mark the hits whose student's date of birth is a date in the row."""
        if not hits:
            return hits
        found: set[int] = set()
        for cell in row:
            if cell and len(cell) <= 40:
                found.update(self._dates_in(cell))
        if not found:
            return hits
        return tuple(_dob_confirmed(h) if self._born_on(h.student, found) else h for h in hits)

    def _dates_in(self, cell: str) -> tuple[int, ...]:
        """DOB hashes of the readings of a date cell (of at most 40 characters)."""
        found = self._dates.get(cell)
        if found is None:
            found = _keep(self._dates, cell, self.session._dates_in_cell(cell)
                          if _DATE_SHAPE.search(cell) else ())
        return found

    def _born_on(self, student: int, dates: set[int]) -> bool:
        """Whether the date of birth of the student (or of one of the students
        sharing a name) is among these DOB hashes."""
        dob = self.session.index._dob
        if student >= 0:
            return dob[student] != 0 and dob[student] in dates
        return any(dob[i] and dob[i] in dates for i in self.session.index.students_of(student))


def _dob_confirmed(hit: RosterHit) -> RosterHit:
    """`replace(hit, dob_confirmed=True)`, without its per-call field lookup
    (every field of RosterHit, in order)."""
    return RosterHit(hit.kind, hit.student, hit.flagged, hit.start, hit.end, hit.evidence,
                     hit.cell, hit.row, hit.source, dob_confirmed=True)


_VALUE_BREAK = "\x00"  # joins a column's values for one regex pass: no digit, space or letter
_MAX_KEPT = 50_000  # readings kept per cache of a table: memory stays bounded


def _keep(cache: dict[_K, _V], key: _K, value: _V) -> _V:
    """Store and return `value`; a cache that has grown too big starts afresh."""
    if len(cache) >= _MAX_KEPT:
        cache.clear()
    cache[key] = value
    return value


_EXCLUDE = PhraseMatcher((word, "excl") for word in DEFAULT_EXCLUDE_WORDS)
_EXCLUDE_REACH = 20  # characters between 'Account', 'Phone'... and the number


def _something_else(text: str, candidate: IdCandidate) -> bool:
    """A number that equals a roster ID but is written as something else: a
    phone number, a date, an amount, or right after 'account', 'invoice',
    'phone'... on the same line (a budget's account numbers are not students)."""
    before = text[max(0, candidate.start - 3):candidate.start]
    after = text[candidate.end:candidate.end + 3]
    if any(f(candidate.raw, before, after) for f in FILTERS):
        return True
    lead = text[max(0, candidate.start - _EXCLUDE_REACH):candidate.start]
    lead = lead.rsplit("\n", 1)[-1]
    return bool(lead.strip()) and any(True for _ in _EXCLUDE.find(lower_same_length(lead)))


def _next_word(text: str, end: int, *, comma: bool, initial: bool = False
               ) -> tuple[int, int, str] | None:
    gap = (_INITIAL_GAP if initial else _GAP).match(text, end)
    if gap is None:
        return None
    if not comma and "," in gap.group():
        return None
    word = _WORD.match(text, gap.end())
    if word is None:
        return None
    return word.start(), word.end(), word.group()


def _is_initial(word: str) -> bool:
    return len(word) == 1 and word.isalpha()

