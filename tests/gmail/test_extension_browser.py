"""The extension's content logic in headless Chromium: a page standing in for
InboxSDK's compose view, the real service on 127.0.0.1 (SQLite, a real HTTP
server in a thread), and a Google ID token signed by our test keys."""

from __future__ import annotations

import base64
import json
import os
import shutil
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from corpus.documents import unlisted_plan_table
from corpus.images import screenshot_png, signature_logo_png
from corpus.people import make_roster
from gmail.extension_build import HARNESS, ensure_built
from gmail.google_fakes import DOMAIN, EXTENSION_CLIENT, TEACHER, CertsServer, SigningKey, user_token
from werkzeug.serving import make_server

from messages import parents

PAGE_DIR = Path(__file__).parent / "page"
DOCS = Path(__file__).resolve().parents[2] / "docs"
CHROMIUM = os.environ.get("SAFESEND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class PageFiles(SimpleHTTPRequestHandler):
    """The test page and its files, plus the built harness at /harness.js."""

    def translate_path(self, path):
        if path.split("?")[0] == "/harness.js":
            return str(HARNESS)
        return super().translate_path(path)

    def log_message(self, *args):
        pass


class Switchable:
    """The service, behind a switch the tests flip: slow or down."""

    def __init__(self, app):
        self.app, self.delay, self.down = app, 0.0, False

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/api/v1/checks" and environ["REQUEST_METHOD"] == "POST":
            if self.delay:
                time.sleep(self.delay)
            if self.down:
                start_response("503 Service Unavailable", [("Content-Type", "application/json")])
                return [b'{"error": {"code": "unavailable", "message": "down for maintenance"}}']
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    ensure_built()
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from safesend.app import create_app
    from safesend.store.apikeys import create_key
    from safesend.store.db import transaction
    from safesend.store.tenants import ensure_tenant

    pages = ThreadingHTTPServer(("127.0.0.1", 0), partial(PageFiles, directory=str(PAGE_DIR)))
    page_origin = f"http://127.0.0.1:{pages.server_address[1]}"
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    key = SigningKey("browser-test-key")
    certs = CertsServer()
    certs.publish(key)
    tmp = tmp_path_factory.mktemp("gmail-browser")
    app = create_app({"instance_path": str(tmp), "database_url": f"sqlite:///{tmp / 'safesend.db'}",
                      "secret_key": "browser-test", "testing": True, "cors_origins": page_origin,
                      "google_client_ids": EXTENSION_CLIENT, "google_domains": DOMAIN,
                      "google_certs_url": certs.url})
    with transaction(app.extensions["safesend"].sessions) as session:
        ensure_tenant(session, "default")
        keys = {role: create_key(session, "default", role).key for role in ("it", "admin")}
    switch = Switchable(app)
    server = make_server("127.0.0.1", 0, switch, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield {"app": app, "switch": switch, "browser": browser, "page_origin": page_origin,
               "service_url": f"http://127.0.0.1:{server.server_port}", "key": key, "keys": keys}
        browser.close()
    server.shutdown()
    pages.shutdown()
    certs.close()
    app.extensions["safesend"].close()


def api(stack, method, path, role="admin", **kwargs):
    client = stack["app"].test_client()
    return getattr(client, method)(path, headers={"Authorization": f"Bearer {stack['keys'][role]}"}, **kwargs)


@pytest.fixture
def policy(stack):
    """Set the district policy for one test; the service is fast and up again afterwards."""
    def apply(**clients):
        document = {"clients": {"fail_mode": "open", "timeout_seconds": 4, **clients}}
        assert api(stack, "put", "/api/v1/policy", role="it", json=document).status_code == 200

    apply()
    yield apply
    stack["switch"].delay, stack["switch"].down = 0.0, False


@pytest.fixture
def gmail(stack, policy):
    context = stack["browser"].new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10000)
    page.on("pageerror", lambda error: pytest.fail(f"page error: {error}"))

    def open_compose(settings=None, service_url=None, **draft):
        page.goto(stack["page_origin"] + "/compose.html")
        draft = {"from": {"emailAddress": TEACHER, "name": "Ms. Rivera"}, **draft}
        page.evaluate("draft => composeView.load(draft)", draft)
        page.evaluate("""([serviceUrl, token, settings]) => {
            window.safesend = SafeSendHarness.start({ sdk: FakeInboxSDK, serviceUrl, token, settings });
            return window.safesend.ready; }""",
                      [service_url or stack["service_url"], user_token(stack["key"]), settings or {}])
        return page

    yield open_compose
    context.close()


def dialog(page):
    return page.locator("#safesend-dialog .dialog")


def press(page, label):
    """Click a button of the SafeSend dialog (not Gmail's own Send behind it)."""
    dialog(page).get_by_role("button", name=label, exact=True).click()


def sent(page):
    return page.evaluate("composeView.sent")


def wait_until(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_a_safe_message_is_sent_without_a_dialog(gmail):
    page = gmail(to=["parent1@gmail.com", "colleague@district.example.org"], subject="Field trip",
                 html="See you Friday.")
    page.click("#send")
    assert wait_until(lambda: len(sent(page)) == 1)
    assert dialog(page).count() == 0


def test_warning_holds_send_and_move_to_bcc_fixes_the_recipients(gmail):
    page = gmail(to=parents(12), subject="Field trip", html="See you Friday.")
    page.click("#send")
    dialog(page).wait_for()
    assert sent(page) == []
    assert "12 recipients outside" in dialog(page).inner_text()
    press(page, "Move everyone to Bcc")
    page.locator("h2:has-text('Ready to send')").wait_for()
    recipients = page.evaluate("({to: composeView.getToRecipients(), bcc: composeView.getBccRecipients()})")
    assert [c["emailAddress"] for c in recipients["to"]] == [TEACHER]
    assert [c["emailAddress"] for c in recipients["bcc"]] == parents(12)
    press(page, "Send")
    assert wait_until(lambda: len(sent(page)) == 1)
    assert sent(page)[0]["bcc"] == parents(12) and sent(page)[0]["to"] == [TEACHER]
    assert dialog(page).count() == 0


def test_send_anyway_on_a_warning_sends_and_is_recorded(stack, gmail):
    page = gmail(to=parents(11, start=100), subject="Bake sale", html="Thanks!")
    page.click("#send")
    dialog(page).wait_for()
    press(page, "Send anyway")
    assert wait_until(lambda: len(sent(page)) == 1)
    overrides = api(stack, "get", "/api/v1/overrides").get_json()["items"]
    assert any(o["action"] == "warn" and o["actor"] == TEACHER and o["client"] == "gmail-extension"
               for o in overrides)


def test_a_justification_is_stored_before_the_message_goes(stack, gmail, tmp_path):
    page = gmail(to=parents(12, start=200), subject="504 plan meetings next week",
                 html="Dear families, our 504 plan meetings are next week.")
    stored_at_send = []
    page.expose_function("onMessageSent", lambda record: stored_at_send.append(
        [o["justification"] for o in api(stack, "get", "/api/v1/overrides").get_json()["items"]]))
    page.click("#send")
    dialog(page).wait_for()
    text = dialog(page).inner_text()
    assert "needs a fix or a reason" in text and "Send anyway" not in text
    press(page, "Send with this reason")
    page.locator(".status.error:has-text('at least 10 characters')").wait_for()
    page.fill("#safesend-reason", "These families asked to meet as a group")
    _screenshot(page, tmp_path)
    press(page, "Send with this reason")
    assert wait_until(lambda: len(sent(page)) == 1)
    assert wait_until(lambda: stored_at_send)
    assert "These families asked to meet as a group" in stored_at_send[0]


def test_a_blocked_message_offers_only_the_fix(stack, gmail, policy):
    document = {"rules": {"visible_recipients": {"warn_at": 10, "sensitive_action": "block"}},
                "clients": {"fail_mode": "open"}}
    assert api(stack, "put", "/api/v1/policy", role="it", json=document).status_code == 200
    page = gmail(to=parents(15, start=300), subject="IEP meeting schedule", html="Hello")
    page.click("#send")
    dialog(page).wait_for()
    buttons = dialog(page).locator("button").all_inner_texts()
    assert "Send anyway" not in buttons and "Send with this reason" not in buttons
    assert "Back to editing" in buttons and "Move everyone to Bcc" in buttons
    press(page, "Back to editing")
    assert wait_until(lambda: dialog(page).count() == 0)
    assert sent(page) == []


def test_attachments_are_read_and_one_nobody_can_read_can_be_removed(stack, gmail):
    bodies = []
    page = gmail(to=["parent1@gmail.com"], subject="Supply list", html="Attached.",
                 attachments=[{"name": "supply-list.csv", "size": "1K", "href": "/files/supply-list.csv"},
                              {"name": "scan.pdf", "size": "30 MB"}])
    page.on("request", lambda r: bodies.append(r.post_data_json)
            if r.url.endswith("/api/v1/checks") and r.method == "POST" else None)
    page.click("#send")
    dialog(page).wait_for()
    first = bodies[0]["attachments"]
    assert base64.b64decode(first[0]["content_base64"]) == (PAGE_DIR / "files/supply-list.csv").read_bytes()
    assert first[1]["content_base64"] is None and first[1]["size"] == 30 * 1024 * 1024
    assert "could not check" in dialog(page).inner_text()
    press(page, "Remove scan.pdf")
    page.locator("h2:has-text('Ready to send')").wait_for()
    assert [a["name"] for a in bodies[-1]["attachments"]] == ["supply-list.csv"]
    press(page, "Send")
    assert wait_until(lambda: len(sent(page)) == 1)
    assert sent(page)[0]["attachments"] == ["supply-list.csv"]


def check_bodies(page) -> list[dict]:
    """The check requests the page sends from now on."""
    bodies = []
    page.on("request", lambda r: bodies.append(r.post_data_json)
            if r.url.endswith("/api/v1/checks") and r.method == "POST" else None)
    return bodies


@pytest.fixture(scope="module")
def student_screenshot() -> bytes:
    """A screenshot of 12 students not in any roster, with a 504 Plan column (the corpus's document)."""
    return screenshot_png(unlisted_plan_table(make_roster()))


@pytest.mark.usefixtures("ocr_engine")
def test_a_screenshot_pasted_into_the_body_is_found_and_removed(stack, gmail, student_screenshot):
    """Issue 11: Gmail shows an uploaded inline picture from its own origin. The picture is
    read with the user's session; the signature's remote logo on another origin is not."""
    inline = "/mail/u/0/?ui=2&attid=0.1&disp=emb&view=fimg"
    html = (f"<div>Here is the list from the summer program:</div><div><img src='{inline}' width='600'></div>"
            "<div>-- <br>Ms. Rivera<br><img src='http://127.0.0.1:9/school-logo.png' alt=''></div>")
    page = gmail(to=parents(3, start=500), subject="Incoming students", html=html)
    page.route(stack["page_origin"] + "/mail/u/0/**", lambda route: route.fulfill(
        status=200, content_type="image/png", body=student_screenshot))
    bodies = check_bodies(page)
    page.click("#send")
    dialog(page).wait_for(timeout=20000)
    sent_pictures = bodies[0]["attachments"]
    assert [(a["name"], a["content_type"], a["inline"]) for a in sent_pictures] == [
        ("pasted image 1.png", "image/png", True)]
    assert base64.b64decode(sent_pictures[0]["content_base64"]) == student_screenshot
    text = dialog(page).inner_text()
    assert "12 students" in text and sent(page) == []
    press(page, "Remove pasted image 1.png")
    page.locator("h2:has-text('Ready to send')").wait_for(timeout=20000)
    assert page.locator("#body img").count() == 1  # the signature's logo stays
    assert bodies[-1]["attachments"] == []
    press(page, "Send")
    assert wait_until(lambda: len(sent(page)) == 1)


@pytest.mark.usefixtures("ocr_engine")
def test_a_screenshot_still_being_pasted_is_read_from_its_data_url(gmail, student_screenshot):
    data = "data:image/png;base64," + base64.b64encode(student_screenshot).decode()
    logo = "data:image/png;base64," + base64.b64encode(signature_logo_png()).decode()
    page = gmail(to=parents(3, start=600), subject="Incoming students",
                 html=f"<div>See below</div><img src='{data}'><div>-- <br><img src='{logo}'></div>")
    bodies = check_bodies(page)
    page.click("#send")
    dialog(page).wait_for(timeout=20000)
    assert [a["name"] for a in bodies[0]["attachments"]] == ["pasted image 1.png", "pasted image 2.png"]
    assert "12 students" in dialog(page).inner_text()
    assert "pasted image 2.png" not in dialog(page).inner_text()  # the logo is not a finding


def test_fail_open_sends_with_a_visible_notice(stack, gmail, policy):
    policy(fail_mode="open", timeout_seconds=1)
    page = gmail(to=parents(12, start=400), subject="Reminder", html="Hello")
    stack["switch"].delay = 2.5
    page.click("#send")
    page.locator("#safesend-notice .snackbar").wait_for(timeout=8000)
    assert "Sent without a SafeSend check" in page.locator("#safesend-notice .snackbar").inner_text()
    assert "did not answer within 1 seconds" in page.locator("#safesend-notice .snackbar").inner_text()
    assert len(sent(page)) == 1


def test_fail_closed_holds_the_message_until_the_service_answers(stack, gmail, policy):
    policy(fail_mode="closed", timeout_seconds=2)
    page = gmail(to=["parent1@gmail.com"], subject="Reminder", html="Hello",
                 settings={"supportContact": "the IT help desk"})
    stack["switch"].down = True
    page.click("#send")
    dialog(page).wait_for()
    text = dialog(page).inner_text()
    assert "could not check this message" in text and "has not been sent" in text
    assert "the IT help desk" in text and sent(page) == []
    stack["switch"].down = False
    press(page, "Try again")
    assert wait_until(lambda: len(sent(page)) == 1)


def test_before_the_service_ever_answered_the_admin_fail_mode_applies(gmail):
    page = gmail(to=["parent1@gmail.com"], subject="Hi", html="Hello", service_url="http://127.0.0.1:9",
                 settings={"failMode": "closed"})
    page.click("#send")
    dialog(page).wait_for()
    assert "could not be reached" in dialog(page).inner_text()
    assert sent(page) == []


def _screenshot(page, tmp_path):
    """The confirm dialog, for docs/gmail-dialog.png (copied there when SAFESEND_UPDATE_SCREENSHOTS=1)."""
    page.locator("#safesend-reason").blur()
    shot = tmp_path / "gmail-dialog.png"
    page.screenshot(path=str(shot))
    if os.environ.get("SAFESEND_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS / "gmail-dialog.png")
    assert json.dumps(shot.stat().st_size)
