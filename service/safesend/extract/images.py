"""Pictures -> text with OCR: PNG, JPEG, GIF, BMP, TIFF (every page, Group 4
fax included), WebP; and the pages of a scanned PDF (pdf.py renders them).

Most pictures in school mail hold no text (signature logos, icons, photos
of events): a cheap look first - size, then edge density and how much of
the picture is one background tone on a small thumbnail - skips them in
about a millisecond, so they never reach Tesseract and never produce a
finding. Pages are read while the per-file page and time limits allow;
when they stop the reading early the file says so: "2 of 9 pages checked".
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from .ocr import OcrUnavailable, engine
from .sink import Out, ScanStop

MIN_SIDE = 48  # pixels: icons, bullets, spacer GIFs
MIN_AREA = 24_000  # pixels: a 160x60 signature logo is 9,600
MAX_LONG_SIDE = 3000  # larger photos are scaled down: text stays readable, OCR time drops
_THUMB = 256
_MIN_EDGES = 0.015  # share of strong edges on the thumbnail; pages of text have 4-20%
_MIN_BACKGROUND = 0.35  # share of the dominant tone; pages and screens have 50-95%


def read_image(data: bytes, out: Out) -> None:
    from PIL import Image, UnidentifiedImageError

    if not out.limits.ocr:
        return  # counted, not read
    Image.MAX_IMAGE_PIXELS = None  # our own limit below, checked before decoding
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        if _unreadable_kind(data):
            return  # EMF/WMF/HEIC/ICO...: a format Pillow cannot decode here
        raise
    width, height = image.size
    frames = getattr(image, "n_frames", 1) if image.format in ("TIFF", "MPO") else 1
    if width * height > out.limits.ocr_max_pixels:
        raise ScanStop(too_many_pixels(width * height, out))
    pages = [(f"page {i + 1}" if frames > 1 else None, _frame_getter(image, i))
             for i in range(frames)]
    ocr_pages(pages, out, len(pages))


def _frame_getter(image, index: int) -> Callable[[], object]:
    def get():
        image.seek(index)
        return image.copy()
    return get


def ocr_pages(pages: list[tuple[str | None, Callable[[], object]]], out: Out, total: int,
              unit: str = "pages") -> int:
    """Read `pages` (label, loader) with OCR, within the page and time limits
    of OCR and of the file. Returns how many were checked; when some were
    not, the file gets a problem saying "N of M pages checked"."""
    limits = out.limits
    try:
        ocr = engine(limits.ocr_languages)
    except OcrUnavailable as exc:
        raise ScanStop(str(exc)) from None
    stop_at = min(out.deadline, time.monotonic() + limits.ocr_time_seconds)
    checked = 0
    for index, (label, load) in enumerate(pages):
        left = stop_at - time.monotonic()
        if index >= limits.ocr_max_pages or left <= 0.05:
            break
        picture = prepare(load())
        if picture is not None:
            page = ocr.recognize(picture, left)
            if page.timed_out:
                break
            out.text(label, page.text)
        checked += 1
    if checked < total:
        out.problem(pages_checked(checked, total, unit,
                                  over_pages=checked >= limits.ocr_max_pages))
    return checked


def prepare(image) -> object | None:
    """A grayscale picture worth reading, or None for one without text."""
    width, height = image.size
    if min(width, height) < MIN_SIDE or width * height < MIN_AREA:
        return None
    if image.mode == "1":  # a fax: already black and white, Tesseract reads it as it is
        return image
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = _on_white(image)
    gray = image.convert("L")
    if not looks_like_text(gray):
        return None
    if max(width, height) > MAX_LONG_SIDE:
        scale = MAX_LONG_SIDE / max(width, height)
        gray = gray.resize((max(int(width * scale), 1), max(int(height * scale), 1)))
    return gray


def looks_like_text(gray) -> bool:
    """Text is many sharp edges on a mostly uniform background; a photo of a
    scene is soft and spread over many tones; a logo is a few large shapes."""
    from PIL import ImageFilter

    thumb = gray.copy()
    thumb.thumbnail((_THUMB, _THUMB))
    histogram = thumb.histogram()
    pixels = thumb.width * thumb.height
    peak = max(range(256), key=histogram.__getitem__)
    background = sum(histogram[max(peak - 24, 0):peak + 25]) / pixels
    edges = thumb.filter(ImageFilter.FIND_EDGES).histogram()
    strong = sum(edges[64:]) / pixels
    return strong >= _MIN_EDGES and background >= _MIN_BACKGROUND


def _on_white(image):
    from PIL import Image

    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    white.alpha_composite(rgba)
    return white.convert("RGB")


def _unreadable_kind(data: bytes) -> bool:
    head = data[:64]
    return (head[40:44] == b" EMF" or head[:4] in (b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00",
                                                  b"\x00\x00\x01\x00")
            or head[4:8] == b"ftyp")


def too_many_pixels(pixels: int, out: Out) -> str:
    return (f"the picture is too large to read ({pixels / 1e6:.0f} megapixels; the limit is "
            f"{out.limits.ocr_max_pixels / 1e6:.0f})")


def pages_checked(checked: int, total: int, unit: str, over_pages: bool) -> str:
    why = "the page limit for reading pictures" if over_pages else \
        "the time limit for reading pictures"
    return f"{checked} of {total} {unit} checked ({why} was reached)"

