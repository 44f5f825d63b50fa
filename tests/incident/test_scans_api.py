"""POST/GET /api/v1/scans: administrators start scans and see what they
flagged, worst first; auditors see counts only; add-in keys are refused;
export paths stay inside the exports folder."""

from __future__ import annotations

import pytest
from incident import sent_mail

from safesend.incident import jobs
from safesend.store.db import transaction


@pytest.fixture
def scan_app(make_app, tmp_path, monkeypatch, mail):
    from safesend.policy import parse_policy
    from safesend.roster_import import import_roster_file
    from safesend.store.policies import save_policy
    from safesend.store.tenants import ensure_tenant

    exports = tmp_path / "exports"
    exports.mkdir()
    monkeypatch.setenv("SAFESEND_SCAN_EXPORTS_DIR", str(exports))
    app = make_app()
    services = app.extensions["safesend"]
    with transaction(services.sessions) as session:
        ensure_tenant(session, "default")
        save_policy(session, "default", parse_policy(sent_mail.POLICY), author="test")
        import_roster_file(session, "default", mail.roster_csv, services.roster_key, None, author="test")
    # 60 ordinary sent messages and the seed-like one.
    sent_mail.write_mbox(exports / "Sent.mbox", mail.messages[:60] + [mail.messages[sent_mail.SEED_INDEX]])
    yield app
    from safesend.incident import queue

    queue._state.clear()


def _run_all(app, scan_id: str) -> None:
    """What a worker does with the queued jobs (no worker runs in these tests)."""
    services = app.extensions["safesend"]
    with transaction(services.sessions) as session:
        ids = jobs.job_ids(session, scan_id)
    for job_id in ids:
        assert jobs.run_job(services, job_id, "test-worker").status == "done"


def test_an_administrator_starts_a_scan_and_reads_its_flagged_messages(scan_app, auth, mail):
    client = scan_app.test_client()
    started = client.post("/api/v1/scans", json={"source": "mbox", "path": "Sent.mbox"},
                          headers=auth["admin"])
    assert started.status_code == 202, started.get_json()
    body = started.get_json()
    assert body["status"] == "queued" and body["expected"] == 61 and body["workers"] == 0
    _run_all(scan_app, body["id"])
    detail = client.get(f"/api/v1/scans/{body['id']}", headers=auth["admin"]).get_json()
    assert detail["status"] == "finished" and detail["scanned"] == 61 and detail["flagged"] == 1
    (flagged,) = detail["flagged_messages"]
    assert flagged["message_id"] == mail.seed_message_id and flagged["students"] == 230
    assert flagged["recipients"] == {"total": 2000, "visible": 2000, "outside": 1960}
    assert detail["mailboxes"][0]["mailbox"] == "Sent.mbox"
    listed = client.get("/api/v1/scans", headers=auth["admin"]).get_json()
    assert [s["id"] for s in listed["scans"]] == [body["id"]]


def test_an_auditor_sees_counts_only(scan_app, auth):
    client = scan_app.test_client()
    scan_id = client.post("/api/v1/scans", json={"source": "mbox", "path": "Sent.mbox"},
                          headers=auth["admin"]).get_json()["id"]
    _run_all(scan_app, scan_id)
    detail = client.get(f"/api/v1/scans/{scan_id}", headers=auth["auditor"]).get_json()
    assert detail["flagged"] == 1 and detail["scanned"] == 61
    assert "flagged_messages" not in detail
    assert all("mailbox" not in m and "errors" not in m for m in detail["mailboxes"])
    listed = client.get("/api/v1/scans", headers=auth["auditor"]).get_json()
    assert listed["scans"][0]["flagged"] == 1 and "mailbox" not in listed["scans"][0]["mailboxes"][0]
    refused = client.post("/api/v1/scans", json={"source": "mbox", "path": "Sent.mbox"},
                          headers=auth["auditor"])
    assert refused.status_code == 403


@pytest.mark.parametrize("role", ["client", "it"])
def test_client_keys_and_it_are_refused(scan_app, auth, role):
    client = scan_app.test_client()
    assert client.get("/api/v1/scans", headers=auth[role]).status_code == 403
    assert client.post("/api/v1/scans", json={"source": "mbox", "path": "Sent.mbox"},
                       headers=auth[role]).status_code == 403


@pytest.mark.parametrize(("body", "field", "status"), [
    # Well formed but impossible (the OpenAPI document's 422): outside or missing exports, no mailboxes.
    ({"source": "mbox", "path": "../../etc/passwd"}, "path", 422),
    ({"source": "mbox", "path": "/etc"}, "path", 422),
    ({"source": "mbox"}, "path", 422),
    ({"source": "folder", "path": "missing"}, "path", 422),
    ({"source": "graph"}, "mailboxes", 422),
    ({"source": "mbox", "path": "Sent.mbox", "since": "2026-10-01", "until": "2026-09-01"}, "until", 422),
    # Not what the document describes: 400.
    ({"source": "gmail", "mailboxes": ["not an address"]}, "mailboxes", 422),
    ({"source": "pst", "path": "Sent.mbox"}, "source", 400),
    ({"source": "mbox", "path": "Sent.mbox", "since": "2026-13-40"}, "since", 400),
    ({"source": "mbox", "path": "Sent.mbox", "extra": 1}, "extra", 400),
])
def test_bad_requests_are_clear_4xx(scan_app, auth, body, field, status):
    response = scan_app.test_client().post("/api/v1/scans", json=body, headers=auth["admin"])
    assert response.status_code == status
    assert response.get_json()["error"]["field"] == field


def test_an_unknown_scan_is_404(scan_app, auth):
    response = scan_app.test_client().get("/api/v1/scans/nope", headers=auth["admin"])
    assert response.status_code == 404


def test_the_scans_routes_are_in_the_openapi(scan_app):
    document = scan_app.test_client().get("/api/openapi.json").get_json()
    assert {"post", "get"} <= set(document["paths"]["/api/v1/scans"])
    assert "ScanStartRequest" in document["components"]["schemas"]
