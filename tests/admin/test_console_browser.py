"""The console in headless Chromium against the real app on 127.0.0.1 (temp SQLite),
with the demo's data: sign in as each role, change a threshold and see the
verdict change, import a roster, filter the override log and check the CSV,
review an override, and keep auditors and API keys out. Takes the README's
screenshots (into docs/ with SAFESEND_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

PAGES = ["/admin/", "/admin/log", "/admin/policy", "/admin/try", "/admin/roster", "/admin/audit",
         "/admin/access", "/admin/account"]
ODD_HEADERS = ("Pupil Ref", "Given", "Family", "Born", "Support", "Contact 1", "Contact 2")


class Console:
    def __init__(self, url: str, app, accounts: dict[str, str], client_key: str):
        self.url, self.app, self.accounts, self.client_key = url, app, accounts, client_key

    def email(self, role: str) -> str:
        return {"it": "it@district.example.org", "admin": "admin@district.example.org",
                "auditor": "auditor@district.example.org"}[role]


@pytest.fixture(scope="module")
def console_server(tmp_path_factory):
    from safesend.app import create_app
    from safesend.demo import setup_demo, setup_demo_console

    folder = tmp_path_factory.mktemp("console")
    app = create_app({"instance_path": str(folder / "instance"),
                      "database_url": f"sqlite:///{folder / 'safesend.db'}",
                      "secret_key": "console-browser-test", "testing": True})
    keys = setup_demo(app)
    accounts = setup_demo_console(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Console(f"http://127.0.0.1:{server.server_port}", app, accounts, keys["client"])
    server.shutdown()
    app.extensions["safesend"].close()


@pytest.fixture
def open_as(browser, console_server):
    contexts = []

    def sign_in(role: str):
        context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True,
                                      timezone_id="UTC", locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{console_server.url}/admin/")
        assert "/admin/signin" in page.url
        email = console_server.email(role)
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", console_server.accounts[email])
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{console_server.url}/admin/")
        return page

    yield sign_in
    for context in contexts:
        context.close()


def _nav(page) -> list[str]:
    return [text.strip() for text in page.locator(".sidebar nav a").all_inner_texts()]


def test_each_role_signs_in_to_its_own_console(open_as):
    expected = {
        "it": ["Dashboard", "Policy", "Try a message", "Roster", "Prevention report", "Audit trail",
               "Keys & users"],
        "admin": ["Dashboard", "Override log", "Policy", "Try a message", "Sent-mail scans", "Incidents",
                  "Prevention report", "Audit trail"],
        "auditor": ["Dashboard", "Override log", "Policy", "Roster", "Sent-mail scans", "Incidents",
                    "Prevention report", "Audit trail", "Keys & users"],
    }
    for role, items in expected.items():
        page = open_as(role)
        assert _nav(page) == items
        assert page.locator(".me-role").inner_text() in ("IT", "Administrator", "Auditor (read only)")
        assert page.locator(".tile-value").first.inner_text() != "0"


def test_screenshots_for_the_readme(open_as, screenshots):
    admin = open_as("admin")
    admin.wait_for_load_state("networkidle")
    admin.screenshot(path=str(screenshots / "console-dashboard.png"), full_page=True)
    admin.goto(admin.url + "log?status=overridden")
    admin.wait_for_selector("[data-testid=log-table]")
    admin.screenshot(path=str(screenshots / "console-override-log.png"))
    it = open_as("it")
    it.goto(it.url + "policy")
    it.wait_for_selector("[data-testid=policy-version]")
    it.screenshot(path=str(screenshots / "console-policy.png"))
    for name in ("console-dashboard.png", "console-override-log.png", "console-policy.png"):
        assert (screenshots / name).stat().st_size > 20_000


def _try(page, recipients: int, version: str | None = None) -> str:
    page.goto(page.url.split("/admin/")[0] + "/admin/try")
    page.fill("textarea[name=to]", "\n".join(f"parent{i}@example.com" for i in range(recipients)))
    page.fill("input[name=subject]", "Field trip on Friday")
    page.fill("textarea[name=body]", "Please send the permission slip back by Thursday.")
    if version:
        page.select_option("select[name=version]", version)
    page.click("button:has-text('Check this message')")
    return page.locator("[data-testid=verdict]").get_attribute("data-action")


def test_a_new_threshold_changes_the_verdict_in_try_a_message(open_as):
    it = open_as("it")
    assert _try(it, 12) == "warn"                     # 12 visible family addresses, warn at 10
    it.goto(it.url.split("/admin/")[0] + "/admin/policy")
    before = it.locator("[data-testid=policy-version]").inner_text()
    it.fill("input[name='rules.visible_recipients.warn_at']", "20")
    it.click(".page-actions button:has-text('Review changes')")
    diff = it.locator("[data-testid=policy-diff]")
    assert "Visible recipients › Warn at" in diff.inner_text() and "20" in diff.inner_text()
    it.fill("input[name=comment]", "Grade-level newsletters go to 15 families")
    it.click("button:has-text('Save as version')")
    it.wait_for_selector("text=Saved as version")
    after = it.locator("[data-testid=policy-version]").inner_text()
    assert after != before
    assert _try(it, 12) == "allow"
    previous = str(int(after.split()[-1]) - 1)
    assert _try(it, 12, version=previous) == "warn"   # the old version still judges as before


def test_roster_import_with_column_mapping_shows_the_summary(open_as):
    from safesend.demo_data import synthetic_roster

    it = open_as("it")
    it.goto(it.url + "roster")
    data = synthetic_roster(250, seed=9).csv_text(headers=ODD_HEADERS).encode()
    it.set_input_files("input[data-roster-file]", {"name": "sis-export.csv", "mimeType": "text/csv",
                                                   "buffer": data})
    it.wait_for_selector("[data-mapping-table] select")
    for header, field in (("Pupil Ref", "student_id"), ("Given", "first_name"), ("Family", "last_name"),
                          ("Born", "dob"), ("Support", "flags"), ("Contact 1", "guardian_email"),
                          ("Contact 2", "guardian_email")):
        it.select_option(f"select[data-header='{header}']", field)
    # 250 students replacing the demo's 1,200: the page asks first (issue 16).
    it.wait_for_function("() => !document.querySelector('form[data-roster-import]').dataset.checking")
    assert "1,200" in it.locator("[data-testid=before-after]").inner_text()
    it.check("[data-replace-confirm]")
    it.click("[data-import-button]")
    result = it.locator("[data-testid=import-result]")
    result.wait_for()
    assert "Imported 250 students" in result.inner_text()
    it.reload()
    assert it.locator("[data-testid=roster-students]").inner_text() == "250"


def test_filter_the_override_log_and_download_exactly_that(open_as):
    admin = open_as("admin")
    admin.goto(admin.url + "log?status=overridden")
    admin.select_option("select[name=rule]", "visible_recipients")
    admin.select_option("select[name=status]", "overridden")
    admin.click("button:has-text('Apply')")
    admin.wait_for_url("**status=overridden**")
    total = int(admin.locator("[data-testid=log-total]").inner_text().replace(",", ""))
    shown = admin.locator("[data-testid=log-table] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.check)")
    assert total > 0 and shown
    with admin.expect_download() as download_info:
        admin.click("a:has-text('Export CSV')")
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert len(rows) == total
    assert [r["check_id"] for r in rows[:len(shown)]] == shown
    assert all("visible_recipients" in r["rules"].split() and r["overridden_at"] for r in rows)


def test_mark_an_override_reviewed(open_as):
    admin = open_as("admin")
    admin.goto(admin.url + "log?status=unreviewed")
    admin.locator("[data-testid=log-table] tbody tr .row-link").first.click()
    admin.fill("textarea[name=note]", "Called the sender: parents had agreed to share addresses.")
    admin.click("button:has-text('Mark reviewed')")
    status = admin.locator("[data-testid=review-status]")
    assert "Reviewed" in status.inner_text() and "admin@district.example.org" in status.inner_text()


def test_an_auditor_cannot_change_the_policy(open_as, console_server):
    auditor = open_as("auditor")
    auditor.goto(auditor.url + "policy")
    assert auditor.locator("text=Read only for your role").is_visible()
    assert auditor.locator("input[name='rules.visible_recipients.warn_at']").is_disabled()
    assert auditor.locator("button:has-text('Review changes')").count() == 0
    token = auditor.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = auditor.request.post(f"{console_server.url}/admin/policy/preview",
                                  form={"csrf_token": token, "rules.visible_recipients.warn_at": "99"})
    assert answer.status == 403


def test_a_client_key_cannot_open_any_page(browser, console_server):
    context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {console_server.client_key}"})
    try:
        page = context.new_page()
        for path in PAGES + ["/admin/log.csv"]:
            response = page.goto(f"{console_server.url}{path}")
            assert response.status == 403, path
            assert "API keys work with the API only" in page.content()
    finally:
        context.close()
