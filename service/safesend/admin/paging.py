"""Page numbers for long lists."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_item(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last_item(self) -> int:
        return min(self.total, self.page * self.per_page)


def requested_page(args) -> int:
    try:
        return max(1, min(int(args.get("page", 1)), 1_000_000))
    except (TypeError, ValueError):
        return 1
