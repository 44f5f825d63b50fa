"""Loading a stored roster into `RosterIndex` (issue 17: the first check after
an import waits for it).

The general reader (`roster._read_blob`) slices each digest into a bytes
object, groups them into tuples per student and converts each to an int in
`RosterIndex._add`: ~12 objects and calls per student. With 8-byte digests
(the default) one `struct` unpack reads a student's whole record as ints,
its layout (how many names, a date of birth, guardians) compiled once per
shape, and a name's digests are turned into index keys once per distinct
name. The index is the one `_add` builds (`tests/detect/test_roster_load.py`).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from .roster_hits import _FIRST, _LAST, _PREFIX

if TYPE_CHECKING:
    from .roster import RosterIndex

DIGEST_SIZE = 8  # the digest size this reader handles; any other goes the general way
_HEAD = 8  # the student's digest counts (4 bytes) and flag mask (4 bytes, little-endian)


def load_students(index: RosterIndex, blob: bytes, offset: int, count: int) -> int:
    """Add the `count` students stored from `offset` on; returns where they end.
    Raises struct.error or ValueError when the blob ends inside a student."""
    ids, tokens, pairs, ambiguous = index._ids, index._tokens, index._pairs, index._ambiguous
    add_guardian, add_ward = index._wards.appenders()
    add_ref, add_dob, add_flags = index._refs.append, index._dob.append, index._flags.append
    layouts: dict[bytes, tuple[struct.Struct, int, int, int]] = {}
    firsts_of: dict[tuple[int, ...], list[int]] = {}  # shifted for the pair keys
    lasts_seen: set[tuple[int, ...]] = set()
    masks: dict[int, int] = {0: 0}  # the mask read big-endian -> as stored
    pos = offset
    for student in range(count):
        shape = blob[pos + DIGEST_SIZE:pos + DIGEST_SIZE + 4]
        layout = layouts.get(shape)
        if layout is None:
            layout = layouts[shape] = _layout(shape)
        reader, end_first, end_last, end_dob = layout
        values = reader.unpack_from(blob, pos)
        pos += reader.size
        ref = values[0]
        ids.setdefault(ref, student)
        add_ref(ref)
        mask = masks.get(values[1])
        if mask is None:
            mask = masks[values[1]] = int.from_bytes(values[1].to_bytes(4, "big"), "little")
        add_flags(mask)
        first = values[2:end_first]
        firsts = firsts_of.get(first)
        if firsts is None:
            for h in first:
                tokens[h] = tokens.get(h, 0) | _FIRST
            if len(first) > 1:
                tokens[first[1]] |= _PREFIX
            firsts = firsts_of[first] = [h << 64 for h in first]
        last = values[end_first:end_last]
        if last not in lasts_seen:
            lasts_seen.add(last)
            for h in last:
                tokens[h] = tokens.get(h, 0) | _LAST
            if len(last) > 1:
                tokens[last[1]] |= _PREFIX
        for f in firsts:
            for h in last:
                key = f | h
                existing = pairs.setdefault(key, student)
                if existing != student:
                    if existing >= 0:  # a second student of this first and last name
                        ambiguous.append((existing, student))
                        pairs[key] = ~(len(ambiguous) - 1)
                    elif student not in (group := ambiguous[~existing]):
                        ambiguous[~existing] = group + (student,)
        add_dob(values[end_last] if end_dob > end_last else 0)
        for g in values[end_dob:]:
            add_guardian(g)
            add_ward(student)
    index._count = count
    return pos


def _layout(shape: bytes) -> tuple[struct.Struct, int, int, int]:
    """The reader of a student of this shape (first names, last names, DOB, guardians)
    and where its first names, last names and DOB end among the values."""
    n_first, n_last, has_dob, n_guardians = shape
    digests = n_first + n_last + has_dob + n_guardians
    # big-endian: digests read as the ints `_int` gives; the mask is swapped back after
    reader = struct.Struct(f">Q4xI{digests}Q")
    end_first = 2 + n_first
    return reader, end_first, end_first + n_last, end_first + n_last + has_dob
