"""Engine, sessions and migrations for the store."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def is_memory_sqlite(url: str) -> bool:
    """An in-memory SQLite database: its connections are per thread (SingletonThreadPool)."""
    return url in ("sqlite://", "sqlite:///:memory:")


def make_engine(url: str, pool_size: int = 10, max_overflow: int = 20,
                pool_timeout: float = 30.0) -> Engine:
    # hide_parameters: a database error's text never carries the values of a request.
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               hide_parameters=True, **({} if is_memory_sqlite(url) else pool))
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, hide_parameters=True, **pool)
    _ping_after_idle(engine)
    return engine


IDLE_PING_SECONDS = 10.0


def _ping_after_idle(engine: Engine) -> None:
    """Test a pooled connection only when it sat idle (the server may have
    restarted or closed it). SQLAlchemy's pool_pre_ping tested every checkout:
    three round trips (BEGIN, SELECT 1, ROLLBACK) on each of a check's
    transactions, more than the check's own queries cost."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as exc:  # the pool discards it and connects again
            raise DisconnectionError() from exc


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the console read while a check writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def _sqlite_migration_lock(engine: Engine):
    """Several workers start at once on one SQLite file: one migrates at a time."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    import fcntl

    with open(f"{database}.migrate-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_read_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for single-statement reads on the hot path (API key, policy
    version): autocommit, so no BEGIN/COMMIT round trips. Never write with them."""
    return sessionmaker(bind=engine.execution_options(isolation_level="AUTOCOMMIT"),
                        expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]):
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run Alembic migrations up to `revision` on this engine."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _sqlite_migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several gunicorn workers start at once: one migrates, the rest wait.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7263531)")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
