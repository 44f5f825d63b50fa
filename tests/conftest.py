"""Shared fixtures: a real database (SQLite file, and PostgreSQL when the
machine's server is reachable), the app, its client, and API keys."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

# Under CI=true a skip (missing service, browser, tool or corpus) fails the run: see ci_strict.py.
from ci_strict import pytest_configure, pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401
from corpora_path import CORPORA
from sqlalchemy import create_engine, text

PG_BASE = os.environ.get("SAFESEND_TEST_POSTGRES", "postgresql+psycopg://root@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: skip, and say why
        return f"PostgreSQL at {PG_BASE} is not reachable: {type(exc).__name__}"


@pytest.fixture(scope="session")
def postgres_schema_url():
    """A fresh schema in the `test` database, dropped afterwards."""
    reason = _postgres_reachable()
    if reason:
        pytest.skip(reason)
    schema = f"safesend_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    from safesend.store.db import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'safesend.db'}"
    return request.getfixturevalue("postgres_schema_url")


def _clean(url: str) -> None:
    """Empty every table between tests sharing one PostgreSQL schema."""
    if not url.startswith("postgresql"):
        return
    from safesend.store.models import Base

    engine = create_engine(url)
    with engine.begin() as conn:
        # The audit log refuses DELETE (a trigger): switch triggers off for this clean-up only.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def make_app(tmp_path, database_url):
    from safesend.app import create_app

    apps = []

    def factory(**config):
        settings = {"instance_path": str(tmp_path / "instance"), "database_url": database_url,
                    "secret_key": "test-secret-key", "testing": True, **config}
        app = create_app(settings)
        apps.append(app)
        return app

    _clean(database_url)
    yield factory
    for app in apps:
        app.extensions["safesend"].close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_key(app):
    from safesend.store.apikeys import create_key
    from safesend.store.db import transaction
    from safesend.store.tenants import ensure_tenant

    def factory(role: str, tenant: str = "default") -> str:
        with transaction(app.extensions["safesend"].sessions) as session:
            ensure_tenant(session, tenant)
            return create_key(session, tenant, role).key

    return factory


@pytest.fixture
def auth(make_key):
    """Authorization headers for each role (tenant 'default')."""
    keys = {role: make_key(role) for role in ("client", "it", "admin", "auditor")}
    return {role: {"Authorization": f"Bearer {key}"} for role, key in keys.items()}


CHROMIUM = Path(os.environ.get("SAFESEND_CHROMIUM", "/usr/bin/chromium"))
# As root with no network: no sandbox, and none of Chromium's calls home.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (its own browser downloads cannot work here)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (CI's .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where browser tests save screenshots: docs/ (shown in the README) when
    SAFESEND_UPDATE_SCREENSHOTS=1, else a temp folder so a test run leaves the tree clean."""
    if os.environ.get("SAFESEND_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        return DOCS
    return tmp_path


@pytest.fixture
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA}")
    return CORPORA


@pytest.fixture(scope="session")
def ocr_engine():
    """Tesseract through tesserocr, with Debian's English data. Missing, the
    tests that read pictures skip here and fail under CI (.ci/run installs it)."""
    from safesend.extract.ocr import OcrUnavailable, engine

    try:
        return engine("eng")
    except OcrUnavailable as exc:
        message = f"{exc}: apt-get install tesseract-ocr tesseract-ocr-eng (CI's .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
