"""OpenDocument text, presentations and drawings (ODT/ODP/ODG): paragraphs,
tables as rows, slides and their notes, headers and footers. ODS goes to
spreadsheet.py (calamine).

The XML is read with lxml (entities off, no network, depth and size limits
on) rather than odfpy's loader: odfpy prints the whole part to stdout when
it fails to parse (content must never reach a log), expands <text:s c="N"/>
into N spaces without a bound, and builds a slow pure-Python DOM.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from . import reasons
from .sink import Out, ScanStop
from .wordproc import SAFE_XML

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
PRES = "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_PARAGRAPHS = (TEXT + "p", TEXT + "h")
_MAX_SPACES = 64  # <text:s text:c="1000000000"/> must not become a gigabyte of spaces
_MAX_REPEAT = 64  # repeated table columns kept for alignment


def is_encrypted(zf: zipfile.ZipFile) -> bool:
    try:
        info = zf.getinfo("META-INF/manifest.xml")
    except KeyError:
        return False
    return info.file_size < 16 * 1024 * 1024 and b"encryption-data" in zf.read(info)


def read_opendoc(data: bytes, out: Out) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        if is_encrypted(zf):
            raise ScanStop(reasons.PASSWORD)
        content = etree.fromstring(zf.read("content.xml"), SAFE_XML)
        styles = _optional_part(zf, "styles.xml")
    body = content.find(OFFICE + "body")
    _read_flow(body if body is not None else content, out, None)
    if styles is not None:
        for master in styles.iter(STYLE + "master-page"):
            _read_flow(master, out, "header and footer")


def _optional_part(zf: zipfile.ZipFile, name: str):
    try:
        return etree.fromstring(zf.read(name), SAFE_XML)
    except (KeyError, etree.XMLSyntaxError):
        return None  # a damaged styles.xml should not hide the body text


def _read_flow(root, out: Out, part: str | None) -> None:
    """Paragraphs (one segment), tables, and slides in document order."""
    lines: list[str] = []
    counters = {"table": 0, "slide": 0}
    stack = [iter(root)]
    while stack:
        for node in stack[-1]:
            out.tick()
            tag = node.tag
            if tag in _PARAGRAPHS:
                lines.append(inline_text(node))
            elif tag == TABLE + "table":
                counters["table"] += 1
                out.table(_join(part, f"table {counters['table']}"), table_rows(node, out))
            elif tag == DRAW + "page":
                counters["slide"] += 1
                _read_slide(node, counters["slide"], out)
            elif isinstance(tag, str):
                stack.append(iter(node))
                break
        else:
            stack.pop()
    out.text(part, "\n".join(lines))


def _read_slide(page, number: int, out: Out) -> None:
    if number > out.limits.max_pages:
        raise ScanStop(reasons.too_many_pages(out.limits))
    notes = page.find(PRES + "notes")
    if notes is not None:
        page.remove(notes)
    _read_flow(page, out, f"slide {number}")
    if notes is not None:
        _read_flow(notes, out, f"slide {number} notes")


def inline_text(element) -> str:
    pieces: list[str] = []
    _collect(element, pieces)
    return "".join(pieces)


def _collect(element, pieces: list[str]) -> None:
    if element.text:
        pieces.append(element.text)
    for child in element:
        tag = child.tag
        if tag == TEXT + "s":
            pieces.append(" " * _count(child.get(TEXT + "c"), _MAX_SPACES))
        elif tag == TEXT + "tab":
            pieces.append("\t")
        elif tag == TEXT + "line-break":
            pieces.append("\n")
        elif isinstance(tag, str):
            if tag in _PARAGRAPHS:
                pieces.append("\n")  # a paragraph inside a frame or note
            _collect(child, pieces)
        if child.tail:
            pieces.append(child.tail)


def table_rows(table, out: Out):
    for row in _own(table, TABLE + "table-row"):
        out.tick()
        cells: list[str] = []
        for cell in row:
            if cell.tag not in (TABLE + "table-cell", TABLE + "covered-table-cell"):
                continue
            text = "\n".join(inline_text(p) for p in cell.iter(*_PARAGRAPHS)).strip()
            repeat = _count(cell.get(TABLE + "number-columns-repeated"), _MAX_REPEAT)
            cells.extend([text] * (repeat if text else 1))
        yield cells


def _own(table, tag: str):
    """Rows of this table, also inside header-rows/row-groups, not of nested tables."""
    stack = [iter(table)]
    while stack:
        for node in stack[-1]:
            if node.tag == tag:
                yield node
            elif isinstance(node.tag, str) and node.tag.startswith(TABLE) and node.tag != TABLE + "table":
                stack.append(iter(node))
                break
        else:
            stack.pop()


def _count(value: str | None, limit: int) -> int:
    try:
        return max(1, min(int(value), limit)) if value else 1
    except ValueError:
        return 1


def _join(part: str | None, sub: str) -> str:
    return f"{part} {sub}" if part else sub
