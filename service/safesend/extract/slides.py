"""PowerPoint (PPTX/PPTM/PPSX) with python-pptx: the text of every shape
(groups included), tables as rows, and speaker notes. Embedded files (the
workbook behind a chart, a pasted spreadsheet) are taken out by dispatch.py."""

from __future__ import annotations

import io

from . import reasons
from .sink import Out

# Macro-enabled shows and templates: same structure, not registered by python-pptx.
_MAIN_TYPES = (
    "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
)


def read_pptx(data: bytes, out: Out) -> None:
    from pptx.opc.package import PartFactory
    from pptx.package import Package
    from pptx.parts.presentation import PresentationPart

    for content_type in _MAIN_TYPES:
        PartFactory.part_type_for.setdefault(content_type, PresentationPart)
    # Presentation() refuses shows (.ppsx) and templates; the package does not.
    presentation = Package.open(io.BytesIO(data)).presentation_part.presentation
    for number, slide in enumerate(presentation.slides, start=1):
        if number > out.limits.max_pages:
            out.problem(reasons.too_many_pages(out.limits))
            break
        out.check_time()
        _read_slide(slide, number, out)


def _read_slide(slide, number: int, out: Out) -> None:
    texts: list[str] = []
    tables = 0
    for shape in _shapes(slide.shapes):
        out.tick()
        if getattr(shape, "has_table", False) and shape.has_table:
            tables += 1
            rows = ([cell.text for cell in row.cells] for row in shape.table.rows)
            out.table(f"slide {number} table {tables}", rows)
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            texts.append(shape.text_frame.text.replace("\v", "\n"))
    out.text(f"slide {number}", "\n".join(texts))
    if slide.has_notes_slide:
        frame = slide.notes_slide.notes_text_frame
        if frame is not None:
            out.text(f"slide {number} notes", frame.text.replace("\v", "\n"))


def _shapes(shapes):
    """Every shape, looking inside groups (without recursion limits)."""
    from pptx.shapes.group import GroupShape

    stack = [iter(shapes)]
    while stack:
        for shape in stack[-1]:
            if isinstance(shape, GroupShape):
                stack.append(iter(shape.shapes))
                break
            yield shape
        else:
            stack.pop()
