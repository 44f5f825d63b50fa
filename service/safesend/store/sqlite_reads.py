"""`safesend check`'s reads from a SQLite database, with the standard library.

Importing SQLAlchemy and the models costs more CPU than checking a message, so
the command reads the tenant's current policy version and active roster
snapshot with `sqlite3` (the same rows as Services.check_inputs: tests hold the
two to the same verdicts). Anything else (another database, no file yet, tables
missing or older) returns None, and the caller takes SQLAlchemy's path, which
migrates when it must.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

PREFIX = "sqlite:///"


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a plain `sqlite:///path` URL; None for anything else."""
    if not database_url.startswith(PREFIX):
        return None
    path = database_url[len(PREFIX):]
    if not path or path == ":memory:" or "?" in path or "%" in path:
        return None
    return Path(path)


def current_inputs(database_url: str, tenant_id: str
                   ) -> tuple[int, dict[str, Any] | None, bytes | None] | None:
    """(policy version, its document, the active roster snapshot) of `tenant_id`:
    version 0 and None when none was saved; None when this cannot read them."""
    path = sqlite_file(database_url)
    if path is None or not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(path, timeout=30)) as db:
            policy = db.execute("SELECT version, document FROM policy_versions WHERE tenant_id = ? "
                                "ORDER BY version DESC LIMIT 1", (tenant_id,)).fetchone()
            roster = db.execute("SELECT data FROM roster_snapshots WHERE tenant_id = ? AND active = 1 "
                                "ORDER BY id DESC LIMIT 1", (tenant_id,)).fetchone()
    except sqlite3.Error:
        return None
    version, document = (policy[0], json.loads(policy[1])) if policy else (0, None)
    return version, document, roster[0] if roster else None
