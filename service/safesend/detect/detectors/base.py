"""The one interface every detector implements, and the registry the scan walks.

A detector is one kind of student data (roster matches, ID patterns, rows of
a student list, dates of birth, sensitive terms...). The scan hands it each
text segment (`TextView`) and each table (`TableView`); the detector reports
what it matched into the view: students (a key that counts them once across
the message, whether they are in the roster or flagged), dates of birth,
sensitive categories and mentions, and redacted evidence with an explanation
('roster match', the ID pattern's name, 'date of birth column'). The views
add it up per source file; `scan.py` turns the totals into the result.

Detectors run in stages, then in the order they were registered, so that a
detector can rely on what earlier ones found:

- `COUNT`: facts about the text on its own (how often a sensitive term is
  mentioned);
- `IDENTIFY`: students (roster names and IDs, IDs matching a pattern, rows of
  a student list);
- `RELATE`: facts about the students found (a date of birth or a sensitive
  term near them, a sensitive file name above them).

In a table the unit is a row: a detector's `RowReader` is given each chunk of
rows (to read column by column) and then each row with the `RowFindings` so
far. A `fallback` identify detector reads only the rows no other one
identified. Like Presidio's recognizers, without its defaults: a detector is
a small object, registering one is a call, and nothing else needs to change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    import datetime as dt

    from ..results import StudentKey
    from ..table_scan import TableView
    from ..text_view import TextView

COUNT, IDENTIFY, RELATE = 0, 1, 2


@dataclass(slots=True)
class RowFindings:
    """What the detectors found in one table row so far."""

    keys: list[StudentKey] = field(default_factory=list)  # the students of the row
    categories: set[str] = field(default_factory=set)  # sensitive categories of the row
    dob: dt.date | None = None  # its date of birth (read by the table scan)


class RowReader(Protocol):
    def start_chunk(self, start: int, chunk: list[list[str]],
                    columns: list[tuple[str, ...]] | None) -> None:
        """Read rows `start`.. of a chunk at once (`columns`: the chunk column by
        column, or None when its rows are ragged)."""

    def read_row(self, r: int, row: list[str], found: RowFindings) -> None:
        """Add what row `r` holds to `found` (and to the table's totals)."""


class Detector:
    """Base class: override `scan_text` and/or `table_reader`."""

    name: ClassVar[str] = ""
    stage: ClassVar[int] = IDENTIFY
    fallback: ClassVar[bool] = False  # tables: only rows that no other detector identified

    def scan_text(self, view: TextView) -> None:
        """Report what this detector finds in one (normalized) text segment."""

    def table_reader(self, view: TableView) -> RowReader | None:
        """A reader of this table's rows, or None when it has nothing to read there."""
        return None


class Registry:
    """The detectors a scan runs, in stage then registration order."""

    def __init__(self, detectors: Sequence[Detector] = ()) -> None:
        self._detectors: list[Detector] = []
        self._ordered: tuple[Detector, ...] = ()
        for detector in detectors:
            self.register(detector)

    def register(self, detector: Detector) -> Detector:
        if not detector.name or any(d.name == detector.name for d in self._detectors):
            raise ValueError(f"a detector needs a name of its own: {detector.name!r}")
        self._detectors.append(detector)
        self._ordered = tuple(sorted(self._detectors, key=lambda d: d.stage))  # stable
        return detector

    def unregister(self, name: str) -> None:
        self._detectors = [d for d in self._detectors if d.name != name]
        self._ordered = tuple(sorted(self._detectors, key=lambda d: d.stage))

    def get(self, name: str) -> Detector | None:
        return next((d for d in self._detectors if d.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self._ordered)

    def __iter__(self) -> Iterator[Detector]:
        return iter(self._ordered)

    def __len__(self) -> int:
        return len(self._ordered)
