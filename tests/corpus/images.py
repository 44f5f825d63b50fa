"""Render a `Doc` as pictures of paper and screens, the way they reach a school
mailbox: a screenshot, a phone photo of a printout (skew, blur, noise, JPEG),
a 200-dpi copier scan, a Group 4 fax. Pure Pillow with its bundled font, so
the images are the same on every machine. Used by the corpus (formats.py)
and by bench/bench_ocr.py.
"""

from __future__ import annotations

import io
import random
import statistics
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .documents import Doc, Grid, Para, cell_text


@dataclass(frozen=True)
class Layout:
    dpi: int  # what a page of this layout is "printed" at
    font_px: int  # text height in pixels
    width_px: int  # page width
    page_px: int | None  # page height (None: one tall image, like a screenshot)


SCREEN = Layout(dpi=96, font_px=16, width_px=1100, page_px=None)
PRINT_150 = Layout(dpi=150, font_px=24, width_px=1275, page_px=1650)
SCAN_200 = Layout(dpi=200, font_px=30, width_px=1700, page_px=2200)
FAX = Layout(dpi=200, font_px=30, width_px=1728, page_px=2200)


_FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
               "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")


def _font(size: int) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (accents, as on a real screen) when installed (.ci/run
    installs it), else Pillow's bundled font."""
    for path in _FONT_FILES:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def _visible(text: str) -> str:
    """What a screen shows: invisible characters take no room, full-width
    digits look like digits (the bundled font has no glyphs for either)."""
    import unicodedata

    text = "".join(c for c in text if unicodedata.category(c) != "Cf" and c != "\u00ad")
    return unicodedata.normalize("NFKC", text)


def render_pages(doc: Doc, layout: Layout, title_bar: bool = False) -> list[Image.Image]:
    """The document as grayscale pages: paragraphs wrapped, tables with rules."""
    font = _font(layout.font_px)
    bold = _font(int(layout.font_px * 1.15))
    margin = layout.font_px * 3
    line_h = int(layout.font_px * 1.5)
    inner = layout.width_px - 2 * margin
    # draw on one tall canvas, then cut into pages between lines
    lines: list[tuple[str, object]] = []  # ("text", str) | ("row", (cells, widths)) | ("gap", n)
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Para):
            for text in _wrap(_visible(block.text), bold if i == 0 else font, inner):
                lines.append(("title" if i == 0 else "text", text))
        elif isinstance(block, Grid):
            rows = [[_visible(cell_text(c)) for c in row] for row in block.rows]
            widths = [max(font.getlength(r[c]) for r in rows if c < len(r)) + layout.font_px
                      for c in range(len(rows[0]))]
            scale = min(1.0, inner / sum(widths))
            widths = [int(w * scale) for w in widths]
            for r, row in enumerate(rows):
                lines.append(("head" if r == 0 else "row", (row, widths)))
        lines.append(("gap", line_h // 2))
    bar = line_h * 2 if title_bar else 0
    height = bar + 2 * margin + sum(line_h if kind != "gap" else n for kind, n in lines)  # type: ignore[misc]
    canvas = Image.new("L", (layout.width_px, height), 255)
    draw = ImageDraw.Draw(canvas)
    if title_bar:  # a window's title bar, as in a screenshot
        draw.rectangle((0, 0, layout.width_px, bar - 4), fill=215)
        draw.text((margin, line_h // 2), "Inbox - Mail", font=font, fill=60)
    y = bar + margin
    breaks = [0]
    for kind, value in lines:
        if kind == "gap":
            y += value  # type: ignore[operator]
            continue
        if layout.page_px and y + line_h - breaks[-1] > layout.page_px - margin:
            breaks.append(y - margin)
        if kind in ("title", "text"):
            draw.text((margin, y), value, font=bold if kind == "title" else font, fill=0)  # type: ignore[arg-type]
        else:
            cells, widths = value  # type: ignore[misc]
            x = margin
            for cell, w in zip(cells, widths, strict=False):
                draw.rectangle((x, y - 3, x + w, y + line_h - 3), outline=120)
                draw.text((x + layout.font_px // 3, y + 2), cell,
                          font=bold if kind == "head" else font, fill=0)
                x += w
        y += line_h
    if not layout.page_px:
        return [canvas]
    breaks.append(height)
    pages = []
    for top, bottom in zip(breaks, breaks[1:], strict=False):
        page = Image.new("L", (layout.width_px, layout.page_px), 255)
        page.paste(canvas.crop((0, top, layout.width_px, min(bottom, top + layout.page_px))),
                   (0, 0))
        pages.append(page)
    return pages


# --- the ways pictures reach a mailbox ------------------------------------------------


def screenshot_png(doc: Doc) -> bytes:
    page = render_pages(doc, SCREEN, title_bar=True)[0].convert("RGB")
    return _encode(page, "PNG")


def phone_photo_jpeg(doc: Doc, seed: int = 7) -> bytes:
    """A photo of a printed page: off-white paper in a darker frame, turned a
    few degrees, slightly out of focus, sensor noise, uneven light, JPEG."""
    rng = random.Random(seed)
    page = render_pages(doc, PRINT_150)[0]
    paper = page.point(lambda v: 70 + v * 160 // 255)  # grey ink on off-white paper
    framed = Image.new("L", (paper.width + 160, paper.height + 160), 90)
    framed.paste(paper, (80, 80))
    turned = framed.rotate(rng.uniform(2.0, 4.0), resample=Image.BICUBIC, expand=True, fillcolor=90)
    blurred = turned.filter(ImageFilter.GaussianBlur(0.9))
    noisy = Image.blend(blurred, _sensor_noise(blurred.size, 24, rng), 0.12)
    light = Image.linear_gradient("L").resize(noisy.size).point(lambda v: 200 + v // 5)
    lit = Image.composite(noisy, light, Image.new("L", noisy.size, 200))
    return _encode(lit.convert("RGB"), "JPEG", quality=80)


def scanned_pages(doc: Doc, seed: int = 11) -> list[Image.Image]:
    """Copier scans: 200 dpi, a slight skew, toner specks."""
    rng = random.Random(seed)
    scans = []
    for page in render_pages(doc, SCAN_200):
        turned = page.rotate(rng.uniform(-0.8, 0.8), resample=Image.BICUBIC, fillcolor=255)
        scans.append(_with_specks(turned, rng))
    return scans


def _sensor_noise(size: tuple[int, int], sigma: float, rng: random.Random) -> Image.Image:
    """Gaussian grey noise around 128 from the seeded generator (as effect_noise, repeatably)."""
    normal = statistics.NormalDist(128, sigma)
    table = [min(255, max(0, round(normal.inv_cdf((u + 0.5) / 256)))) for u in range(256)]
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).point(table)


def _with_specks(page: Image.Image, rng: random.Random, share: float = 0.0011) -> Image.Image:
    """Toner specks from the seeded generator (Pillow's effect_noise draws from an
    unseeded one, which made every run's scans, and so their OCR, a little different)."""
    specked = page.copy()
    width, height = specked.size
    pixels = specked.load()
    for _ in range(int(width * height * share)):
        pixels[rng.randrange(width), rng.randrange(height)] = 0
    return specked


def scanned_pdf(doc: Doc) -> bytes:
    """An image-only PDF, as a copier's scan-to-email makes it (no text layer)."""
    pages = scanned_pages(doc)
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=200.0, save_all=True, append_images=pages[1:])
    return buf.getvalue()


def fax_tiff(doc: Doc) -> bytes:
    """A Group 4 fax: 1 bit per pixel, one page per TIFF frame."""
    pages = [p.point(lambda v: 255 if v > 150 else 0).convert("1")
             for p in render_pages(doc, FAX)]
    buf = io.BytesIO()
    pages[0].save(buf, "TIFF", compression="group4", dpi=(204, 196), save_all=True,
                  append_images=pages[1:])
    return buf.getvalue()


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def signature_logo_png(seed: int = 3) -> bytes:
    """A small school logo from an email signature: shapes and colour, no text."""
    rng = random.Random(seed)
    image = Image.new("RGB", (160, 60), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, 54, 54), fill=(20, 70, 140))
    draw.polygon([(30, 14), (46, 44), (14, 44)], fill=(240, 190, 40))
    for i in range(4):
        x = 66 + i * 22
        draw.rectangle((x, 18 + rng.randint(0, 8), x + 14, 46), fill=(20, 70, 140))
    return _encode(image, "PNG")


def flyer_photo_jpeg(seed: int = 5) -> bytes:
    """A photo without words (a bake-sale picture): smooth shapes and noise."""
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 480), (200, 220, 240))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = rng.randint(0, 640), rng.randint(0, 480), rng.randint(20, 90)
        draw.ellipse((x - r, y - r, x + r, y + r),
                     fill=(rng.randint(60, 255), rng.randint(60, 200), rng.randint(40, 160)))
    image = image.filter(ImageFilter.GaussianBlur(3))
    return _encode(image, "JPEG", quality=85)
