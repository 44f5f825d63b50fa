"""Fixtures for the Outlook add-in: the real service over HTTP, and Chromium."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server


class SlowChecks:
    """WSGI wrapper: delays POST /api/v1/checks when told to (a slow service)."""

    def __init__(self, app):
        self.app = app
        self.delay_seconds = 0.0

    def __call__(self, environ, start_response):
        if (self.delay_seconds and environ.get("REQUEST_METHOD") == "POST"
                and environ.get("PATH_INFO") == "/api/v1/checks"):
            time.sleep(self.delay_seconds)
        return self.app(environ, start_response)


@dataclass
class LiveService:
    url: str
    app: object
    slow: SlowChecks
    keys: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def set_policy(self, document: dict) -> None:
        response = self.app.test_client().put("/api/v1/policy", json=document, headers=self.headers("it"))
        assert response.status_code == 200, response.json


@pytest.fixture(scope="module")
def live_service(tmp_path_factory):
    """create_app on a fresh SQLite file, served by a real threaded HTTP server."""
    from safesend.app import create_app
    from safesend.store.apikeys import create_key
    from safesend.store.db import transaction
    from safesend.store.tenants import ensure_tenant

    folder = tmp_path_factory.mktemp("addin-service")
    app = create_app({"instance_path": str(folder / "instance"),
                      "database_url": f"sqlite:///{folder / 'safesend.db'}",
                      "secret_key": "addin-test-secret", "testing": True})
    with transaction(app.extensions["safesend"].sessions) as session:
        ensure_tenant(session, "default")
        keys = {role: create_key(session, "default", role).key for role in ("client", "it", "admin")}
    slow = SlowChecks(app.wsgi_app)
    app.wsgi_app = slow
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    settings = app.extensions["safesend"].settings
    settings.public_url = url                  # the manifest and config name this origin
    settings.addin_dev_api_key = keys["client"]  # the add-in's development sign-in
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveService(url=url, app=app, slow=slow, keys=keys)
    server.shutdown()
    app.extensions["safesend"].close()


@pytest.fixture(scope="session")
def node():
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed: the add-in's JavaScript unit tests need Node 18+")
    return path
