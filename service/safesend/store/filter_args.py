"""A filter as typed into a console page's form (or a command line): text fields,
dates as ISO days. Parsing is shared so every filter reads dates, lengths and
mistakes the same way; the queries themselves take typed values."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Self

MAX_TEXT = 200
BAD_DATE = "Use a date like 2026-01-31."


def day_start(value: str) -> datetime | None:
    """Midnight UTC of an ISO date typed into a filter, or None when it is not one."""
    try:
        return datetime.combine(date.fromisoformat(value), time.min, tzinfo=UTC)
    except ValueError:
        return None


def day_bounds(since: str, until: str) -> tuple[datetime | None, datetime | None]:
    """[since, until) in UTC for inclusive ISO days ('' for an open end; bad dates open too)."""
    start, end = day_start(since) if since else None, day_start(until) if until else None
    return start, (end + timedelta(days=1) if end is not None else None)


@dataclass(frozen=True)
class TextFilter:
    """Subclasses declare their text fields (all str, default ""); `since` and `until`,
    when declared, are ISO days. `_checked` refuses values a field cannot take."""

    @classmethod
    def from_args(cls, args) -> tuple[Self, dict[str, str]]:
        errors: dict[str, str] = {}
        values = {f.name: (args.get(f.name) or "").strip()[:MAX_TEXT] for f in fields(cls)}
        for name in ("since", "until"):
            if values.get(name) and day_start(values[name]) is None:
                errors[name], values[name] = BAD_DATE, ""
        cls._checked(values, errors)
        return cls(**values), errors

    @classmethod
    def _checked(cls, values: dict[str, str], errors: dict[str, str]) -> None:
        """Blank what a field cannot take, saying why in `errors`."""

    def args(self) -> dict[str, str]:
        """The filter as query arguments (for paging and export links)."""
        return {k: v for k, v in asdict(self).items() if v}

    @property
    def active(self) -> bool:
        return bool(self.args())
