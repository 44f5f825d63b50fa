"""What every check reads, kept for a moment by the web process.

Each check needs the caller's API key and its tenant's current policy version
and roster snapshot. Read from the database every time, those two queries cost
more CPU than the check's own rules. A process reuses what it read for
`SAFESEND_READ_CACHE_SECONDS` (default 2; 0 reads every time):

- a change committed through this process (revoking a key, saving a policy,
  importing, removing or restoring a roster) clears its caches at once;
- a change made by another process (another gunicorn worker, the CLI) takes
  effect in this one within that time.

Only what was found is kept (an unknown key is read again each time, so a key
created elsewhere works at once and a flood of made-up keys fills nothing).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from itertools import chain
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from .store.models import ApiKey, PolicyVersion, RosterSnapshot

DEFAULT_SECONDS = 2.0
WATCHED = (ApiKey, PolicyVersion, RosterSnapshot)
_DIRTY = "safesend_hot_reads_changed"


class TtlCache:
    """A dict whose entries expire `seconds` after they were put (monotonic clock)."""

    def __init__(self, seconds: float, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.seconds, self.max_entries, self.clock = seconds, max_entries, clock
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        entry = self._items.get(key)
        if entry is None or self.clock() >= entry[0]:
            return None
        return entry[1]

    def put(self, key: Hashable, value: Any) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            if len(self._items) >= self.max_entries:
                self._items.clear()  # rare (that many live keys or tenants): start again
            self._items[key] = (self.clock() + self.seconds, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def clear_on_change(sessions: sessionmaker[Session], caches: Iterable[TtlCache]) -> None:
    """Clear `caches` when a session of `sessions` commits a change to an API key,
    a policy version or a roster snapshot (ORM changes and bulk UPDATE/DELETE)."""
    caches = tuple(caches)

    @event.listens_for(sessions, "after_flush")
    def _flushed(session: Session, _context) -> None:
        if any(isinstance(obj, WATCHED) for obj in chain(session.new, session.dirty, session.deleted)):
            session.info[_DIRTY] = True

    @event.listens_for(sessions, "do_orm_execute")
    def _bulk(state) -> None:
        if (state.is_update or state.is_delete) and state.bind_mapper is not None \
                and issubclass(state.bind_mapper.class_, WATCHED):
            state.session.info[_DIRTY] = True

    @event.listens_for(sessions, "after_commit")
    def _committed(session: Session) -> None:
        # After the commit, so a concurrent check cannot re-read and keep the old rows.
        if session.info.pop(_DIRTY, False):
            for cache in caches:
                cache.clear()
