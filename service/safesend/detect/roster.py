"""Exact data match against the district roster, stored only as keyed hashes.

Import: `parse_roster_csv` (see `roster_csv.py`) -> `RosterHasher.hash_records`
-> `HashedStudent` list -> `serialize_roster` (one bytes blob for the
database) -> `RosterIndex.from_bytes` in each worker (`roster_load.py`). The
product's import writes the same blob in one pass (`roster_blob.py`).

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

Matching (`RosterIndex.session()` per check) lives in `roster_match.py`; what
it returns (`RosterHit`...) in `roster_hits.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import importlib
import math
import re
import struct
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .flags import KNOWN_FLAGS
from .heap import release_free_memory
from .inputs import TableLike, TextSegmentLike
from .normalize import (
    name_key,
    name_parts,
    normalize_text,
    student_id_key,
)
from .redact import redact_email
from .roster_hits import (
    _DOB,
    _EMAIL,
    _FIRST,
    _ID,
    _LAST,
    _NAME,
    _PREFIX,
    GuardianMatch,
    RosterHit,
    RosterMatch,
    _int,
)
from .roster_load import DIGEST_SIZE, load_students
from .roster_match import RosterSession, RowMatcher
from .roster_wards import Wards
from .tables import NOT_STUDENT_PEOPLE, profile_table

if TYPE_CHECKING:
    from .roster_csv import RosterParseResult, RosterRecord

__all__ = [
    "GuardianMatch", "HashedStudent", "RosterHasher", "RosterHit", "RosterIndex",
    "RosterKeyError", "RosterMatch", "RosterSession", "RowMatcher", "deserialize_roster",
    "import_roster", "serialize_roster",
]


class RosterKeyError(ValueError):
    """A serialized roster was hashed with another secret (or is not a roster)."""


# --- hashing ------------------------------------------------------------------

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


def _ascii_email_digest(address: str, digest: Callable[[str], bytes]) -> bytes | None:
    """`RosterHasher.hash_email` of an ASCII address (normalize_text keeps ASCII as is)."""
    key = address.strip().strip("<>").lower()
    return digest(key) if "@" in key else None


def _state_copying_sha256() -> Callable[[bytes], Any]:
    """CPython's own SHA-256 when it has one: copying its state is a memcpy,
    where OpenSSL's copies allocate a context, so the HMAC of a short value
    (two copies, two digests) costs ~40% less. Same digests (it is SHA-256)."""
    for module in ("_sha2", "_sha256"):  # Python 3.12+, 3.11
        try:
            return importlib.import_module(module).sha256  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    return hashlib.sha256


_SHA256 = _state_copying_sha256()


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
        self._inner = _SHA256(bytes(b ^ 0x36 for b in key))
        self._outer = _SHA256(bytes(b ^ 0x5C for b in key))

    def _digest(self, domain: bytes, value: str) -> bytes:
        inner = self._inner.copy()
        inner.update(domain + value.encode("utf-8", "surrogatepass"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()[:self.digest_size]

    def _digester(self, domain: bytes) -> Callable[[str], bytes]:
        """`_digest` of one domain as a function, the domain absorbed once (the
        roster import hashes 100,000 IDs and guardian emails with it)."""
        inner_key = self._inner.copy()
        inner_key.update(domain)
        copy_inner, copy_outer, size = inner_key.copy, self._outer.copy, self.digest_size

        def digest(value: str) -> bytes:
            inner = copy_inner()
            inner.update(value.encode("utf-8", "surrogatepass"))
            outer = copy_outer()
            outer.update(inner.digest())
            return outer.digest()[:size]

        return digest

    def _digests(self, domain: bytes, values: Iterable[str]) -> list[bytes]:
        """`_digest` of many values (the IDs of a table column) in one loop."""
        inner_key = self._inner.copy()
        inner_key.update(domain)  # the same for every value: absorbed once
        copy_inner, copy_outer, size = inner_key.copy, self._outer.copy, self.digest_size
        out = []
        append = out.append
        for value in values:
            inner = copy_inner()
            inner.update(value.encode("utf-8", "surrogatepass"))
            outer = copy_outer()
            outer.update(inner.digest())
            append(outer.digest()[:size])
        return out

    def _int_digests(self, domain: bytes, values: Iterable[str]) -> list[int]:
        """`_int(_digest(domain, value))` of many values (the index keys its sets by these ints)."""
        from_bytes = int.from_bytes
        return [from_bytes(digest, "big") for digest in self._digests(domain, values)]

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
        digest_id, digest_email = self._digester(_ID), self._digester(_EMAIL)
        out = []
        for record in records:
            id_key = student_id_key(record.student_id)
            if not id_key:
                raise ValueError(f"line {record.line}: empty student ID")
            student_id = digest_id(id_key)
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
            guardians = tuple(h for h in (_ascii_email_digest(e, digest_email)
                                          if e.isascii() else self.hash_email(e)
                                          for e in record.guardian_emails) if h)
            out.append(HashedStudent(student_id, first, last, dob, flags,
                                     tuple(dict.fromkeys(guardians))))
        return out


def import_roster(data: bytes | str, hasher: RosterHasher, mapping: dict[str, str] | None = None
                  ) -> tuple[list[HashedStudent], RosterParseResult]:
    """Parse and hash a roster file, record by record; the returned parse result has
    no records (the plaintext is dropped as each row is hashed)."""
    from .roster_csv import read_roster_csv  # the reader: imports only, never a check

    result, records = read_roster_csv(data, mapping)
    return hasher.hash_records(records), result


# --- serialization ---------------------------------------------------------------

_MAGIC = b"SSRH"
_VERSION = 1
_MAX_LABELS = 32


def serialize_roster(students: Sequence[HashedStudent], hasher: RosterHasher) -> bytes:
    """A compact blob: header (magic, version, digest size, key id, labels), then
    one variable-length record per student. No plaintext besides flag labels.
    (`roster_blob.build_blob` writes the same bytes straight from parsed rows.)"""
    size = hasher.digest_size
    labels, bit, other = label_bits({label for s in students for label in s.flags})
    out = bytearray(blob_header(hasher, len(students), labels))
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


def label_bits(flags: set[str]) -> tuple[list[str], dict[str, int], int]:
    """The blob's flag labels (sorted; past 32, the rest share 'OTHER'), each
    label's bit, and the bit of a label not listed."""
    labels = sorted(flags)
    if len(labels) > _MAX_LABELS:
        keep = labels[:_MAX_LABELS - 1]
        labels = keep + ["OTHER"]
    bit = {label: 1 << i for i, label in enumerate(labels)}
    return labels, bit, bit.get("OTHER", 0)


def blob_header(hasher: RosterHasher, students: int, labels: list[str]) -> bytes:
    out = bytearray(_MAGIC + struct.pack("<BB8sI", _VERSION, hasher.digest_size, hasher.key_id,
                                         students))
    out += struct.pack("<B", len(labels))
    for label in labels:
        encoded = label.encode("utf-8")[:255]
        out += struct.pack("<B", len(encoded)) + encoded
    return bytes(out)


def _read_header(blob: bytes, hasher: RosterHasher | None) -> tuple[int, int, list[str], int]:
    """A blob's digest size, student count, flag labels, and where its students start."""
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
    return size, count, labels, offset


def _read_blob(blob: bytes, hasher: RosterHasher | None
               ) -> tuple[int, list[str], Iterator[tuple[bytes, tuple[bytes, ...],
                                                          tuple[bytes, ...], bytes | None,
                                                          int, tuple[bytes, ...]]]]:
    size, count, labels, offset = _read_header(blob, hasher)
    view = memoryview(blob)

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


class RosterIndex:
    """Lookup structures over hashed students; immutable and shared by all checks."""

    def __init__(self, students: Iterable[HashedStudent], hasher: RosterHasher) -> None:
        self.hasher = hasher
        labels: list[str] = []
        self._build_start()
        # the name digests of students who share a name are one tuple (hash_records):
        # read as ints once per tuple
        self._ints_of: dict[tuple[bytes, ...], list[int]] | None = {}
        for s in students:
            mask = 0
            for label in s.flags:
                if label not in labels:
                    labels.append(label)
                mask |= 1 << labels.index(label)
            self._add(s.student_id, s.first, s.last, s.dob, mask, s.guardians)
        self._labels = tuple(labels)
        self._ints_of = None
        self._wards.freeze()

    @classmethod
    def from_bytes(cls, blob: bytes, hasher: RosterHasher) -> RosterIndex:
        index = cls.__new__(cls)
        index.hasher = hasher
        index._build_start()
        size, count, labels, offset = _read_header(blob, hasher)
        if size == DIGEST_SIZE:
            try:
                end = load_students(index, blob, offset, count)
            except (struct.error, ValueError):
                end = -1
            if end != len(blob):
                raise RosterKeyError("the serialized roster is truncated or has trailing data")
        else:
            for student_id, first, last, dob, mask, guardians in _read_blob(blob, hasher)[2]:
                index._add(student_id, first, last, dob, mask, guardians)
        index._labels = tuple(labels)
        index._wards.freeze()
        release_free_memory()  # the build's scratch (ordering the guardians) sat between blocks
        return index

    def _build_start(self) -> None:
        self._ids: dict[int, int] = {}
        self._tokens: dict[int, int] = {}  # name hash -> _FIRST | _LAST | _PREFIX bits
        self._pairs: dict[int, int] = {}  # first << 64 | last -> student (or ~ambiguous)
        self._ambiguous: list[tuple[int, ...]] = []
        self._dob = array("Q")
        self._flags = array("L")
        self._refs = array("Q")  # keyed hash of each student's ID, by roster index
        self._wards = Wards()  # guardian email hash -> their students
        self._count = 0
        self._ints_of = None

    def _add(self, student_id: bytes, first: tuple[bytes, ...], last: tuple[bytes, ...],
             dob: bytes | None, mask: int, guardians: tuple[bytes, ...]) -> None:
        index = self._count
        self._count += 1
        self._ids.setdefault(_int(student_id), index)
        self._refs.append(_int(student_id))
        ints_of = self._ints_of
        if ints_of is None:
            firsts = [_int(h) for h in first]
            lasts = [_int(h) for h in last]
        else:
            firsts = ints_of.get(first)  # type: ignore[assignment]
            if firsts is None:
                firsts = ints_of[first] = [_int(h) for h in first]
            lasts = ints_of.get(last)  # type: ignore[assignment]
            if lasts is None:
                lasts = ints_of[last] = [_int(h) for h in last]
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
        for g in guardians:
            self._wards.add(_int(g), index)

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
        return self.flags_in(self.flag_mask(key))

    def flag_mask(self, key: int) -> int:
        """The flags behind a hit's key as a bit mask (of `flags_in`): few
        distinct masks, however many students, so callers cache by mask."""
        if key >= 0:
            return self._flags[key]
        mask = 0
        for i in self._ambiguous[~key]:
            mask |= self._flags[i]
        return mask

    def flags_in(self, mask: int) -> frozenset[str]:
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
                of = () if digest is None else self._wards.get(_int(digest))
                if of:
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
