"""The console's Sent-mail scans page in headless Chromium against the real app and
one embedded worker (Huey on SQLite in the instance folder), with the demo's
data: an administrator starts a scan of an mbox export, watches it finish and
reads the flagged message; an auditor sees counts only; IT and API keys are kept out."""

from __future__ import annotations

import random
import threading

import pytest
from incident import sent_mail
from playwright.sync_api import expect
from werkzeug.serving import make_server

from safesend.demo_data import synthetic_roster


@pytest.fixture(scope="module")
def incidents_server(tmp_path_factory):
    from safesend.app import create_app
    from safesend.demo import DEMO_ROSTER_STUDENTS, setup_demo, setup_demo_console
    from safesend.incident import queue

    folder = tmp_path_factory.mktemp("incidents")
    app = create_app({"instance_path": str(folder / "instance"),
                      "database_url": f"sqlite:///{folder / 'safesend.db'}",
                      "secret_key": "incidents-browser-test", "testing": True})
    keys = setup_demo(app)
    accounts = setup_demo_console(app)
    on_504 = [s for s in synthetic_roster(DEMO_ROSTER_STUDENTS).students if "504" in s.flags][:40]
    rng = random.Random(5)
    messages = [sent_mail.ordinary_message(n, rng) for n in range(80)]
    messages.insert(30, sent_mail.seed_message(on_504, "<seed-browser@district.example.org>"))
    exports = folder / "instance" / "exports"
    exports.mkdir()
    sent_mail.write_mbox(exports / "Sent.mbox", messages)
    worker = queue.EmbeddedWorker(app.extensions["safesend"]).start()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "accounts": accounts, "keys": keys}
    server.shutdown()
    worker.stop()
    app.extensions["safesend"].close()
    queue._state.clear()


EMAILS = {"it": "it@district.example.org", "admin": "admin@district.example.org",
          "auditor": "auditor@district.example.org"}


@pytest.fixture
def open_as(browser, incidents_server):
    contexts = []

    def sign_in(role: str):
        context = browser.new_context(viewport={"width": 1440, "height": 900}, timezone_id="UTC")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{incidents_server['url']}/admin/signin")
        page.fill("input[name=email]", EMAILS[role])
        page.fill("input[name=password]", incidents_server["accounts"][EMAILS[role]])
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{incidents_server['url']}/admin/")
        return page

    yield sign_in
    for context in contexts:
        context.close()


def test_start_watch_and_list_then_an_auditor_sees_counts_only(open_as, incidents_server, screenshots):
    admin = open_as("admin")
    admin.click(".sidebar nav a:has-text('Sent-mail scans')")
    admin.wait_for_selector("#scan-start")
    assert "1 worker running" in admin.locator("#scan-start").inner_text()
    admin.select_option("[data-testid=scan-source]", "mbox")
    admin.fill("[data-testid=scan-path]", "Sent.mbox")
    admin.click("[data-testid=scan-submit]")
    admin.wait_for_url("**/admin/scans/*")
    scan_url = admin.url
    # The page reloads itself (Refresh header) until the worker has finished.
    expect(admin.locator("[data-testid=scan-status]")).to_contain_text("finished", timeout=120_000)
    assert admin.locator("[data-testid=scan-scanned]").inner_text() == "81 / 81"
    assert admin.locator("[data-testid=scan-flagged]").inner_text() == "1"
    assert "Sent.mbox" in admin.locator("[data-testid=mailbox-row]").inner_text()
    rows = admin.locator("[data-testid=flagged-row]")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "Blocked" in row or "block" in row.lower()
    assert "40" in row and sent_mail.STAFF[0] in row and "2,000 (1,960)" in row
    admin.screenshot(path=str(screenshots / "console-scans.png"), full_page=True)

    auditor = open_as("auditor")
    auditor.goto(f"{incidents_server['url']}/admin/scans")
    assert auditor.locator("#scan-start").count() == 0
    assert auditor.locator("[data-testid=scan-row]").count() == 1
    auditor.goto(scan_url)
    assert auditor.locator("[data-testid=scan-flagged]").inner_text() == "1"
    assert auditor.locator("[data-testid=flagged-list]").count() == 0
    assert auditor.locator("[data-testid=mailbox-table]").count() == 0
    assert "counts only" in auditor.locator("[data-testid=counts-only]").inner_text()
    assert "seed" not in auditor.content() and sent_mail.STAFF[0] not in auditor.content()


def test_a_bad_path_is_shown_on_the_form(open_as, incidents_server):
    admin = open_as("admin")
    admin.goto(f"{incidents_server['url']}/admin/scans")
    admin.select_option("[data-testid=scan-source]", "mbox")
    admin.fill("[data-testid=scan-path]", "../../../etc")
    admin.click("[data-testid=scan-submit]")
    assert "inside the exports folder" in admin.locator("[data-testid=scan-error]").inner_text()


def test_it_and_api_keys_are_kept_out(open_as, browser, incidents_server):
    it = open_as("it")
    assert "Incidents" not in it.locator(".sidebar nav").inner_text()
    response = it.goto(f"{incidents_server['url']}/admin/scans")
    assert response.status == 403
    context = browser.new_context(extra_http_headers={
        "Authorization": f"Bearer {incidents_server['keys']['client']}"})
    try:
        page = context.new_page()
        assert page.goto(f"{incidents_server['url']}/admin/scans").status == 403
        api = context.request.get(f"{incidents_server['url']}/api/v1/scans")
        assert api.status == 403
    finally:
        context.close()
