"""Incident response in headless Chromium against the real app on 127.0.0.1
(temp SQLite): an administrator opens an incident, gives a reason, sees the
names and exports the CSV; an auditor sees counts only; every view is in the
audit trail, and `safesend audit verify` passes on the same database."""

from __future__ import annotations

import base64
import csv
import io
import threading

import pytest
from click.testing import CliRunner
from incident.roster_fixture import POLICY, XLSX, district, plan_spreadsheet, roster_csv
from werkzeug.serving import make_server

from messages import check_request, parents
from safesend.incident.vault import generate_key

KIDS = district(30, 10)
PASSWORD = "correct horse battery staple"
EMAILS = {"admin": "admin@district.example.org", "auditor": "auditor@district.example.org"}


@pytest.fixture(scope="module")
def incident_server(tmp_path_factory):
    from safesend.accounts.passwords import hash_password
    from safesend.app import create_app
    from safesend.store import users
    from safesend.store.apikeys import create_key
    from safesend.store.db import transaction
    from safesend.store.tenants import ensure_tenant

    folder = tmp_path_factory.mktemp("incident")
    database = f"sqlite:///{folder / 'safesend.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SAFESEND_VAULT_KEY", generate_key())
        app = create_app({"instance_path": str(folder / "instance"), "database_url": database,
                          "secret_key": "incident-browser-test", "testing": True})
        with transaction(app.extensions["safesend"].sessions) as session:
            ensure_tenant(session, "default")
            for role, email in EMAILS.items():
                users.create_user(session, "default", email, role, "test",
                                  password_hash=hash_password(PASSWORD))
            keys = {role: create_key(session, "default", role).key for role in ("it", "client")}
        client = app.test_client()
        it = {"Authorization": f"Bearer {keys['it']}"}
        client.put("/api/v1/policy", headers=it, json=POLICY)
        assert client.put("/api/v1/roster", headers={**it, "Content-Type": "text/csv"},
                          data=roster_csv(KIDS)).status_code == 200
        payload = check_request(to=parents(2), subject="504 list")
        payload["attachments"] = [{"name": "list.xlsx", "content_type": XLSX, "content_base64":
                                   base64.b64encode(plan_spreadsheet(KIDS[:30])).decode()}]
        check_id = client.post("/api/v1/checks", headers={"Authorization": f"Bearer {keys['client']}"},
                               json=payload).json["check_id"]
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield {"url": f"http://127.0.0.1:{server.server_port}", "check": check_id,
               "database": database, "folder": folder}
        server.shutdown()
        app.extensions["safesend"].close()


@pytest.fixture
def open_as(browser, incident_server):
    contexts = []

    def sign_in(role: str):
        context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True,
                                      timezone_id="UTC", locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{incident_server['url']}/admin/signin")
        page.fill("input[name=email]", EMAILS[role])
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{incident_server['url']}/admin/")
        return page

    yield sign_in
    for context in contexts:
        context.close()


def test_admin_views_with_a_reason_exports_and_the_auditor_sees_counts(open_as, incident_server,
                                                                       monkeypatch, screenshots):
    url = incident_server["url"]
    admin = open_as("admin")
    admin.click(".sidebar nav a:has-text('Incidents')")
    admin.fill("[data-testid=incident-ref]", incident_server["check"])
    admin.click("button:has-text('Open')")
    admin.wait_for_selector("[data-testid=incident-counts]")
    record = admin.url
    assert admin.locator("[data-testid=count-students]").inner_text() == "30"

    admin.fill("[data-testid=reason]", "Parent reported the email; preparing letters")
    admin.click("button:has-text('Show the people affected')")
    admin.wait_for_selector("[data-testid=people]")
    shown = admin.locator("[data-testid=people] tbody tr").all_inner_texts()
    assert len(shown) == 30
    admin.screenshot(path=str(screenshots / "console-incident-people.png"))
    listed = {k.student_id for k in KIDS if any(k.student_id in row for row in shown)}
    assert listed == {k.student_id for k in KIDS[:30]}

    admin.goto(record)
    admin.fill("[data-testid=reason]", "Mail merge for the family letters")
    with admin.expect_download() as download:
        admin.click("button:has-text('Export CSV')")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert {r["student_id"] for r in rows} == {k.student_id for k in KIDS[:30]}

    auditor = open_as("auditor")
    auditor.goto(record)
    assert auditor.locator("[data-testid=count-students]").inner_text() == "30"
    assert auditor.locator("[data-testid=people-form]").count() == 0
    auditor.screenshot(path=str(screenshots / "console-incident-auditor.png"), full_page=True)
    body = auditor.locator("main").inner_text()
    assert not any(k.name in body or k.student_id in body for k in KIDS)

    admin.goto(f"{url}/admin/audit")
    trail = admin.locator("main").inner_text()
    assert "Viewed the people affected" in trail and "Exported the people affected" in trail

    from safesend.cli import main

    monkeypatch.setenv("SAFESEND_DATABASE_URL", incident_server["database"])
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(incident_server["folder"] / "instance"))
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "incident-browser-test")
    verified = CliRunner().invoke(main, ["audit", "verify"], catch_exceptions=False)
    assert verified.exit_code == 0 and "default: intact" in verified.output


def test_letter_templates_preview_and_the_prevention_report(open_as, incident_server, screenshots):
    admin = open_as("admin")
    admin.goto(f"{incident_server['url']}/admin/incidents/letters?name=community")
    admin.fill("[data-testid=template-body]", "{{ counts.students }} students in {{ district }} were "
               "affected.")
    admin.click("button:has-text('Preview')")
    assert "230 students in default were affected." in \
        admin.locator("[data-testid=template-preview]").inner_text()
    admin.fill("[data-testid=template-body]", "{{ counts.students ")
    admin.click("button:has-text('Save')")
    assert "does not render" in admin.locator("[data-testid=template-error]").inner_text()

    admin.click(".sidebar nav a:has-text('Prevention report')")
    admin.wait_for_selector("[data-testid=schools]")
    assert admin.locator("[data-testid=headline]").first.inner_text() != "0"
    assert "district.example.org" in admin.locator("[data-testid=schools]").inner_text()
    admin.screenshot(path=str(screenshots / "console-prevention.png"), full_page=True)
    with admin.expect_download() as download:
        admin.click("[data-testid=prevention-pdf]")
    assert download.value.path().read_bytes().startswith(b"%PDF")
    assert (screenshots / "console-prevention.png").stat().st_size > 20_000
