"""Layers kept: the store never reads the web request (callers say who acts), and the
app factory builds the app without side effects on the process (logging, workers);
serving it (`safesend serve`/`demo`, gunicorn's safesend.wsgi) sets those up."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

import safesend
from safesend import serving, wsgi

STORE = Path(safesend.__file__).parent / "store"


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_store_does_not_import_flask():
    offenders = {path.name for path in STORE.glob("*.py")
                 if any(name.split(".")[0] == "flask" for name in _imported(path))}
    assert not offenders


def test_an_audit_entry_is_by_the_actor_its_caller_names(app):
    from safesend.store import audit
    from safesend.store.db import transaction

    with app.test_request_context(), transaction(app.extensions["safesend"].sessions) as session:
        from types import SimpleNamespace

        from flask import g

        g.principal = SimpleNamespace(email="someone@district.example.org", subject="key:1")
        named = audit.append(session, "default", "it@district.example.org", "policy.save", "v1")
        nobody = audit.append(session, "default", "", "policy.save", "v2")
        # Even inside a request: the store does not go looking for the caller's principal.
        assert (named.actor, nobody.actor) == ("it@district.example.org", audit.UNKNOWN_ACTOR)


def test_the_json_api_roster_removal_names_the_key(app, auth):
    client = app.test_client()
    client.put("/api/v1/roster", headers={**auth["it"], "Content-Type": "text/csv"},
               data="Student Number,First Name,Last Name\n12345678,Maria,Garcia\n")
    assert client.delete("/api/v1/roster", headers=auth["it"]).json == {"removed": True}
    from safesend.store.db import transaction
    from safesend.store.models import AuditEntry

    with transaction(app.extensions["safesend"].sessions) as session:
        entry = session.query(AuditEntry).filter_by(action="roster.remove").one()
        assert entry.actor.startswith("key:")


@pytest.fixture
def side_effects(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr("safesend.extract.warm_up", lambda *a, **k: calls.append("workers") or True)
    monkeypatch.setattr(logging, "basicConfig", lambda *a, **k: calls.append("logging"))
    monkeypatch.setattr(serving, "get_debug_flag", lambda: False)
    monkeypatch.setattr(logging.getLogger("safesend"), "handlers", [])
    return calls


def test_the_app_factory_starts_no_worker_and_leaves_logging_alone(make_app, side_effects):
    app = make_app(testing=False)     # a production configuration
    assert app.extensions["safesend"] is not None
    assert side_effects == []


def test_gunicorns_entry_sets_up_logging_then_the_app_then_workers(tmp_path, database_url,
                                                                   side_effects):
    app = wsgi.application({"instance_path": str(tmp_path / "served"), "database_url": database_url,
                            "secret_key": "test-secret-key", "testing": False})
    try:
        assert side_effects == ["logging", "workers"]
        assert logging.getLogger("alembic").level == logging.WARNING
    finally:
        app.extensions["safesend"].close()
