"""Text recognition (OCR) with Tesseract 5 through tesserocr (its C API in
process: no program started per picture).

Chosen by measurement (bench/bench_ocr.py) over RapidOCR (PP-OCR ONNX
models): on our screenshots, phone photos, 200-dpi scans and faxes
Tesseract found about as many of the names and IDs and was 10-30x faster
on one core. The language data comes from the system (Debian's
tesseract-ocr-eng, installed by .ci/run); nothing is downloaded at run
time. When the library or the language data is missing, pictures are
reported as not checked ("text recognition is not installed"), never a
crash.

`recognize` returns the page as lines; words far apart on a line (table
cells, columns of a list) are separated by a tab, so a photographed class
list reaches detection as a table (three or more tabbed lines).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

# One thread per recognition: the workers are the parallelism, and a
# second OpenMP thread per worker only fights them for the same cores.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

TESSDATA_ENV = "SAFESEND_TESSDATA"
_TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                  "/usr/share/tessdata", "/usr/local/share/tessdata",
                  "/opt/homebrew/share/tessdata")
UNAVAILABLE = "text recognition (OCR) for pictures is not installed on the SafeSend server"


class OcrUnavailable(Exception):
    """No engine: the library or the language data is missing."""


@dataclass(frozen=True)
class Page:
    text: str  # lines; cells of a line separated by tabs
    timed_out: bool = False


def tessdata_dir(languages: str) -> str | None:
    """The first directory holding every language's .traineddata."""
    wanted = [f"{lang}.traineddata" for lang in languages.split("+") if lang]
    configured = os.environ.get(TESSDATA_ENV)
    for folder in ((configured,) if configured else ()) + _TESSDATA_DIRS:
        if folder and all((Path(folder) / name).is_file() for name in wanted):
            return folder
    return None


class _Engine:
    """One Tesseract instance per process and language set (building one
    loads ~15 MB of models, ~0.3 s: done once per worker, on its first picture)."""

    def __init__(self, languages: str):
        try:
            import tesserocr
        except ImportError as exc:
            raise OcrUnavailable(UNAVAILABLE) from exc
        folder = tessdata_dir(languages)
        if folder is None:
            raise OcrUnavailable(UNAVAILABLE)
        self.tesserocr = tesserocr
        # Automatic page segmentation: one uniform block (PSM 6) dropped
        # whole rows of tables drawn with grid lines in our screenshots.
        self.api = tesserocr.PyTessBaseAPI(path=folder, lang=languages,
                                           psm=tesserocr.PSM.AUTO,
                                           oem=tesserocr.OEM.LSTM_ONLY)
        self.lock = threading.Lock()

    def recognize(self, image, timeout_seconds: float) -> Page:
        """`image`: a Pillow image (grayscale or 1-bit is best)."""
        with self.lock:
            self.api.SetImage(image)
            # always set: the engine keeps the last picture's resolution otherwise,
            # and its reading of the next one would depend on the one before
            # (0: unknown, Tesseract estimates it from the text's size)
            self.api.SetSourceResolution(_dpi(image))
            if not self.api.Recognize(timeout=max(int(timeout_seconds * 1000), 1)):
                return Page("", timed_out=True)
            words, slopes = self._words()
        return Page(layout(words, slopes))

    def _words(self) -> tuple[list[Word], list[tuple[float, int]]]:
        """Every word with its box, and the slope of every text line (with
        its length) from Tesseract's baselines."""
        tesserocr = self.tesserocr
        words: list[Word] = []
        slopes: list[tuple[float, int]] = []
        iterator = self.api.GetIterator()
        if iterator is None:
            return words, slopes
        line_level, word_level = tesserocr.RIL.TEXTLINE, tesserocr.RIL.WORD
        iterator.Begin()
        while True:
            if iterator.IsAtBeginningOf(line_level):
                baseline = iterator.Baseline(line_level)
                if baseline:
                    (bx0, by0), (bx1, by1) = baseline
                    if bx1 - bx0 > 40:
                        slopes.append(((by1 - by0) / (bx1 - bx0), bx1 - bx0))
            text = iterator.GetUTF8Text(word_level)
            box = iterator.BoundingBox(word_level)
            # no confidence cut: Tesseract gives a correctly read ID 0-30 on
            # a photo, and the detectors are the judge of what it says
            if text and text.strip() and box:
                words.append(Word(*box, text.strip()))
            if not iterator.Next(word_level):
                break
        return words, slopes


def _dpi(image) -> int:
    try:
        dpi = int(round(float(image.info.get("dpi", (0, 0))[0])))
    except (TypeError, ValueError, IndexError):
        return 0
    return dpi if 70 <= dpi <= 2400 else 0


@dataclass(frozen=True)
class Word:
    x0: int
    y0: int
    x1: int
    y1: int
    text: str


# table rules read as characters; not dashes: "38029574 - two books" is a sentence
_RULES = frozenset("|[]{}_=~")
# a cell's border read as part of its first or last character: "[Dunmore", "504 |"
_LEADING_RULE = re.compile(r"^[|\[\]{}_]+")
_TRAILING_RULE = re.compile(r"[|\[\]{}_]+$")
_CELL_GAP = 1.2  # a gap wider than this many word heights starts a new cell
_ROW_OVERLAP = 0.5  # words whose centres are closer than half a word height share a row


def layout(words: list[Word], slopes: list[tuple[float, int]]) -> str:
    """Rows of text rebuilt from word boxes, not from Tesseract's reading
    order: page segmentation may read the columns of a table one after the
    other, which would part every name from its row. The page's skew (the
    median slope of the text lines, weighted by length) is taken out first,
    so the rows of a photo taken at an angle stay rows. Cells are separated
    by a tab: a wide gap, or a table rule between two words."""
    if not words:
        return ""
    slope = _weighted_median(slopes) if slopes else 0.0
    placed = []
    for word in words:
        cx, cy = (word.x0 + word.x1) / 2, (word.y0 + word.y1) / 2
        placed.append((cy - slope * cx, word))  # the row position, skew taken out
    heights = sorted(w.y1 - w.y0 for w in words)
    height = max(heights[len(heights) // 2], 6)
    placed.sort(key=lambda item: item[0])
    rows: list[list[tuple[float, Word]]] = []
    for y, word in placed:
        if rows and y - rows[-1][0][0] <= height * _ROW_OVERLAP:
            rows[-1].append((y, word))
        else:
            rows.append([(y, word)])
    cells = [_row_cells([w for _, w in row], slope, height) for row in rows]
    _align_columns(cells, height)
    return "\n".join("\t".join(" ".join(t for _, t in cell) for cell in row)
                     for row in cells if row)


Cell = list[tuple[float, str]]  # (left edge, skew taken out; text) of each word


def _row_cells(words: list[Word], slope: float, height: int) -> list[Cell]:
    """The words of one row, split into cells at wide gaps and table rules."""
    words.sort(key=lambda w: w.x0 + slope * w.y0)
    cells: list[Cell] = []
    previous_end: float | None = None
    cell_break = False
    for word in words:
        text = word.text
        if set(text) <= _RULES:  # a rule between cells
            cell_break = True
            continue
        x0 = word.x0 + slope * word.y0
        stripped = _LEADING_RULE.sub("", text)
        cell_break = cell_break or stripped != text
        text = _TRAILING_RULE.sub("", stripped)
        if not text:
            continue
        if previous_end is None or cell_break or x0 - previous_end > height * _CELL_GAP:
            cells.append([])
        cells[-1].append((x0, text))
        previous_end = word.x1 + slope * word.y1
        cell_break = text != stripped  # a rule right after this word
    return cells


def _align_columns(rows: list[list[Cell]], height: int) -> None:
    """In a table (3+ consecutive rows of 2+ cells), a row with fewer cells
    than most (a bold header whose gaps read as spaces, a cell whose rule was
    not seen) is split at the columns' left edges; so is the row just above
    the table when its words start at those edges (the header)."""
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and len(rows[j]) >= 2:
            j += 1
        if j - i >= 3:
            counts = [len(r) for r in rows[i:j]]
            width = max(set(counts), key=counts.count)
            full = [r for r in rows[i:j] if len(r) == width]
            starts = [sorted(r[c][0][0] for r in full)[len(full) // 2] for c in range(width)]
            for r in range(i - 1 if i > 0 else i, j):
                if len(rows[r]) < width:
                    rows[r] = _split(rows[r], starts, height) or rows[r]
        i = max(j, i + 1)


def _split(row: list[Cell], starts: list[float], height: int) -> list[Cell] | None:
    """The words of `row` regrouped under the columns whose left edges they
    start at (within a word height); a word between edges stays with the
    word before it. None when fewer than all columns but one get a word that
    starts at their edge: then it is not a row of this table (a title)."""
    cells: list[Cell] = [[] for _ in starts]
    aligned: set[int] = set()
    column = 0
    for x0, text in (word for cell in row for word in cell):
        near = [c for c, start in enumerate(starts) if abs(x0 - start) <= height]
        if near:
            column = near[0]
            aligned.add(column)
        cells[column].append((x0, text))
    if len(aligned) < len(starts) - 1:
        return None
    return [cell for cell in cells if cell]


def _weighted_median(values: list[tuple[float, int]]) -> float:
    ordered = sorted(values)
    half = sum(weight for _, weight in ordered) / 2
    total = 0
    for value, weight in ordered:
        total += weight
        if total >= half:
            return value
    return ordered[-1][0]


_ENGINES: dict[str, _Engine] = {}
_ENGINES_LOCK = threading.Lock()


def engine(languages: str = "eng") -> _Engine:
    """The process's engine for these languages; raises OcrUnavailable."""
    with _ENGINES_LOCK:
        found = _ENGINES.get(languages)
        if found is None:
            found = _ENGINES[languages] = _Engine(languages)
        return found


def available(languages: str = "eng") -> bool:
    try:
        engine(languages)
    except OcrUnavailable:
        return False
    return True
