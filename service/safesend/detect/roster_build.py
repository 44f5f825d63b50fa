"""Building a `RosterIndex` straight from a roster file (issue 17: import speed).

`import_roster` + `RosterIndex(students)` hash each record to a `HashedStudent`
of digests and then read the digests back as ints; this hashes each parsed
row straight to the ints the index keys by, and adds it at once: no object
per student is made or held. Hashes, and so the index, are the same
(`tests/detect/test_roster_import_paths.py`); the stored format is untouched.

What repeats across a roster is worked out once per distinct value: a name's
digests and its token bits, a date of birth, a flag set's mask.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence

from .normalize import student_id_key
from .roster import RosterHasher, RosterIndex
from .roster_csv import RecordFields, RosterParseResult, read_roster_fields
from .roster_hits import _EMAIL, _FIRST, _ID, _LAST, _PREFIX


def import_roster_index(data: bytes | str, hasher: RosterHasher,
                        mapping: Mapping[str, str | Sequence[str]] | None = None
                        ) -> tuple[RosterIndex, RosterParseResult]:
    """Parse, hash and index a roster file; the parse result has no records."""
    result, rows = read_roster_fields(data, mapping)
    index = index_rows(rows, hasher)
    release_free_memory()
    return index, result


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc `malloc_trim`).

    The import frees the text of the file and the parser's tables at the end,
    but they sit between blocks the index keeps, so the process kept ~20 MB it
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


def index_rows(rows: Iterable[RecordFields], hasher: RosterHasher) -> RosterIndex:
    """The index of these parsed rows (what `RosterIndex(hasher.hash_records(...))` gives)."""
    index = RosterIndex.__new__(RosterIndex)
    index.hasher = hasher
    index._build_start()
    ids, tokens, pairs, ambiguous = index._ids, index._tokens, index._pairs, index._ambiguous
    add_guardian, add_ward = index._wards.appenders()
    add_ref, add_dob, add_flags = index._refs.append, index._dob.append, index._flags.append
    # HMAC of the IDs and guardian emails written out in the loop (see
    # RosterHasher._digester): a function call per value was a tenth of the build
    id_inner, email_inner = hasher._inner.copy(), hasher._inner.copy()
    id_inner.update(_ID)
    email_inner.update(_EMAIL)
    copy_id, copy_email, copy_outer = id_inner.copy, email_inner.copy, hasher._outer.copy
    size, from_bytes = hasher.digest_size, int.from_bytes
    firsts_of: dict[str, list[int]] = {}  # a first name's digests, shifted for the pair keys
    lasts_of: dict[str, list[int]] = {}
    dobs: dict[object, int] = {}
    masks: dict[frozenset[str], int] = {}
    labels: list[str] = []
    count = 0
    for line, student_id, first_name, last_name, dob, flags, emails in rows:
        if student_id.isdigit() and student_id.isascii():  # student_id_key's common case
            id_key = student_id.lstrip("0") or "0"
        else:
            id_key = student_id_key(student_id)
            if not id_key:
                raise ValueError(f"line {line}: empty student ID")
        inner = copy_id()
        inner.update(id_key.encode("utf-8", "surrogatepass"))
        outer = copy_outer()
        outer.update(inner.digest())
        ref = from_bytes(outer.digest()[:size], "big")
        ids.setdefault(ref, count)
        add_ref(ref)
        firsts = firsts_of.get(first_name)
        if firsts is None:
            firsts = firsts_of[first_name] = [
                h << 64 for h in _name_ints(hasher, first_name, tokens, _FIRST)]
        lasts = lasts_of.get(last_name)
        if lasts is None:
            lasts = lasts_of[last_name] = _name_ints(hasher, last_name, tokens, _LAST)
        for f in firsts:
            for h in lasts:
                key = f | h
                existing = pairs.setdefault(key, count)
                if existing != count:
                    if existing >= 0:  # a second student of this first and last name
                        ambiguous.append((existing, count))
                        pairs[key] = ~(len(ambiguous) - 1)
                    elif count not in (group := ambiguous[~existing]):
                        ambiguous[~existing] = group + (count,)
        if dob is None:
            add_dob(0)
        else:
            found = dobs.get(dob)
            if found is None:
                found = dobs[dob] = from_bytes(hasher.hash_dob(dob), "big")
            add_dob(found)
        mask = masks.get(flags)
        if mask is None:
            mask = masks[flags] = _mask(hasher, flags, labels)
        add_flags(mask)
        several = len(emails) > 1
        done: list[int] = [] if several else None  # type: ignore[assignment]
        for address in emails:
            if address.isascii():  # the reader stripped and lower-cased it (hash_email's key)
                if "@" not in address:
                    continue
                inner = copy_email()
                inner.update(address.encode())
                outer = copy_outer()
                outer.update(inner.digest())
                g = from_bytes(outer.digest()[:size], "big")
            else:
                digest = hasher.hash_email(address)
                if digest is None:
                    continue
                g = from_bytes(digest, "big")
            if several:
                if g in done:  # the same guardian twice (written differently)
                    continue
                done.append(g)
            add_guardian(g)
            add_ward(count)
        count += 1
    index._count = count
    index._wards.freeze()
    index._labels = tuple(labels)
    return index


def _name_ints(hasher: RosterHasher, name: str, tokens: dict[int, int], role: int) -> list[int]:
    """A name's digests as ints (`RosterHasher.name_hashes`), its token bits set once."""
    ints = [int.from_bytes(h, "big") for h in hasher.name_hashes(name, last=role == _LAST)]
    for h in ints:
        tokens[h] = tokens.get(h, 0) | role
    if len(ints) > 1:
        tokens[ints[1]] |= _PREFIX
    return ints


def _mask(hasher: RosterHasher, flags: frozenset[str], labels: list[str]) -> int:
    """A flag set as bits of `labels` (first come, first numbered, as `RosterIndex` does)."""
    mask = 0
    for label in {hasher.flag(label) for label in flags}:
        if label not in labels:
            labels.append(label)
        mask |= 1 << labels.index(label)
    return mask

