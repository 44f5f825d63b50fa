"""Pictures -> text with OCR: PNG, JPEG, GIF, BMP, TIFF (every page, Group 4
fax included), WebP, HEIC and AVIF; and the pages of a scanned PDF (pdf.py renders them).

Most pictures in school mail hold no text (signature logos, icons, photos
of events): a cheap look first - size, then edge density and how much of
the picture is one background tone on a small thumbnail - skips them in
about a millisecond, so they never reach Tesseract and never produce a
finding. Pages are read while the per-file page and time limits allow;
when they stop the reading early the file says so: "2 of 9 pages checked".
"""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Callable

from . import reasons
from .ocr import OcrUnavailable, engine
from .sink import Out, ScanStop

MIN_SIDE = 48  # pixels: icons, bullets, spacer GIFs
MIN_AREA = 24_000  # pixels: a 160x60 signature logo is 9,600
MAX_LONG_SIDE = 3000  # larger photos are scaled down: text stays readable, OCR time drops
_THUMB = 384
_TILE = 24
_STRONG = [0] * 64 + [255] * 192  # an edge of 64 grey levels or more
# share of strong-edge pixels in the densest tile: text 0.15-0.55 in our
# screenshots, photos of printouts, scans and faxes; a blurred photo 0.06
_MIN_EDGES = 0.10
_MIN_BACKGROUND = 0.35  # share of the dominant tone; pages and screens have 60-98%


def read_image(data: bytes, out: Out) -> None:
    from PIL import Image, UnidentifiedImageError

    if not out.limits.ocr:
        return  # counted, not read
    Image.MAX_IMAGE_PIXELS = None  # our own limit below, checked before decoding
    heif = data[4:8] == b"ftyp"
    if heif and not _heif_reader():
        raise ScanStop(reasons.unreadable_format("HEIC/AVIF picture"))
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        if heif:
            raise  # a HEIC the decoder cannot open is damaged, as any other picture

        if _unreadable_kind(data):
            return  # EMF/WMF drawings, icons: counted, not read
        raise
    if image.format == "WMF":  # Pillow names EMF/WMF drawings but cannot draw them here
        return  # counted, not read (as when Pillow does not name them at all)
    width, height = image.size
    frames = getattr(image, "n_frames", 1) if image.format in ("TIFF", "MPO") else 1
    if width * height > out.limits.ocr_max_pixels:
        raise ScanStop(too_many_pixels(width * height, out))
    if image.format == "JPEG" and not _jpeg_may_hold_text(data, width, height):
        return  # a photo without text: decoded at 1/4 size only, never read
    pages = [(f"page {i + 1}" if frames > 1 else None, _frame_getter(image, i))
             for i in range(frames)]
    ocr_pages(pages, out, len(pages))


@functools.cache
def _heif_reader() -> bool:
    """HEIC (an iPhone's camera format; AVIF is Pillow's own) through pi-heif,
    libheif's decoder without an encoder. Registered once per worker."""
    try:
        import pi_heif
    except ImportError:
        return False
    pi_heif.register_heif_opener()
    return True


def _jpeg_may_hold_text(data: bytes, width: int, height: int) -> bool:
    """The look before the read, on a JPEG decoded at a quarter of its size
    (libjpeg scales while decoding: a 12-megapixel photo costs ~10 ms)."""
    from PIL import Image

    probe = Image.open(io.BytesIO(data))
    probe.draft("L", (max(width // 4, 1), max(height // 4, 1)))
    return looks_like_text(probe.convert("L"))


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
    """Somewhere on the picture, a patch dense with sharp edges (lines of
    letters), on a mostly uniform background. A photo of a scene is soft and
    spread over many tones; a few lines of text on a page still make one
    dense patch. Measured on a ~384-pixel copy, in 24-pixel tiles."""
    from PIL import ImageFilter

    factor = max(1, max(gray.size) // _THUMB)
    small = gray.reduce(factor) if factor > 1 else gray
    width, height = small.size
    if width < 8 or height < 8:
        return False
    histogram = small.histogram()
    peak = max(range(256), key=histogram.__getitem__)
    background = sum(histogram[max(peak - 24, 0):peak + 25]) / (width * height)
    if background < _MIN_BACKGROUND:
        return False
    # (the outermost pixels of FIND_EDGES are artefacts of the border)
    edges = small.filter(ImageFilter.FIND_EDGES).crop((1, 1, width - 1, height - 1))
    strong = edges.point(_STRONG)
    # each pixel of the reduced map is the share of strong edges in one tile
    densest = strong.reduce(min(_TILE, strong.width, strong.height)).getextrema()[1] / 255
    return densest >= _MIN_EDGES


def _on_white(image):
    from PIL import Image

    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    white.alpha_composite(rgba)
    return white.convert("RGB")


def _unreadable_kind(data: bytes) -> bool:
    head = data[:64]
    return head[40:44] == b" EMF" or head[:4] in (b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00",
                                                 b"\x00\x00\x01\x00")


def too_many_pixels(pixels: int, out: Out) -> str:
    return (f"the picture is too large to read ({pixels / 1e6:.0f} megapixels; the limit is "
            f"{out.limits.ocr_max_pixels / 1e6:.0f})")


def pages_checked(checked: int, total: int, unit: str, over_pages: bool) -> str:
    why = "the page limit for reading pictures" if over_pages else \
        "the time limit for reading pictures"
    return f"{checked} of {total} {unit} checked ({why} was reached)"

