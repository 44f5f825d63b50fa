"""Alembic environment: runs on the connection `store.db.upgrade` hands in."""

from alembic import context
from sqlalchemy import create_engine

from safesend.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    # `alembic` CLI use: URL from the ini file or SAFESEND_DATABASE_URL.
    import os

    url = os.environ.get("SAFESEND_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _migrate(conn)
        conn.commit()


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run()
