"""End to end in headless Chromium: the real add-in pages and scripts served
by the real service, a simulated Office (fake_office.js served in place of
office.js), and the real API answering over HTTP."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

import pytest
from corpus.documents import unlisted_plan_table
from corpus.formats_more import inline_image, pasted_from_excel
from corpus.images import signature_logo_png
from corpus.people import make_roster

from messages import TEACHER, parents
from safesend.addin import COMMAND_ID

HERE = Path(__file__).parent
FAKE_OFFICE = (HERE / "fake_office.js").read_text()
OFFICE_JS = "https://appsforoffice.microsoft.com/**"
MEETING = {"subject": "504 plan meetings next week",
           "body": "Dear families, your child's 504 plan meeting is next Tuesday. Reply with a time."}
STUDENT_CSV = "\n".join(["Student ID,Student name,Grade,Plan"] + [
    f"{20230000 + i * 37},Student {i},5,504 plan" for i in range(1, 13)]).encode()

pytestmark = pytest.mark.usefixtures("browser")


def recipients(addresses):
    return [{"emailAddress": a, "displayName": a.split("@")[0].title()} for a in addresses]


def csv_attachment():
    return {"id": "att-1", "name": "504-meeting-schedule.csv", "contentType": "text/csv",
            "size": len(STUDENT_CSV), "attachmentType": "file", "isInline": False,
            "contentBase64": base64.b64encode(STUDENT_CSV).decode()}


def cloud_attachment():
    return {"id": "att-2", "name": "Meeting sign-up.docx", "contentType": "application/msword",
            "size": 48_000, "attachmentType": "cloud", "isInline": False}


def inline_picture(attachment_id: str, data: bytes, name: str = "image.png") -> dict:
    """A picture pasted into the body: Outlook lists it with isInline and
    names every pasted picture image.png."""
    return {"id": attachment_id, "name": name, "contentType": "image/png", "size": len(data),
            "attachmentType": "file", "isInline": True, "contentBase64": base64.b64encode(data).decode()}


@pytest.fixture(scope="module")
def incoming_students():
    """12 students not in any roster, in a table with a 504 Plan column (the corpus's document)."""
    return unlisted_plan_table(make_roster())


class Outlook:
    """One compose window. The item's state is carried from page to page, as
    Outlook keeps it between the event runtime and the task pane."""

    def __init__(self, browser, service, item, command_ids, mailbox_version="1.15", width=340):
        self.service = service
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.seed = {"user": {"emailAddress": TEACHER, "displayName": "Ms. Teacher"},
                     "mailboxVersion": mailbox_version, "commandIds": command_ids,
                     "item": {"to": [], "cc": [], "bcc": [], "attachments": [], **MEETING, **item}}
        self.page.route(OFFICE_JS, self._office_js)

    def _office_js(self, route):
        install = (f"window.__outlook = FakeOutlook.createFakeOffice({json.dumps(self.seed)});"
                   "window.Office = window.__outlook.Office;")
        route.fulfill(status=200, content_type="text/javascript", body=FAKE_OFFICE + "\n" + install)

    def state(self) -> dict:
        return self.page.evaluate("() => JSON.parse(JSON.stringify(window.__outlook.state))")

    def _keep(self) -> dict:
        state = self.state()
        self.seed = {**self.seed, "item": state["item"]}
        return state

    def _leave(self):
        """Keep what the current page did to the item before loading another one."""
        if self.page.url.startswith(self.service.url) and self.page.evaluate("() => !!window.__outlook"):
            self._keep()

    def send(self) -> dict:
        """Select Send: run the handler in the event runtime page; return event.completed."""
        self._leave()
        self.page.goto(f"{self.service.url}/addin/outlook/commands.html")
        completed = self.page.evaluate("() => window.__outlook.fireSend()")
        state = self._keep()
        assert state["violations"] == [], state["violations"]
        assert not self.errors, self.errors
        return completed

    def open_pane(self):
        self._leave()
        self.page.goto(f"{self.service.url}/addin/outlook/taskpane.html")
        self.wait_for_verdict()
        return self.page

    def wait_for_verdict(self, not_action="pending"):
        self.page.wait_for_function(
            f"() => document.getElementById('verdict').dataset.action !== '{not_action}'"
            " && !document.getElementById('recheck').disabled", timeout=10_000)

    def item(self) -> dict:
        return self._keep()["item"]

    def close(self):
        self.context.close()


def served_control_ids(service) -> list[str]:
    """The task pane control ids of the manifest the service serves."""
    with urllib.request.urlopen(f"{service.url}/addin/manifest.xml", timeout=5) as response:
        root = ElementTree.fromstring(response.read())
    return [c.get("id") for c in root.iter("{http://schemas.microsoft.com/office/mailappversionoverrides/1.1}Control")]


@pytest.fixture
def outlook(browser, live_service):
    windows = []
    command_ids = served_control_ids(live_service)
    assert command_ids == [COMMAND_ID]

    def open_window(item, **kwargs):
        window = Outlook(browser, live_service, item, command_ids, **kwargs)
        windows.append(window)
        return window

    yield open_window
    for window in windows:
        window.close()
    live_service.slow.delay_seconds = 0


def api_get(service, path: str, role: str = "admin") -> dict:
    """GET from the running service over HTTP, as a reviewer would."""
    request = urllib.request.Request(service.url + path, headers=service.headers(role))
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def checks_of(service) -> list[dict]:
    return api_get(service, "/api/v1/checks?limit=200")["items"]


def test_forty_parents_in_to_about_a_504_meeting_must_be_reviewed(outlook, live_service):
    window = outlook({"to": recipients(parents(40))})
    completed = window.send()
    options = completed["options"]
    assert options["allowEvent"] is False
    assert options["commandId"] == COMMAND_ID
    assert options["cancelLabel"] == "Review and fix"
    context = json.loads(options["contextData"])
    assert context["action"] == "confirm"
    assert "40 recipients outside" in options["errorMessage"]
    assert options["errorMessageMarkdown"].startswith("**SafeSend needs a reason")
    assert "sendModeOverride" not in options
    recorded = {c["id"]: c for c in checks_of(live_service)}[context["check_id"]]
    assert recorded["client"] == "outlook" and recorded["to"] == 40 and recorded["action"] == "confirm"


def test_the_same_families_in_bcc_are_allowed(outlook):
    completed = outlook({"to": recipients([TEACHER]), "bcc": recipients(parents(40))}).send()
    assert completed["options"] == {"allowEvent": True}


def test_twelve_parents_in_to_get_a_warning_with_send_anyway(outlook):
    window = outlook({"to": recipients(parents(12)), "subject": "Field trip", "body": "See you Friday."})
    options = window.send()["options"]
    assert options["allowEvent"] is False
    assert options["sendModeOverride"] == "promptUser"
    assert options["errorMessage"].startswith("SafeSend warning: 12 recipients")


def test_an_older_client_gets_only_the_options_it_knows(outlook):
    options = outlook({"to": recipients(parents(40))}, mailbox_version="1.12").send()["options"]
    assert sorted(options) == ["allowEvent", "errorMessage"]
    assert options["allowEvent"] is False


def test_service_down_fails_open_with_a_notice(outlook):
    window = outlook({"to": recipients(parents(40))})
    window.page.route("**/api/v1/**", lambda route: route.abort("connectionrefused"))
    options = window.send()["options"]
    assert options["allowEvent"] is False and options["sendModeOverride"] == "promptUser"
    assert "cannot be reached" in options["errorMessage"] and "Send Anyway" in options["errorMessage"]


def test_service_down_fails_closed_when_the_district_says_so(outlook, live_service):
    live_service.set_policy({"clients": {"fail_mode": "closed"}})
    try:
        window = outlook({"to": recipients(parents(3))})
        window.page.route("**/api/v1/**", lambda route: route.abort("connectionrefused"))
        options = window.send()["options"]
    finally:
        live_service.set_policy({})
    assert options["allowEvent"] is False and "sendModeOverride" not in options
    assert "holds messages until they are checked" in options["errorMessage"]


def test_a_slow_service_gets_the_fail_mode_within_the_time_limit(outlook, live_service):
    live_service.set_policy({"clients": {"fail_mode": "closed", "timeout_seconds": 1}})
    before = len(checks_of(live_service))
    live_service.slow.delay_seconds = 3
    try:
        completed = outlook({"to": recipients(parents(40))}).send()
    finally:
        live_service.slow.delay_seconds = 0
        live_service.set_policy({})
    assert completed["options"]["allowEvent"] is False
    assert "did not answer in time" in completed["options"]["errorMessage"]
    assert completed["ms"] < 2500, completed["ms"]
    # The service still answers (and records) the abandoned check after its delay: wait for
    # it, so a later test counting checks does not see it arrive in the middle.
    deadline = time.monotonic() + 20
    while len(checks_of(live_service)) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(checks_of(live_service)) == before + 1


def test_review_pane_records_a_justified_override_and_the_next_send_goes(outlook, live_service, screenshots):
    window = outlook({"to": recipients(parents(40)), "attachments": [cloud_attachment()]})
    check_id = json.loads(window.send()["options"]["contextData"])["check_id"]
    page = window.open_pane()
    assert page.locator("h1").inner_text() == "A fix or a reason is needed"
    findings = page.locator("#findings > li")
    assert findings.count() == 2
    first = findings.nth(0).inner_text()
    assert "40 recipients outside" in first and "p***@" in first and "parent1@" not in first
    assert "Meeting sign-up.docx" in findings.nth(1).inner_text()
    assert page.get_by_role("button", name="Move everyone to Bcc").is_visible()
    assert page.get_by_role("button", name="Remove attachment Meeting sign-up.docx").is_visible()
    assert page.evaluate("document.activeElement.id") == "verdict-heading"
    page.screenshot(path=str(screenshots / "outlook-taskpane.png"), full_page=True)

    reason = page.get_by_label("Why must this message go to these recipients as it is?")
    reason.fill("too short")
    page.get_by_role("button", name="Record reason and allow sending").click()
    assert "at least 10 characters" in page.locator("#justification-error").inner_text()
    assert reason.get_attribute("aria-invalid") == "true"

    justification = "Families asked for a shared thread to agree on one meeting time."
    reason.fill(justification)
    page.get_by_role("button", name="Record reason and allow sending").click()
    page.wait_for_function("() => document.getElementById('override').hidden")
    assert "Your reason is recorded" in page.locator("#status").inner_text()

    overrides = api_get(live_service, "/api/v1/overrides")["items"]
    stored = {o["check_id"]: o for o in overrides}[check_id]
    assert stored["justification"] == justification and stored["actor"] == TEACHER

    before = len(checks_of(live_service))
    assert window.send()["options"] == {"allowEvent": True}
    assert len(checks_of(live_service)) == before, "an unchanged, justified message is not checked again"


TOMORROW_MS = 1_796_371_200_000   # 2026-12-04 08:00 UTC, as Office's Date.getTime()
DELAYED = {
    "confirm": {"to": recipients(parents(40))},
    "block": {"to": recipients([TEACHER, *parents(250)]), "cc": recipients(parents(5, start=300)),
              "attachments": [csv_attachment()]},
    "allow": {"to": recipients([TEACHER]), "bcc": recipients(parents(40))},
}


@pytest.mark.parametrize("action", ["confirm", "block", "allow"])
def test_delay_delivery_still_goes_through_the_send_check(outlook, live_service, action):
    """Delay Delivery / Send later (item.delayDeliveryTime, Mailbox 1.13) still starts
    with Send: the same check holds or lets the message go, and its delivery time stays."""
    window = outlook({**DELAYED[action], "delayDeliveryTime": TOMORROW_MS})
    completed = window.send()
    allowed = action == "allow"
    assert completed["options"]["allowEvent"] is allowed
    assert completed["deliverAt"] == (TOMORROW_MS if allowed else None)
    state = window.state()
    assert state["item"]["delayDeliveryTime"] == TOMORROW_MS
    assert not [c for c in state["calls"] if c["api"].startswith("delayDeliveryTime")]
    # The check is recorded: named by the held event's context, or by the allowed one's stamp.
    check_id = (state["item"]["internetHeaders"]["X-SafeSend"].split()[1] if allowed
                else json.loads(completed["options"]["contextData"])["check_id"])
    recorded = {c["id"]: c for c in checks_of(live_service)}[check_id]
    assert recorded["action"] == action and recorded["client"] == "outlook"


def test_the_student_list_is_blocked_then_fixed_in_two_clicks(outlook):
    # 256 people: after the fixes, only the large-audience warning is left.
    window = outlook({"to": recipients([TEACHER, *parents(250)]), "cc": recipients(parents(5, start=300)),
                      "attachments": [csv_attachment()]})
    options = window.send()["options"]
    assert json.loads(options["contextData"])["action"] == "block"
    page = window.open_pane()
    assert page.locator("h1").inner_text() == "Fix this message before sending"
    assert page.locator("#override").is_hidden()
    assert page.locator("#blocked-note").is_visible()

    page.get_by_role("button", name="Remove attachment 504-meeting-schedule.csv").click()
    window.wait_for_verdict(not_action="block")
    assert window.item()["attachments"] == []
    assert page.locator("#verdict").get_attribute("data-action") == "confirm"

    page.get_by_role("button", name="Move everyone to Bcc").click()
    window.wait_for_verdict(not_action="confirm")
    assert page.locator("#verdict").get_attribute("data-action") == "warn"
    assert "This message goes to 256 people" in page.locator("#findings").inner_text()
    assert "Moved 255 recipients to Bcc" in page.locator("#status").inner_text()
    item = window.item()
    assert [r["emailAddress"] for r in item["to"]] == [TEACHER]
    assert item["cc"] == [] and len(item["bcc"]) == 255
    adds = [c["count"] for c in window.state()["calls"] if c["api"] == "bcc.addAsync"]
    assert adds == [100, 100, 55]
    assert window.send()["options"]["sendModeOverride"] == "promptUser"


def test_move_to_bcc_says_when_bcc_would_be_too_full(outlook):
    window = outlook({"to": recipients(parents(450)), "bcc": recipients(parents(100, start=1000))})
    window.send()
    page = window.open_pane()
    page.get_by_role("button", name="Move everyone to Bcc").click()
    page.wait_for_function("() => document.getElementById('status').classList.contains('problem')")
    assert "550 recipients" in page.locator("#status").inner_text()
    item = window.item()
    assert len(item["to"]) == 450 and len(item["bcc"]) == 100


def test_the_pane_is_accessible_and_fits_a_narrow_pane(outlook):
    window = outlook({"to": recipients(parents(40)), "attachments": [cloud_attachment()]}, width=320)
    window.send()
    page = window.open_pane()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    unnamed = page.evaluate("""() => [...document.querySelectorAll('button, textarea')]
        .filter(el => !el.hidden && !(el.labels && el.labels.length) && !el.textContent.trim()
                && !el.getAttribute('aria-label')).length""")
    assert unnamed == 0
    # The keyboard reaches every control, in order, starting from the verdict.
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(FOCUSED))
    assert reached[:4] == ["Move everyone to Bcc", "Remove attachment Meeting sign-up.docx", "justification",
                           "override-submit"]
    low = page.evaluate(CONTRAST_CHECK)
    assert low == [], f"text below WCAG AA contrast: {low}"


def check_requests(window) -> list[dict]:
    """Record the check requests the page sends from now on."""
    sent = []
    window.page.on("request", lambda r: sent.append(r.post_data_json)
                   if r.url.endswith("/api/v1/checks") and r.method == "POST" else None)
    return sent


def test_a_student_table_in_the_html_body_is_found_when_the_text_is_a_stub(outlook, incoming_students):
    """Issue 11: the table pasted from Excel is only in the HTML part; the text part is one line."""
    rendered = pasted_from_excel(incoming_students)
    window = outlook({"to": recipients(parents(3)), "subject": "Incoming students",
                      "body": rendered.body_text, "html": rendered.body_html})
    requests = check_requests(window)
    options = window.send()["options"]
    assert json.loads(options["contextData"])["action"] == "block"
    assert "12 students" in options["errorMessage"]
    assert requests[0]["body"] == {"text": rendered.body_text, "html": rendered.body_html}
    assert {c["coercion"] for c in window.state()["calls"] if c["api"] == "body.getAsync"} == {"text", "html"}


@pytest.mark.usefixtures("ocr_engine")
def test_a_screenshot_pasted_into_the_body_is_found_and_removed_in_one_click(outlook, live_service,
                                                                           incoming_students):
    """The signature's logo and the pasted screenshot are both "image.png" in Outlook:
    the finding and its Remove button name the screenshot alone, and the logo stays."""
    rendered = inline_image(incoming_students)
    shot = {name: data for name, _, data in rendered.attachments}["image001.png"]
    live_service.set_policy({"clients": {"timeout_seconds": 15}, "limits": {"time_budget_seconds": 15}})
    try:
        window = outlook({"to": recipients(parents(3)), "subject": "Incoming students",
                          "body": rendered.body_text, "html": rendered.body_html,
                          "attachments": [inline_picture("logo-1", signature_logo_png()),
                                          inline_picture("shot-1", shot)]})
        requests = check_requests(window)
        options = window.send()["options"]
        assert json.loads(options["contextData"])["action"] == "block"
        sent = requests[0]["attachments"]
        assert [(a["name"], a.get("inline")) for a in sent] == [("image.png", True), ("image (2).png", True)]
        assert base64.b64decode(sent[1]["content_base64"]) == shot
        page = window.open_pane()
        findings = page.locator("#findings").inner_text()
        assert "12 students" in findings and "image (2).png" in findings
        page.get_by_role("button", name="Remove the picture image (2).png from the body").click()
        window.wait_for_verdict(not_action="block")
        assert [a["id"] for a in window.item()["attachments"]] == ["logo-1"]
        assert page.locator("#verdict").get_attribute("data-action") == "allow"
    finally:
        live_service.set_policy({})


def test_a_signature_logo_pasted_inline_is_sent_and_finds_nothing(outlook):
    logo = signature_logo_png()
    html = "<p>See you Friday.</p><p>-- <br>Ms. Rivera<br><img src='cid:image001.png@01DB'></p>"
    window = outlook({"to": recipients(parents(3)), "subject": "Field trip", "body": "See you Friday.",
                      "html": html, "attachments": [inline_picture("logo-1", logo)]})
    requests = check_requests(window)
    assert window.send()["options"] == {"allowEvent": True}
    sent = requests[0]["attachments"]
    assert [(a["name"], a["inline"], base64.b64decode(a["content_base64"])) for a in sent] == [
        ("image.png", True, logo)]


def test_changing_the_html_body_after_an_override_checks_again(outlook, live_service, incoming_students):
    rendered = pasted_from_excel(incoming_students)
    window = outlook({"to": recipients(parents(40))})
    window.send()
    page = window.open_pane()
    page.get_by_label("Why must this message go to these recipients as it is?").fill(
        "Families asked for a shared thread to agree on one meeting time.")
    page.get_by_role("button", name="Record reason and allow sending").click()
    page.wait_for_function("() => document.getElementById('override').hidden")
    # A table pasted after the reason was given: the text part is unchanged.
    page.evaluate("html => { window.__outlook.state.item.html = html; }", rendered.body_html)
    before = len(checks_of(live_service))
    options = window.send()["options"]
    assert options["allowEvent"] is False and json.loads(options["contextData"])["action"] == "block"
    assert len(checks_of(live_service)) == before + 1


FOCUSED = "document.activeElement.id || document.activeElement.textContent.trim()"

# Text colour against the first opaque background behind it; AA needs 4.5:1.
CONTRAST_CHECK = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  const low = [];
  document.querySelectorAll('h1, h2, p, span, dt, dd, li, label, button').forEach((el) => {
    if (!el.offsetParent || !el.textContent.trim()) return;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + ' ' + el.textContent.trim().slice(0, 30) + ' ' + ratio.toFixed(2));
  });
  return low;
}"""
