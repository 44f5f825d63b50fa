"""RTF with striprtf: the text of the document (table cells come out as
`a|b|c` lines). The code page declared in the file (\\ansicpgNNNN) decodes
its \\'xx escapes."""

from __future__ import annotations

import re

from .sink import Out

_CODEPAGE = re.compile(rb"\\ansicpg(\d{3,5})")


def read_rtf(data: bytes, out: Out) -> None:
    from striprtf.striprtf import rtf_to_text

    # RTF is 7-bit text; latin-1 maps every byte to one character, so nothing is lost.
    text = data.decode("latin-1")
    out.text(None, rtf_to_text(text, encoding=_encoding(data[:4096]), errors="replace"))


def _encoding(head: bytes) -> str:
    import codecs

    match = _CODEPAGE.search(head)
    if match:
        name = f"cp{int(match.group(1))}"
        try:
            codecs.lookup(name)
            return name
        except LookupError:
            pass
    return "cp1252"
