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
        tesserocr = self.tesserocr
        with self.lock:
            self.api.SetImage(image)
            if image.info.get("dpi"):
                self.api.SetSourceResolution(int(image.info["dpi"][0]) or 70)
            if not self.api.Recognize(timeout=max(int(timeout_seconds * 1000), 1)):
                return Page("", timed_out=True)
            lines = []
            iterator = self.api.GetIterator()
            level = tesserocr.RIL.TEXTLINE
            word_level = tesserocr.RIL.WORD
            line_words: list[tuple[int, int, int, str]] = []
            if iterator is not None:
                iterator.Begin()
                while True:
                    word = iterator.GetUTF8Text(word_level)
                    box = iterator.BoundingBox(word_level)
                    # no confidence cut: Tesseract gives a correctly read ID 0-30
                    # on a photo, and the detectors are the judge of what it says
                    if word and box:
                        x0, y0, x1, y1 = box
                        line_words.append((x0, x1, y1 - y0, word))
                    last_in_line = iterator.IsAtFinalElement(level, word_level)
                    if last_in_line and line_words:
                        lines.append(_line(line_words))
                        line_words = []
                    if not iterator.Next(word_level):
                        break
            if line_words:
                lines.append(_line(line_words))
        return Page("\n".join(line for line in lines if line.strip()))


_RULES = frozenset("|[]{}_—–-=~")
# a cell's border read as part of its first or last character: "[Dunmore", "504 |"
_BORDERS = re.compile(r"^[|\[\]{}_]+|[|\[\]{}_]+$")


def _line(words: list[tuple[int, int, int, str]]) -> str:
    """Words of one line, a tab where the gap is wider than about two
    characters (a new cell), else a space; table rules read as '|' go."""
    words.sort()
    heights = sorted(h for _, _, h, _ in words)
    gap_for_cell = max(heights[len(heights) // 2], 8) * 1.2
    parts: list[str] = []
    previous_end = None
    for x0, x1, _, text in words:
        if set(text) <= _RULES:
            previous_end = None if previous_end is None else min(previous_end, x0 - 10_000)
            continue
        text = _BORDERS.sub("", text)
        if not text:
            continue
        if previous_end is not None:
            parts.append("\t" if x0 - previous_end > gap_for_cell else " ")
        parts.append(text)
        previous_end = x1
    return "".join(parts).strip()


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
