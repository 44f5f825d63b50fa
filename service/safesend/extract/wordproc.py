"""Word documents (DOCX/DOCM/DOTX): body paragraphs and tables in order,
headers and footers, footnotes, endnotes and comments, text boxes, and
tracked deletions (still in the file, and visible with markup on).
Embedded files are taken out by dispatch.py, as for every Office file.

The package is opened by opc.py, which follows the relationships (an oddly
named main part is still found) and parses only the parts that hold text;
python-docx parsed every part into its object model, which cost ~10x more
on a small file. The text is read straight from the XML with lxml
(python-docx's `paragraph.text` is slower still and misses text boxes).
"""

from __future__ import annotations

import re

from .opc import SAFE_XML, Package
from .sink import Out

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_INLINE = (W + "t", W + "delText", W + "tab", W + "br", W + "cr", W + "p", W + "noBreakHyphen")
_STORIES = re.compile(r"/word/(header|footer|footnotes|endnotes|comments)\d*\.xml$")
__all__ = ["SAFE_XML", "paragraph_text", "read_docx", "read_story", "table_rows"]

# The main part of a document, a template and their macro-enabled forms: same structure.
_MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)


def read_docx(data: bytes, out: Out) -> None:
    with Package(data) as package:
        main = package.main_part(_MAIN_TYPES)
        body = package.xml(main).find(W + "body")
        if body is not None:
            read_story(body, out, None)
        for name in package.reachable():
            out.check_time()
            story = _STORIES.search("/" + name)
            if story:
                read_story(package.xml(name), out, story.group(1))


def read_story(root, out: Out, part: str | None) -> None:
    """One flow of text (body, a header, the footnotes): paragraphs become
    lines of one segment, top-level tables become tables."""
    for fallback in list(root.iter(MC_FALLBACK)):  # VML copies of text boxes: read once
        fallback.getparent().remove(fallback)
    lines: list[str] = []
    tables = 0
    for block in _blocks(root):
        out.tick()
        if block.tag == W + "tbl":
            tables += 1
            out.table(_join(part, f"table {tables}"), table_rows(block, out))
        else:
            lines.append(paragraph_text(block))
    out.text(part, "\n".join(lines))


def _blocks(root):
    """Paragraphs and tables of a story in order, looking through content
    controls (w:sdt) and other wrappers, but not into tables."""
    stack = [iter(root)]
    while stack:
        for child in stack[-1]:
            tag = child.tag
            if tag in (W + "p", W + "tbl"):
                yield child
            elif isinstance(tag, str):
                stack.append(iter(child))
                break
        else:
            stack.pop()


_TEXT_TAGS = frozenset({W + "t", W + "delText"})
_MARKS = {W + "tab": "\t", W + "br": "\n", W + "cr": "\n", W + "noBreakHyphen": "-", W + "p": "\n"}
_WRAPPERS = frozenset({W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag"})


def paragraph_text(paragraph) -> str:
    pieces: list[str] = []
    for node in paragraph.iter(*_INLINE):
        if node.tag in _TEXT_TAGS:
            pieces.append(node.text or "")
        elif node is not paragraph:  # tab, break, or a paragraph inside a text box
            pieces.append(_MARKS[node.tag])
    return "".join(pieces)


def table_rows(table, out: Out):
    """Rows of cells; a cell spanning n columns is repeated n times so that
    the columns stay aligned with the header row. A nested table's text
    stays in its outer cell."""
    for row in _own_children(table, W + "tr"):
        out.tick()
        cells: list[str] = []
        for cell in _own_children(row, W + "tc"):
            text = "\n".join(paragraph_text(p) for p in cell.iter(W + "p")).strip()
            span = _span(cell)
            cells.append(text) if span == 1 else cells.extend([text] * span)
        yield cells


def _own_children(element, tag: str):
    """Children with `tag`, looking through content controls and custom XML
    wrappers (w:sdt/w:sdtContent/w:customXml) but nothing else."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _own_children(child, tag)


def _span(cell) -> int:
    properties = cell[0] if len(cell) and cell[0].tag == W + "tcPr" else None  # always first
    if properties is None:
        return 1
    for child in properties:  # a loop is much faster than lxml's find() here
        if child.tag == W + "gridSpan":
            try:
                return max(1, min(int(child.get(W + "val")), 64))
            except (TypeError, ValueError):
                return 1
    return 1


def _join(part: str | None, sub: str) -> str:
    return f"{part} {sub}" if part else sub
