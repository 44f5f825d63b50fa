"""The stored roster straight from a roster file, in one pass (issue 17: import speed).

`import_roster` + `serialize_roster` hash each record to a `HashedStudent`,
hold 100,000 of them, then walk them again to write the blob. This parses
each row once, hashes it once and writes its bytes at once: no object per
student is made or held. The blob is byte for byte `serialize_roster`'s
(`tests/detect/test_roster_blob.py`), so stored snapshots load as before.

What repeats across a roster is worked out once per distinct value: a name's
digests, a date of birth's, a flag set's labels. A flag set's bits depend on
every label of the file (sorted), so each student's mask is written as the
number of its flag set and rewritten at the end.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .heap import release_free_memory
from .normalize import student_id_key
from .roster import RosterHasher, blob_header, label_bits
from .roster_csv import RecordFields, RosterParseResult, RosterRowError, read_roster_fields
from .roster_hits import _EMAIL, _ID

_STUDENT = struct.Struct("<BBBBI")  # serialize_roster's record head (after the ID)
_MASK = struct.Struct("<I")


@dataclass(frozen=True)
class RosterBlob:
    """The stored roster and the counts the import reports."""

    data: bytes
    students: int
    with_flags: int
    guardians: int  # distinct guardian emails


# A student kept for the contact vault: the keyed hash of their ID (the vault's
# reference) and their fields as read (plaintext: sealed, then dropped)
KeptRow = tuple[bytes, RecordFields]


def import_roster_blob(data: bytes | str, hasher: RosterHasher,
                       mapping: Mapping[str, str | Sequence[str]] | None = None, *,
                       keep: list[KeptRow] | None = None
                       ) -> tuple[RosterBlob, RosterParseResult]:
    """Parse, hash and serialize a roster file; the parse result has no records.
    Each student's row is appended to `keep` when given (the vault seals them)."""
    result, rows = read_roster_fields(data, mapping)
    blob = build_blob(rows, hasher, result.errors, keep)
    release_free_memory()
    return blob, result


def build_blob(rows: Iterable[RecordFields], hasher: RosterHasher,
               errors: list[RosterRowError], keep: list[KeptRow] | None = None) -> RosterBlob:
    """`serialize_roster(hasher.hash_records(rows))` and its counts, row by row. A row
    whose ID has no letter or digit ('-') is reported in `errors` and left out."""
    size = hasher.digest_size
    # HMAC of the IDs and guardian emails written out in the loop (as
    # RosterHasher._digester does): a function call per value is a tenth of the pass
    id_inner, email_inner = hasher._inner.copy(), hasher._inner.copy()
    id_inner.update(_ID)
    email_inner.update(_EMAIL)
    copy_id, copy_email, copy_outer = id_inner.copy, email_inner.copy, hasher._outer.copy
    head = _STUDENT.pack
    body = bytearray()
    write = body.extend
    firsts: dict[str, tuple[int, bytes]] = {}  # a name -> (how many digests, their bytes)
    lasts: dict[str, tuple[int, bytes]] = {}
    dobs: dict[object, bytes] = {}
    flag_sets: dict[frozenset[str], int] = {frozenset(): 0}  # raw labels -> number
    hashed_sets: list[frozenset[str]] = [frozenset()]  # by number
    flagged_at = array("Q")  # where a flagged student's mask is, to rewrite it
    guardians: set[bytes] = set()
    count = 0
    for fields in rows:
        line, student_id, first_name, last_name, dob, flags, emails = fields
        if student_id.isdigit() and student_id.isascii():  # student_id_key's common case
            id_key = student_id.lstrip("0") or "0"
        else:
            id_key = student_id_key(student_id)
            if not id_key:
                errors.append(RosterRowError(line, "student_id", "no letter or digit"))
                continue
        inner = copy_id()
        inner.update(id_key.encode("utf-8", "surrogatepass"))
        outer = copy_outer()
        outer.update(inner.digest())
        ref = outer.digest()[:size]
        first = firsts.get(first_name)
        if first is None:
            first = firsts[first_name] = _name(hasher, first_name, last=False)
        last = lasts.get(last_name)
        if last is None:
            last = lasts[last_name] = _name(hasher, last_name, last=True)
        dob_digest = b""
        if dob:
            dob_digest = dobs.get(dob)  # type: ignore[assignment]
            if dob_digest is None:
                dob_digest = dobs[dob] = hasher.hash_dob(dob)
        number = flag_sets.get(flags)
        if number is None:
            number = flag_sets[flags] = len(hashed_sets)
            hashed_sets.append(frozenset(hasher.flag(label) for label in flags))
        if number:
            flagged_at.append(len(body) + size + 4)
        if emails:
            digests = []
            for address in emails:
                if address.isascii():  # the reader stripped and lower-cased it (hash_email's key)
                    if "@" not in address:
                        continue
                    inner = copy_email()
                    inner.update(address.encode())
                    outer = copy_outer()
                    outer.update(inner.digest())
                    digest = outer.digest()[:size]
                else:
                    digest = hasher.hash_email(address)
                    if digest is None:
                        continue
                if digest not in digests:  # the same guardian twice (written differently)
                    digests.append(digest)
            guardians.update(digests)
            write(ref + head(first[0], last[0], 1 if dob_digest else 0, len(digests), number)
                  + first[1] + last[1] + dob_digest + b"".join(digests))
        else:
            write(ref + head(first[0], last[0], 1 if dob_digest else 0, 0, number)
                  + first[1] + last[1] + dob_digest)
        if keep is not None:
            keep.append((ref, fields))
        count += 1
    labels, bit, other = label_bits({label for s in hashed_sets for label in s})
    masks = [_mask(hashed, bit, other) for hashed in hashed_sets]
    unpack, pack = _MASK.unpack_from, _MASK.pack_into
    for at in flagged_at:
        pack(body, at, masks[unpack(body, at)[0]])
    return RosterBlob(b"".join((blob_header(hasher, count, labels), body)), count,
                      len(flagged_at), len(guardians))


def _mask(labels: frozenset[str], bit: dict[str, int], other: int) -> int:
    mask = 0
    for label in labels:
        mask |= bit.get(label, other)
    return mask


def _name(hasher: RosterHasher, name: str, *, last: bool) -> tuple[int, bytes]:
    digests = hasher.name_hashes(name, last=last)
    return len(digests), b"".join(digests)
