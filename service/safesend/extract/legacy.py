"""Word 97-2003 (.doc) and PowerPoint 97-2003 (.ppt) text.

No maintained pure-Python library reads these (textract shells out to
antiword; Apache POI and Tika are Java), yet old .doc files are still
mailed around schools. The text layout is small and well documented
([MS-DOC] piece table, [MS-PPT] text atoms), so it is read here from the
OLE2 streams that olefile opens: text only, no formatting. Every offset
and length comes from the file, so each is bounded by the stream it
points into, and loops tick the cooperative clock.
"""

from __future__ import annotations

import re
import struct

from . import reasons
from .sink import Out, ScanStop

_WORD_MAGIC = 0xA5EC
_WORD97_NFIB = 0x00C1
_F_ENCRYPTED = 0x0100
_F_WHICH_TABLE = 0x0200
_FC_CLX = 0x01A2
_CCP_TEXT = 0x004C
_FIELD_CODE = re.compile("\x13[^\x13\x14\x15]*\x14")  # {instruction|result} -> result
_FIELD_BARE = re.compile("\x13[^\x13\x14\x15]*\x15")  # a field with no result
# Paragraph, line and page breaks become line breaks, cell marks tabs, a
# non-breaking hyphen a hyphen; every other control character (object
# anchors, footnote marks, separators, stray field marks) goes.
_CONTROLS = str.maketrans({**{chr(c): None for c in range(32)},
                           "\t": "\t", "\n": "\n", "\r": "\n", "\x0b": "\n", "\x0c": "\n",
                           "\x07": "\t", "\x1e": "-"})


def read_doc(ole, out: Out) -> None:
    word = ole.openstream("WordDocument").read()
    if len(word) < 0x20 or struct.unpack_from("<H", word, 0)[0] != _WORD_MAGIC:
        raise ValueError("not a Word binary document")
    nfib, flags = struct.unpack_from("<H", word, 2)[0], struct.unpack_from("<H", word, 0x0A)[0]
    if flags & _F_ENCRYPTED:
        raise ScanStop(reasons.PASSWORD)
    if nfib < _WORD97_NFIB:
        raise ScanStop(reasons.unreadable_format("Word 6 or Word 95 document"))
    if len(word) < _FC_CLX + 8:
        raise ValueError("truncated file information block")
    table_name = "1Table" if flags & _F_WHICH_TABLE else "0Table"
    table = ole.openstream(table_name).read()
    text = "".join(_pieces(word, table, out))
    body_length = min(struct.unpack_from("<i", word, _CCP_TEXT)[0], len(text))
    out.text(None, word_text(text[: max(body_length, 0)]))
    # Then come footnotes, headers and footers, comments, endnotes, text boxes.
    out.text("headers, notes and comments", word_text(text[max(body_length, 0):]))


def _pieces(word: bytes, table: bytes, out: Out):
    """The document's characters, piece by piece ([MS-DOC] 2.9.38 Clx)."""
    fc_clx, lcb_clx = struct.unpack_from("<II", word, _FC_CLX)
    clx = table[fc_clx: fc_clx + lcb_clx]
    pos = 0
    while pos < len(clx) and clx[pos] == 1:  # Prc: property modifiers, skipped
        pos += 3 + struct.unpack_from("<H", clx, pos + 1)[0]
    if pos + 5 > len(clx) or clx[pos] != 2:
        raise ValueError("no piece table")
    size = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5: pos + 5 + size]
    count = (len(plc) - 4) // 12
    positions = struct.unpack_from(f"<{count + 1}I", plc, 0)
    budget = len(word)  # no document has more characters than bytes
    for index in range(count):
        out.tick()
        length = min(max(positions[index + 1] - positions[index], 0), budget)
        raw_fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * index + 2)[0]
        fc = raw_fc & 0x3FFFFFFF
        if raw_fc & 0x40000000:  # 8-bit text ("compressed"), at half the offset
            piece = word[fc // 2: fc // 2 + length].decode("cp1252", "replace")
        else:
            piece = word[fc: fc + 2 * length].decode("utf-16-le", "replace")
        budget -= len(piece)
        yield piece


def word_text(text: str) -> str:
    """Word's control characters to plain text: fields keep their result,
    paragraph marks become line breaks, table cell marks become tabs."""
    for _ in range(4):  # fields nest
        text = _FIELD_BARE.sub("", _FIELD_CODE.sub("", text))
    text = text.translate(_CONTROLS)
    return re.sub(r"\t\t\n?", "\n", text)  # end of a table row: cell mark + row mark


# --- PowerPoint 97-2003 --------------------------------------------------------

_CONTAINER = 0xF
_TEXT_CHARS = 0x0FA0  # UTF-16LE
_TEXT_BYTES = 0x0FA8  # 8-bit
_HEADER = struct.Struct("<HHI")


def read_ppt(ole, streams: set[str], out: Out) -> None:
    if "encryptedsummary" in streams:
        raise ScanStop(reasons.PASSWORD)
    stream = ole.openstream("PowerPoint Document").read()
    lines: list[str] = []
    pos = 0
    while pos + _HEADER.size <= len(stream):
        out.tick()
        version_instance, kind, length = _HEADER.unpack_from(stream, pos)
        pos += _HEADER.size
        if version_instance & 0xF == _CONTAINER:
            continue  # look inside: its children follow
        if kind == _TEXT_CHARS:
            lines.append(stream[pos: pos + length].decode("utf-16-le", "replace"))
        elif kind == _TEXT_BYTES:
            lines.append(stream[pos: pos + length].decode("cp1252", "replace"))
        pos += length
    kept = [line.replace("\r", "\n").replace("\x0b", "\n") for i, line in enumerate(lines)
            if i == 0 or line != lines[i - 1]]
    out.text(None, "\n".join(kept))
