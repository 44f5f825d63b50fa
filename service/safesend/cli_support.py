"""What the `safesend` commands share: exit codes, the service objects and a
transaction. Kept apart from cli.py so that the commands loaded on demand
(cli_admin.py) do not import cli.py a second time under `python -m safesend.cli`."""

from __future__ import annotations

from contextlib import contextmanager

from .config import load_settings

EXIT_OK, EXIT_WARN, EXIT_ERROR = 0, 1, 2


@contextmanager
def transaction(sessions):
    """store.db.transaction, imported when a command uses the database: `safesend check`
    on SQLite never imports SQLAlchemy (see _check_setup)."""
    from .store.db import transaction as store_transaction

    with store_transaction(sessions) as session:
        yield session


def services(migrate: bool = True):
    """The service's objects (database, directory, roster) for a command."""
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    from .services import build_services

    return build_services(load_settings(), migrate=migrate)
