"""ZIP archives: members become children, scanned in turn by the walker.

Every member is decompressed in bounded chunks, so a header that lies about
its size cannot make us inflate more than the limit. Before anything is
inflated, the central directory is checked for zip bombs (a member, or the
whole archive, expanding more than max_expansion_ratio times). The same
check guards DOCX/XLSX/PPTX/ODF files, which are ZIPs too.
"""

from __future__ import annotations

import lzma
import posixpath
import zipfile
import zlib
from collections import Counter

from . import reasons
from .sink import Out, ScanStop

# Small members compress absurdly well without being bombs (1 KB of spaces
# -> 20 bytes; a 1.5 MB EMF icon in a Word file -> 9 KB, 170x); the ratio
# only matters above this size.
BOMB_FLOOR = 8 * 1024 * 1024
_CHUNK = 1024 * 1024
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


def bomb_reason(zf: zipfile.ZipFile, archive_size: int, out: Out) -> str | None:
    ratio = out.limits.max_expansion_ratio
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > BOMB_FLOOR and info.file_size > ratio * max(info.compress_size, 1):
            return reasons.zip_bomb(out.limits)
    if total > BOMB_FLOOR and total > ratio * max(archive_size, 1):
        return reasons.zip_bomb(out.limits)
    return None


def read_archive(zf: zipfile.ZipFile, archive_size: int, out: Out) -> None:
    if out.job.depth + 1 > out.limits.max_depth:
        raise ScanStop(reasons.too_deep(out.limits))
    bomb = bomb_reason(zf, archive_size, out)
    if bomb:
        raise ScanStop(bomb)
    try:
        for info in zf.infolist():
            out.check_time()
            if info.is_dir() or _is_junk(info.filename):
                continue
            if out.members_left <= 0:
                raise ScanStop(reasons.too_many_members(out.limits))
            out.members_left -= 1
            data = _member(zf, info, out)
            if data is not None:
                out.bytes_left -= len(data)
                out.child(info.filename, None, data)
    finally:
        _summarise_problems(out)


def _summarise_problems(out: Out, most: int = 5) -> None:
    """135 members "compressed with an unsupported method" is one problem
    with the archive, not 135 warnings."""
    counts = Counter(p.reason for p in out.result.problems)
    for reason, count in counts.items():
        if count > most:
            out.result.problems = [p for p in out.result.problems if p.reason != reason]
            out.problem(f"{count} files in it: {reason}")


def _is_junk(name: str) -> bool:
    base = posixpath.basename(name)
    return name.startswith(_JUNK[0]) or base in _JUNK[1:] or base.startswith("._")


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Out) -> bytes | None:
    """The member's bytes, or None (and a problem) if it cannot be taken out."""
    name = info.filename
    if info.flag_bits & 0x1:
        out.problem(reasons.PASSWORD, name)
        return None
    limit = min(out.limits.max_file_bytes, max(out.bytes_left, 0))
    if info.file_size > limit:
        too_big = out.limits.max_file_bytes < info.file_size
        out.problem(reasons.too_large(out.limits) if too_big else reasons.total_too_large(out.limits), name)
        return None
    try:
        return _inflate(zf, info, limit, out)
    except NotImplementedError:
        out.problem(reasons.unreadable_format("ZIP member compressed with an unsupported method"), name)
    except ScanStop as stop:
        if stop.reason == reasons.TIME:
            raise
        out.problem(stop.reason, name)
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, ValueError):
        out.problem(reasons.damaged("ZIP archive member"), name)
    return None


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, out: Out) -> bytes:
    chunks: list[bytes] = []
    size = 0
    ratio_cap = max(BOMB_FLOOR, out.limits.max_expansion_ratio * max(info.compress_size, 1))
    over_limit = (reasons.too_large(out.limits) if limit >= out.limits.max_file_bytes
                  else reasons.total_too_large(out.limits))
    with zf.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise ScanStop(over_limit)
            if size > ratio_cap:
                raise ScanStop(reasons.zip_bomb(out.limits))
            chunks.append(chunk)
            out.check_time()
    return b"".join(chunks)
