"""The dashboard counts checks that hit a SafeSend internal error (with where it happened)."""

from __future__ import annotations

import base64

import pytest

from messages import DISTRICT, check_request, parents
from safesend.extract import isolation

BUG_FILE = b"SAFESEND-TEST-HOOK: bug"


@pytest.fixture
def hook_pool():
    pool = isolation.WorkerPool(size=1, test_hooks=True)
    assert pool.wait_ready(60), "extract workers did not start"
    previous = isolation.set_default_pool(pool)
    yield pool
    isolation.set_default_pool(previous)
    pool.close()


def test_dashboard_counts_internal_errors(console, app, auth, hook_pool):
    client = app.test_client()
    assert client.put("/api/v1/policy", json={"internal_domains": [DISTRICT]},
                      headers=auth["it"]).status_code == 200
    it = console["it"]
    assert 'data-internal-errors="0"' in it.get("/admin/").get_data(as_text=True)
    attachment = {"name": "plan.bin", "content_base64": base64.b64encode(BUG_FILE).decode()}
    for _ in range(2):
        response = client.post("/api/v1/checks", headers=auth["client"],
                               json=check_request(to=parents(2), attachments=[attachment]))
        assert response.status_code == 200
    client.post("/api/v1/checks", headers=auth["client"], json=check_request(to=parents(2)))
    page = it.get("/admin/").get_data(as_text=True)
    assert 'data-internal-errors="2"' in page
    assert "TypeError at safesend/extract/dispatch.py" in page
