"""An HTML body (or the HTML alternative of an attached email) as a browser
shows it: running text, and each <table> as a `Table` of rows of cells, so
a range pasted from Excel into the body is read like a sheet.

libxml2's HTML parser (lxml) builds no tree: a target collects visible text
(no <style>/<script>, nothing hidden by the hidden attribute, display:none
or visibility:hidden), joins inline elements as they render
(`<b>Tania</b> <span>Cruz</span>` is "Tania Cruz") and breaks lines at
block elements. Never raises on bad markup.
"""

from __future__ import annotations

import re

from lxml import etree

from .text import _HtmlTarget, _parse_html, _tidy

_TAGS = re.compile(r"<[^>]{0,2000}>")
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")


def read_html_body(html: str, max_chars: int = 2_000_000) -> tuple[str, list[list[list[str]]]]:
    """(visible text outside tables, tables as rows of cells); at most
    `max_chars` characters in all."""
    if not html or not html.strip():
        return "", []
    target = _HtmlTarget(max(max_chars, 0) + 1, tables_apart=True)
    try:
        text = _parse_html(html, target)
    except (etree.LxmlError, ValueError, TypeError):
        # libxml2 gives up on some inputs (nothing but a doctype): the text
        # with the tags stripped is never worse
        return _tidy(_SPACES.sub(" ", _TAGS.sub(" ", html)))[:max_chars].rstrip(), []
    tables = [[row for row in rows if any(row)] for rows in target.tables]
    return text[:max_chars], [rows for rows in tables if rows]
