"""PowerPoint (PPTX/PPTM/PPSX/POTX): the text of every shape (groups
included), tables as rows, and speaker notes, slide by slide in the show's
order. Embedded files (the workbook behind a chart, a pasted spreadsheet)
are taken out by dispatch.py.

The package is opened by opc.py and only the slides and their notes are
parsed: python-pptx loaded every part (layouts, masters, themes) into its
object model, ~10x the cost on a small deck. The text is what python-pptx's
`text_frame.text` gives: runs, fields and line breaks of each paragraph,
paragraphs joined by line feeds.
"""

from __future__ import annotations

from . import reasons
from .opc import RT, Package, PackageError
from .sink import Out

P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
TABLE_URI = "http://schemas.openxmlformats.org/drawingml/2006/table"

_MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
)
_SHAPES = frozenset({P + "sp", P + "grpSp", P + "graphicFrame", P + "cxnSp", P + "pic",
                     P + "contentPart"})
_RUN_TEXT = frozenset({A + "r", A + "fld"})


def read_pptx(data: bytes, out: Out) -> None:
    with Package(data) as package:
        main = package.main_part(_MAIN_TYPES)
        slides = {rel_id: part for rel_id, kind, part in package.rels(main) if kind == RT + "slide"}
        id_list = package.xml(main).find(P + "sldIdLst")
        for number, entry in enumerate(() if id_list is None else id_list, start=1):
            if number > out.limits.max_pages:
                out.problem(reasons.too_many_pages(out.limits))
                break
            out.check_time()
            part = slides.get(entry.get(R_ID))
            if part is None:
                raise PackageError("a slide of the show is missing")
            _read_slide(package, part, number, out)


def _read_slide(package: Package, part: str, number: int, out: Out) -> None:
    texts: list[str] = []
    tables = 0
    tree = package.xml(part).find(f"{P}cSld/{P}spTree")
    for shape in _shapes(tree):
        out.tick()
        if shape.tag == P + "graphicFrame":
            table = _table(shape)
            if table is not None:
                tables += 1
                rows = ([frame_text(cell.find(A + "txBody")) for cell in row.iterchildren(A + "tc")]
                        for row in table.iterchildren(A + "tr"))
                out.table(f"slide {number} table {tables}", rows)
        elif shape.tag == P + "sp":
            texts.append(frame_text(shape.find(P + "txBody")).replace("\v", "\n"))
    out.text(f"slide {number}", "\n".join(texts))
    notes = package.related(part, RT + "notesSlide")
    if notes is not None:
        frame = _notes_body(package.xml(notes).find(f"{P}cSld/{P}spTree"))
        if frame is not None:
            out.text(f"slide {number} notes", frame_text(frame).replace("\v", "\n"))


def _shapes(tree):
    """Every shape of a shape tree, looking inside groups, in document order."""
    if tree is None:
        return
    stack = [tree.iterchildren()]
    while stack:
        for shape in stack[-1]:
            if shape.tag not in _SHAPES:
                continue
            if shape.tag == P + "grpSp":
                stack.append(shape.iterchildren())
                break
            yield shape
        else:
            stack.pop()


def _table(frame):
    data = frame.find(f"{A}graphic/{A}graphicData")
    if data is None or data.get("uri") != TABLE_URI:
        return None
    table = data.find(A + "tbl")
    if table is None:
        raise PackageError("a table without rows")
    return table


def frame_text(body) -> str:
    """Paragraphs joined by line feeds; in each, runs and fields, '\\v' for a line break."""
    if body is None:
        return ""
    lines = []
    for paragraph in body.iterchildren(A + "p"):
        pieces = []
        for child in paragraph.iterchildren(A + "r", A + "br", A + "fld"):
            if child.tag in _RUN_TEXT:
                text = child.find(A + "t")
                pieces.append(text.text or "" if text is not None else "")
            else:
                pieces.append("\v")
        lines.append("".join(pieces))
    return "\n".join(lines)


def _notes_body(tree):
    """The text body of the notes placeholder (the first one of type 'body')."""
    if tree is None:
        return None
    for shape in tree.iterchildren(P + "sp"):
        placeholder = shape.find(f"{P}nvSpPr/{P}nvPr/{P}ph")
        if placeholder is not None and placeholder.get("type") == "body":
            return shape.find(P + "txBody")
    return None
