"""A minimal Excel 97-2003 (.xls, BIFF8) writer: one or more worksheets of
text and numbers in an OLE2 compound file.

No library that writes .xls is installed (xlwt is unmaintained), so the
corpus writes the records itself: BOF, BOUNDSHEET, LABEL (UTF-16 text),
NUMBER and EOF, in a version-3 compound file with 512-byte sectors. The
Workbook stream is padded to 4096 bytes so that no mini stream is needed.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

Cell = str | int | float

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_SECTOR = 512


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _unicode(text: str, length_bytes: int) -> bytes:
    """XLUnicodeString (2-byte length) or ShortXLUnicodeString (1-byte length)."""
    fmt = "<H" if length_bytes == 2 else "<B"
    try:
        return struct.pack(fmt, len(text)) + b"\x00" + text.encode("latin-1")
    except UnicodeEncodeError:
        encoded = text.encode("utf-16-le")
        return struct.pack(fmt, len(encoded) // 2) + b"\x01" + encoded


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


# FONT: 10 pt Arial; XF: 15 style records and the default cell format (index 15).
_FONT = _record(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0)
                + _unicode("Arial", 1))


def _xf(style: bool) -> bytes:
    kind = 0xFFF5 if style else 0x0001  # style XF (parent 0xFFF) or cell XF (parent 0)
    return _record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, kind, 0x20, 0, 0, 0, 0, 0, 0x20C0))


def _sheet(rows: Sequence[Sequence[Cell]]) -> bytes:
    columns = max((len(r) for r in rows), default=0)
    parts = [_bof(0x0010), _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, columns, 0))]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool):
                parts.append(_record(0x0203, struct.pack("<HHHd", r, c, 0x0F, float(value))))
            elif value != "":
                parts.append(_record(0x0204, struct.pack("<HHH", r, c, 0x0F)
                                     + _unicode(str(value), 2)))
    parts.append(_record(0x000A, b""))
    return b"".join(parts)


def workbook_stream(sheets: dict[str, Sequence[Sequence[Cell]]]) -> bytes:
    bodies = [_sheet(rows) for rows in sheets.values()]
    names = list(sheets)

    def globals_part(offsets: list[int]) -> bytes:
        parts = [_bof(0x0005), _record(0x0042, struct.pack("<H", 1200)),  # CODEPAGE: UTF-16
                 _FONT, *[_xf(style=i < 15) for i in range(16)]]
        for name, offset in zip(names, offsets, strict=True):
            parts.append(_record(0x0085, struct.pack("<IBB", offset, 0, 0) + _unicode(name[:31], 1)))
        parts.append(_record(0x000A, b""))
        return b"".join(parts)

    size = len(globals_part([0] * len(names)))
    offsets = []
    for body in bodies:
        offsets.append(size)
        size += len(body)
    return globals_part(offsets) + b"".join(bodies)


def compound_file(stream_name: str, data: bytes) -> bytes:
    """An OLE2 compound file (version 3) holding one stream in the regular FAT."""
    data = data.ljust(4096, b"\x00")  # at or above the mini-stream cutoff
    data = data.ljust(-(-len(data) // _SECTOR) * _SECTOR, b"\x00")
    data_sectors = len(data) // _SECTOR
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < fat_sectors + 1 + data_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("stream too large for this minimal writer")
    dir_sector = fat_sectors
    first_data = dir_sector + 1
    fat = [_FAT] * fat_sectors + [_END]
    fat += [first_data + i + 1 for i in range(data_sectors - 1)] + [_END]
    fat += [_FREE] * (fat_sectors * (_SECTOR // 4) - len(fat))
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_sector, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", *difat))
    directory = (_dir_entry("Root Entry", 5, child=1, start=_END, size=0)
                 + _dir_entry(stream_name, 2, child=_FREE, start=first_data, size=len(data))
                 + _dir_entry("", 0, child=_FREE, start=0, size=0) * 2)
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + data


def _dir_entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", _FREE, _FREE, child) + b"\x00" * 16 + struct.pack("<I", 0)
            + b"\x00" * 16 + struct.pack("<IQ", start, size))


def xls_bytes(sheets: dict[str, Sequence[Sequence[Cell]]]) -> bytes:
    return compound_file("Workbook", workbook_stream(sheets))
