"""What detection reads: anything with these attributes will do.

`extract/` produces `TextSegment(source, text)` and `Table(source, rows)`;
`detect/` only relies on the attributes, so it does not import `extract/`.
`source` is a location label such as "body" or "roster.xlsx › Sheet1".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class TextSegmentLike(Protocol):
    """A location label and its text."""

    @property
    def source(self) -> str: ...

    @property
    def text(self) -> str: ...


class TableLike(Protocol):
    """A location label and rows of cells."""

    @property
    def source(self) -> str: ...

    @property
    def rows(self) -> Sequence[Sequence[str]]: ...
