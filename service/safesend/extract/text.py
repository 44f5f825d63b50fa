"""Plain text, CSV/TSV, HTML and generic XML.

Plain text and CSV are read in the web process: decoding and the csv module
are linear and bounded by the file size limit. HTML is parsed with libxml2
(lxml), not html.parser: the stdlib parser of Python 3.11 is quadratic on
inputs such as a long run of "</" (200 KB took 3 s), and html_to_text also
serves message bodies, in-process. libxml2's HTML parser never loads DTDs
or entities from the network and is linear on the same inputs.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from lxml import etree

from .sink import Out

_SAMPLE = 64 * 1024
_DELIMITERS = (",", "\t", ";", "|")


# --- decoding ----------------------------------------------------------------


def decode(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: BOM, then the declared charset, then UTF-8, then a guess."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, "replace")
    if charset:
        try:
            return data.decode(charset, "replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(_guess_encoding(data[:_SAMPLE]), "replace")


# Latin-script code pages charset-normalizer tends to confuse on short
# samples ("Muñoz" read as cp1250 "Muńoz"). For them, Windows-1252, by far
# the most common legacy encoding of school data in Western locales, wins.
_LATIN_GUESSES = frozenset({
    "cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_3", "iso8859_4",
    "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16",
    "mac_roman", "mac_latin2", "mac_iceland", "mac_turkish", "cp850", "cp437",
})


def _guess_encoding(sample: bytes) -> str:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
        guess = best.encoding if best is not None else "cp1252"
        codecs.lookup(guess)
    except Exception:  # a guess is only a guess: fall back to Windows-1252
        return "cp1252"
    if guess in _LATIN_GUESSES:
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return guess


# --- plain text and delimited text -----------------------------------------


def read_text(data: bytes, out: Out) -> None:
    out.text(None, decode(data))


def read_delimited(data: bytes, out: Out) -> None:
    text = decode(data)
    delimiter = "\t" if out.job.kind == "tsv" else guess_delimiter(text[:_SAMPLE])
    for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):
        try:
            out.table(None, csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                       quoting=quoting))
            return
        except csv.Error:
            # An unbalanced quote turns the rest of the file into one field:
            # read it again without quoting rather than lose it.
            out.result.tables.clear()
            out.rows_left = out.limits.max_rows
            out.chars_left = out.job.chars_left
    out.text(None, text)


def guess_delimiter(sample: str) -> str:
    """The delimiter that splits the first lines into the most columns, the
    same number on most lines (csv.Sniffer's regexes can be slow)."""
    lines = sample.splitlines()[:50]
    if len(sample) >= _SAMPLE and len(lines) > 1:
        lines = lines[:-1]  # the last one is probably cut
    best, best_score = ",", 0.0
    for delimiter in _DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = (mode - 1) * counts.count(mode) / len(counts)
        if mode > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


# --- HTML ----------------------------------------------------------------------

_SKIP = frozenset({"script", "style", "template", "title", "object", "svg", "math"})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "thead", "tfoot", "ul", "title", "option",
})
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")


class _HtmlTarget:
    """lxml parser target: collects visible text, block elements as line
    breaks, table rows as tab-separated lines. With `tables_apart`, tables
    are kept as rows of cells instead of text."""

    def __init__(self, max_chars: int, tables_apart: bool = False):
        self.max_chars = max_chars
        self.tables_apart = tables_apart
        self.parts: list[str] = []
        self.size = 0
        self.skip = 0
        self.pre = 0
        self.tables: list[list[list[str]]] = []
        self._open: list[list[list[list[str]]]] = []  # tables being read: rows of cells of pieces
        self._cells: list[int] = []  # cells seen in the current row, per open table

    @property
    def full(self) -> bool:
        return self.size >= self.max_chars

    def start(self, tag: str, attrib: dict) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        if self.skip or tag in _SKIP or _hidden(attrib):
            self.skip += 1
            return
        if tag == "pre":
            self.pre += 1
        if tag == "table":
            self._open.append([])
            self._cells.append(0)
        elif tag == "tr" and self._open:
            self._open[-1].append([])
            self._cells[-1] = 0
            self._emit("\n")
        elif tag in ("td", "th") and self._open:
            if self._cells[-1]:
                self._emit("\t")
            self._cells[-1] += 1
            if self._open[-1]:
                self._open[-1][-1].append([])
        elif tag == "br" or tag in _BLOCK:
            self._emit("\n")
            self._cell_break()

    def end(self, tag: str) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        if self.skip:
            self.skip -= 1
            return
        if tag == "pre":
            self.pre = max(self.pre - 1, 0)
        if tag == "table" and self._open:
            rows = self._open.pop()
            self._cells.pop()
            if self.tables_apart:
                self.tables.append([[_clean("".join(c)) for c in row] for row in rows])
            self._emit("\n")
        elif tag in _BLOCK or tag == "tr":
            self._emit("\n")
            self._cell_break()

    def data(self, text: str) -> None:
        if self.skip or not text:
            return
        if not self.pre:
            text = _SPACES.sub(" ", text)
        if self._open and self._open[-1] and self._open[-1][-1]:
            self._open[-1][-1][-1].append(text)  # pieces, joined once: no quadratic +=
            if self.tables_apart:
                self.size += len(text)
                return
        self._emit(text)

    def _cell_break(self) -> None:
        """A line break inside a cell (<br>, <p>) separates words, as on screen."""
        if self._open and self._open[-1] and self._open[-1][-1]:
            self._open[-1][-1][-1].append(" ")

    def _emit(self, text: str) -> None:
        if self.tables_apart and self._open:
            return
        self.parts.append(text)
        self.size += len(text)

    def close(self) -> str:
        return _tidy("".join(self.parts))[: self.max_chars].rstrip()


_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)


def _hidden(attrib) -> bool:
    """What a browser does not show: the hidden attribute, display:none,
    visibility:hidden (a preheader, a collapsed quote)."""
    if not attrib:
        return False
    if "hidden" in attrib:
        return True
    style = attrib.get("style")
    return bool(style) and _HIDDEN_STYLE.search(style) is not None


def _clean(cell: str) -> str:
    return _SPACES.sub(" ", cell).strip()


def _tidy(text: str) -> str:
    """One line per block or table row, cells split by single tabs."""
    text = re.sub(r" *\t *", "\t", text)
    return re.sub(r"[ \t]*\n[ \n]*", "\n", text).strip()


def _parse_html(html: str, target: _HtmlTarget) -> str:
    parser = etree.HTMLParser(target=target, recover=True, no_network=True,
                              remove_comments=True, remove_pis=True)
    step = 64 * 1024
    for start in range(0, len(html), step):
        parser.feed(html[start:start + step])
        if target.full:
            break
    return parser.close()


def html_to_text(html: str, max_chars: int = 2_000_000) -> str:
    """Visible text of an HTML document or message body: no script/style,
    block elements as line breaks, table rows as lines of tab-separated
    cells. At most `max_chars` characters; never raises on bad markup."""
    if not html or not html.strip():
        return ""
    try:
        return _parse_html(html, _HtmlTarget(max_chars))
    except (etree.LxmlError, ValueError, TypeError):
        # lxml gives up on some inputs (e.g. nothing but a doctype): fall back
        # to the text with the tags stripped, which is never worse.
        return _tidy(_SPACES.sub(" ", re.sub(r"<[^>]{0,2000}>", " ", html)))[:max_chars].rstrip()


def read_html(data: bytes, out: Out) -> None:
    target = _HtmlTarget(max(out.chars_left, 0) + 1, tables_apart=True)
    try:
        text = _parse_html(decode(data, _declared_charset(data[:4096])), target)
    except (etree.LxmlError, ValueError, TypeError):
        text = html_to_text(decode(data), out.chars_left + 1)
    for index, rows in enumerate(target.tables, start=1):
        out.table(f"table {index}" if len(target.tables) > 1 else None, rows)
    out.text(None, text)


def _declared_charset(head: bytes) -> str | None:
    match = re.search(rb"""<meta[^>]{0,200}charset=["']?([A-Za-z0-9_.:-]{1,40})""", head, re.I)
    return match.group(1).decode("ascii") if match else None


# --- generic XML --------------------------------------------------------------

_ROW = "{urn:schemas-microsoft-com:office:spreadsheet}Row"
_CELL = "{urn:schemas-microsoft-com:office:spreadsheet}Cell"
# A tree, not a SAX-style target: with a target, libxml2 hands over entity
# expansions (bounded only by its amplification limit); in a tree with
# resolve_entities=False they stay unexpanded reference nodes.
# No recover mode: on a bomb, libxml2 stops at its amplification limit and a
# recovering parser would silently return a truncated tree.
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                       remove_comments=True, remove_pis=True)


def read_xml(data: bytes, out: Out) -> None:
    """Text of any XML file (SVG, plist, Word 2003 XML, ...), one line per
    element; an Excel 2003 XML spreadsheet also gives its rows."""
    try:
        root = etree.fromstring(data, _XML)
    except etree.XMLSyntaxError:
        root = None
    if root is None:  # malformed, or not XML after all: the raw text is still worth scanning
        read_text(data, out)
        return
    parts: list[str] = []
    rows: list[list[str]] = []
    _xml_text(root, parts, rows, out)
    if rows:
        out.table(None, rows)
    lines = (line.strip() for line in "".join(parts).splitlines())
    out.text(None, "\n".join(line for line in lines if line))


def _xml_text(element, parts: list[str], rows: list[list[str]], out: Out) -> None:
    out.tick()
    tag = element.tag
    if tag == _ROW:
        rows.append([_clean("".join(c.itertext())) for c in element if c.tag == _CELL])
    elif isinstance(tag, str):  # not an unexpanded entity reference
        parts.append("\n")
        if element.text:
            parts.append(element.text)
        for child in element:  # libxml2 caps nesting at 256 levels: recursion is safe
            _xml_text(child, parts, rows, out)
        parts.append("\n")
    if element.tail:
        parts.append(element.tail)
