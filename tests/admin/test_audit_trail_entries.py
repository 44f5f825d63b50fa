"""Issue 16: the audit trail says what changed (policy diffs, rollbacks from N to M,
roster before -> after), records reviews and every export of the override log, and
can be searched, filtered and exported as CSV."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from admin.console_helpers import post_form
from click.testing import CliRunner

from safesend.demo_data import synthetic_activity
from safesend.store import audit
from safesend.store.db import transaction
from safesend.store.models import AuditEntry

DIFF_DOCUMENT = re.compile(r'name="document" value="([^"]+)"')


def _entries(services, action: str | None = None) -> list[AuditEntry]:
    with transaction(services.sessions) as db:
        rows, _ = audit.list_entries(db, "default", 1000)
        found = [r for r in rows if action is None or r.action == action]
        db.expunge_all()
        return found


def _save(it, changes: dict, comment: str = "") -> str:
    preview = post_form(it, "/admin/policy/preview", {**changes, "comment": comment}, page="/admin/policy")
    page = preview.get_data(as_text=True)
    version = re.search(r'name="base_version" value="(\d+)"', page).group(1)
    rollback = re.search(r'name="rollback_to" value="(\d+)"', page)
    form = {"document": html.unescape(DIFF_DOCUMENT.search(page).group(1)), "base_version": version,
            "comment": comment, **({"rollback_to": rollback.group(1)} if rollback else {})}
    saved = post_form(it, "/admin/policy/save", form, page="/admin/policy")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:400]
    return saved.headers["Location"]


def _rollback(it, number: int):
    page = post_form(it, f"/admin/policy/versions/{number}/rollback",
                     page="/admin/policy").get_data(as_text=True)
    form = {"document": html.unescape(DIFF_DOCUMENT.search(page).group(1)),
            "base_version": re.search(r'name="base_version" value="(\d+)"', page).group(1),
            "rollback_to": re.search(r'name="rollback_to" value="(\d+)"', page).group(1),
            "comment": f"Roll back to version {number}"}
    assert post_form(it, "/admin/policy/save", form, page="/admin/policy").status_code == 302


def test_a_policy_save_links_to_its_diff_and_a_rollback_is_named_one(console, services):
    it = console["it"]
    _save(it, {"rules.visible_recipients.warn_at": "12"}, "first")        # version 1
    _save(it, {"rules.visible_recipients.warn_at": "30"}, "too high")     # version 2
    _rollback(it, 1)                                                       # version 3 = 1
    saved = _entries(services, "policy.save")
    assert [e.details["version"] for e in saved] == [2, 1]
    assert saved[0].details["previous"] == 1
    rollback = _entries(services, "policy.rollback")[0]
    assert (rollback.details["from"], rollback.details["to"], rollback.details["version"]) == (2, 1, 3)
    trail = console["auditor"].get("/admin/audit").get_data(as_text=True)
    assert "From version 2 back to version 1, saved as version 3" in trail
    assert 'href="/admin/policy/versions/2/changes"' in trail
    changes = console["auditor"].get("/admin/policy/versions/2/changes").get_data(as_text=True)
    assert "Version 1 → version 2" in changes
    row = changes[changes.index('data-testid="version-diff"'):]
    assert "Visible recipients › Warn at" in row and ">12<" in row and ">30<" in row


def test_saving_a_changed_rollback_is_a_plain_save(console, services):
    it = console["it"]
    _save(it, {"rules.visible_recipients.warn_at": "12"})
    _save(it, {"rules.visible_recipients.warn_at": "30"})
    page = post_form(it, "/admin/policy/versions/1/rollback", page="/admin/policy").get_data(as_text=True)
    document = json.loads(html.unescape(DIFF_DOCUMENT.search(page).group(1)))
    document["rules"]["audience_size"]["warn_at"] = 77          # not version 1 any more
    post_form(it, "/admin/policy/save", {"document": json.dumps(document), "base_version": "2",
                                         "rollback_to": "1"}, page="/admin/policy")
    assert not _entries(services, "policy.rollback")
    assert _entries(services, "policy.save")[0].details["version"] == 3


def test_roster_imports_show_before_and_after(console, services, client, auth):
    from safesend.demo_data import synthetic_roster

    for rows, query in ((40, ""), (5, "?replace=true")):
        client.put(f"/api/v1/roster{query}", data=synthetic_roster(rows, seed=rows).csv_text(),
                   headers={**auth["it"], "Content-Type": "text/csv"})
    second, first = _entries(services, "roster.import")
    assert first.details["before"]["students"] == 0 and first.details["after"]["students"] == 40
    assert second.details["before"]["students"] == 40 and second.details["after"]["students"] == 5
    page = console["auditor"].get("/admin/audit").get_data(as_text=True)
    assert "students: 40 → <strong>5</strong>" in page


@pytest.fixture
def activity(services):
    with transaction(services.sessions) as session:
        synthetic_activity(session, "default", weeks=3, flagged=40, allowed=5)


def _an_override(admin) -> str:
    rows = list(csv.DictReader(io.StringIO(admin.get("/admin/log.csv", query_string={
        "status": "unreviewed"}).get_data(as_text=True))))
    return rows[0]["check_id"]


def test_a_review_and_its_undo_are_on_the_trail(console, services, activity):
    admin = console["admin"]
    check_id = _an_override(admin)
    post_form(admin, f"/admin/log/{check_id}/review", {"note": "Spoke with the sender."}, page="/admin/log")
    post_form(admin, f"/admin/log/{check_id}/unreview", page="/admin/log")
    undone, = _entries(services, "override.unreview")
    review, = _entries(services, "override.review")
    assert review.actor == "admin@default.example.org" and review.details["check_id"] == check_id
    assert review.details["note"] == "Spoke with the sender." and undone.seq > review.seq
    page = console["auditor"].get("/admin/audit?kind=override").get_data(as_text=True)
    assert "Reviewed a log entry" in page and "Spoke with the sender." in page and "Undid a review" in page
    assert f'href="/admin/log/{check_id}"' in page
    entry = admin.get(f"/admin/log/{check_id}").get_data(as_text=True)
    assert 'data-testid="review-status"' not in entry and "Mark reviewed" in entry   # open again


def test_every_export_of_the_override_log_is_recorded(console, services, activity, client, auth,
                                                      tmp_path, monkeypatch, database_url):
    console["admin"].get("/admin/log.csv?rule=visible_recipients")
    client.get("/api/v1/overrides?format=csv", headers=auth["admin"])
    client.get("/api/v1/overrides", headers=auth["admin"])              # a JSON page: not an export
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "cli"))
    monkeypatch.setenv("SAFESEND_DATABASE_URL", database_url)
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "test")
    from safesend.cli import main

    exported = CliRunner().invoke(main, ["overrides", "export", "--output", str(tmp_path / "o.csv")])
    assert exported.exit_code == 0
    cli, api, page = _entries(services, "overrides.export")
    assert (page.details["via"], page.details["filters"]) == ("console", {"rule": "visible_recipients"})
    assert page.actor == "admin@default.example.org" and page.details["rows"] > 0
    assert api.details["via"] == "api" and cli.details["via"] == "cli" and cli.actor == "cli"
    trail = console["auditor"].get("/admin/audit?kind=overrides").get_data(as_text=True)
    assert 'data-testid="audit-total">3<' in trail and "from the command line" in trail


def test_search_filter_and_csv_of_the_trail(console, services, make_user):
    it = console["it"]
    _save(it, {"rules.visible_recipients.warn_at": "15"}, "grade newsletters")
    make_user("auditor", "second.auditor@default.example.org")
    auditor = console["auditor"]
    everything = auditor.get("/admin/audit").get_data(as_text=True)
    total = int(re.search(r'data-testid="audit-total">(\d+)<', everything).group(1))
    assert total >= 3
    by_who = auditor.get("/admin/audit?actor=it@default").get_data(as_text=True)
    assert 'data-testid="audit-total">1<' in by_who and "grade newsletters" in by_who
    by_text = auditor.get("/admin/audit?q=newsletters").get_data(as_text=True)
    assert 'data-testid="audit-total">1<' in by_text
    old = auditor.get("/admin/audit?until=2001-01-01").get_data(as_text=True)
    assert 'data-testid="audit-total">0<' in old
    assert "Use a date like" in auditor.get("/admin/audit?since=soon").get_data(as_text=True)
    response = auditor.get("/admin/audit.csv?kind=policy")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv" and [r["action"] for r in rows] == ["policy.save"]
    assert json.loads(rows[0]["details"])["comment"] == "grade newsletters"
    export, = _entries(services, "audit.export")
    assert export.actor == "auditor@default.example.org" and export.details["filters"] == {"kind": "policy"}
    with transaction(services.sessions) as db:
        assert audit.verify_chain(db, "default").intact
