"""Incident pages in the console (test client, SQLite and PostgreSQL): an
administrator opens an incident, gives a reason to see the names, exports the
CSV and the letters; an auditor sees counts only; the audit trail has each view."""

from __future__ import annotations

import base64
import csv
import io
import zipfile

import pytest
from admin.console_helpers import csrf_token, post_form
from incident.roster_fixture import POLICY, XLSX, district, plan_spreadsheet, roster_csv

from messages import check_request, parents
from safesend.incident.vault import generate_key
from safesend.store import audit
from safesend.store.db import transaction

KIDS = district(40, 20)


@pytest.fixture
def incident_check(app, make_key, monkeypatch):
    monkeypatch.setenv("SAFESEND_VAULT_KEY", generate_key())
    client = app.test_client()
    it = {"Authorization": f"Bearer {make_key('it')}"}
    client.put("/api/v1/policy", headers=it, json=POLICY)
    assert client.put("/api/v1/roster", headers={**it, "Content-Type": "text/csv"},
                      data=roster_csv(KIDS)).status_code == 200
    payload = check_request(to=parents(2), subject="list")
    payload["attachments"] = [{"name": "list.xlsx", "content_type": XLSX,
                               "content_base64": base64.b64encode(plan_spreadsheet(KIDS[:40])).decode()}]
    verdict = client.post("/api/v1/checks", headers={"Authorization": f"Bearer {make_key('client')}"},
                          json=payload).json
    assert verdict["students_matched"] == 40, verdict
    return verdict["check_id"]


def test_admin_sees_names_with_a_reason_and_auditor_counts_only(app, console, incident_check):
    admin = console["admin"]
    opened = post_form(admin, "/admin/incidents/open", {"ref": incident_check}, page="/admin/incidents")
    assert opened.status_code == 302
    record = opened.headers["Location"]
    number = record.rstrip("/").rsplit("/", 1)[1]
    page = admin.get(record).get_data(as_text=True)
    assert "Show the people affected" in page and KIDS[0].last not in page

    refused = post_form(admin, f"/admin/incidents/{number}/people", {"reason": ""}, page=record)
    assert refused.status_code == 302 and "reason" in refused.headers["Location"]
    people = post_form(admin, f"/admin/incidents/{number}/people", {"reason": "board asked"}, page=record)
    html = people.get_data(as_text=True)
    assert people.status_code == 200 and people.headers["Cache-Control"] == "no-store"
    assert all(k.student_id in html for k in KIDS[:40]) and KIDS[45].student_id not in html

    export = post_form(admin, f"/admin/incidents/{number}/export", {"reason": "mail merge"}, page=record)
    rows = list(csv.DictReader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    assert {r["student_id"] for r in rows} == {k.student_id for k in KIDS[:40]}
    letters = post_form(admin, f"/admin/incidents/{number}/letters", {"reason": "letters"}, page=record)
    names = zipfile.ZipFile(io.BytesIO(letters.get_data())).namelist()
    assert len([n for n in names if n.startswith("family-")]) == 40 and "community.eml" in names

    auditor = console["auditor"]
    seen = auditor.get(record).get_data(as_text=True)
    assert 'data-testid="count-students">40<' in seen and "Show the people affected" not in seen
    assert "teacher@district.example.org" in seen and f"/admin/log/{incident_check}" in seen
    assert not any(k.last in seen.split() for k in KIDS[:40])
    token = csrf_token(auditor, record)
    assert auditor.post(f"/admin/incidents/{number}/people",
                        data={"reason": "curious", "csrf_token": token}).status_code == 403
    assert auditor.post(f"/admin/incidents/{number}/export",
                        data={"reason": "curious", "csrf_token": token}).status_code == 403
    assert console["it"].get(record).status_code == 403

    with transaction(app.extensions["safesend"].sessions) as db:
        assert audit.verify_chain(db, "default").intact
        entries, _ = audit.list_entries(db, "default", 100)
    logged = [(e.action, e.actor, e.details.get("reason")) for e in entries]
    for action, reason in (("incident.view", "board asked"), ("incident.export", "mail merge"),
                           ("incident.letters", "letters")):
        assert (action, "admin@default.example.org", reason) in logged
    assert not any(e.action.startswith("incident.") and e.actor.startswith("auditor") for e in entries)


def test_letter_templates_preview_save_and_refuse_what_does_not_render(console):
    admin = console["admin"]
    page = admin.get("/admin/incidents/letters?name=community").get_data(as_text=True)
    assert "230 students" in page   # the preview's invented counts
    broken = post_form(admin, "/admin/incidents/letters",
                       {"name": "community", "subject": "x", "body": "{{ counts.students ", "action": "save"},
                       page="/admin/incidents/letters")
    assert "does not render" in broken.get_data(as_text=True)
    sandboxed = post_form(admin, "/admin/incidents/letters",
                          {"name": "family", "subject": "x", "action": "preview",
                           "body": "{{ ''.__class__.__mro__[1].__subclasses__() }}"},
                          page="/admin/incidents/letters")
    assert "does not render" in sandboxed.get_data(as_text=True)
    saved = post_form(admin, "/admin/incidents/letters",
                      {"name": "community", "subject": "News from {{ district }}",
                       "body": "{{ counts.students }} students were affected.", "action": "save"},
                      page="/admin/incidents/letters")
    assert "Saved." in saved.get_data(as_text=True)
    assert "News from" in admin.get("/admin/incidents/letters?name=community").get_data(as_text=True)
    assert console["auditor"].get("/admin/incidents/letters").status_code == 403


def test_prevention_page_and_pdf(console):
    page = console["auditor"].get("/admin/prevention")
    assert page.status_code == 200 and "Messages checked" in page.get_data(as_text=True)
    pdf = console["admin"].get("/admin/prevention.pdf")
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")


def test_the_record_keeps_status_dates_notes_links_and_the_policy_deadline(app, console, make_key,
                                                                          incident_check):
    client = app.test_client()
    it = {"Authorization": f"Bearer {make_key('it')}"}
    assert client.put("/api/v1/policy", headers=it, json={
        **POLICY, "incidents": {"notify_within_days": 5}}).status_code == 200
    admin = console["admin"]
    record = post_form(admin, "/admin/incidents/open", {"ref": incident_check},
                       page="/admin/incidents").headers["Location"]
    number = record.rstrip("/").rsplit("/", 1)[1]
    update = f"/admin/incidents/{number}/update"
    assert post_form(admin, update, {"status": "families_notified", "note": "Called counsel",
                                     "steps_taken": "Recipients deleted the message.",
                                     "link_label": "Override log", "url": "/admin/log"},
                     page=record).status_code == 302
    refused = post_form(admin, update, {"url": "javascript:alert(1)"}, page=record)
    assert "link" in refused.headers["Location"]
    page = admin.get(record).get_data(as_text=True)
    assert "Families notified" in page and "Called counsel" in page and 'href="/admin/log"' in page
    assert "javascript:" not in page and "no deadline set" not in page
    from safesend.incident.records import deadline, get_incident
    from safesend.store.db import transaction

    with transaction(app.extensions["safesend"].sessions) as db:
        row = get_incident(db, "default", int(number))
        assert row.notified_at is not None and row.steps_taken == "Recipients deleted the message."
        assert (deadline(row, 5) - row.discovered_at).days == 5
    listing = console["auditor"].get("/admin/incidents").get_data(as_text=True)
    assert f"INC-{number}" in listing and "Open an incident" not in listing
    assert post_form(console["auditor"], update, {"status": "closed"}, page=record).status_code == 403
