"""Issue 16 in headless Chromium against the real app (demo data, temp SQLite): a roster
replacement that asks with before -> after and can be restored; the audit trail's policy
diff, rollback, roster import, review and export; dashboard changes in words; filters kept
after a review; the unsaved-edit warning; Try a message keeping its file; and no page wider
than a 1280 px window. Takes the README's screenshots of these pages."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import admin.test_console_browser as shared

from messages import eml_bytes, parents
from safesend.demo_data import synthetic_roster

# The shared fixtures, with this module's own server (module scope): its changes stay here.
console_server = shared.console_server
open_as = shared.open_as

PAGES = shared.PAGES
WIDTH = 1280


def _wait_for_check(page):
    page.wait_for_function("""() => {
        const form = document.querySelector('form[data-roster-import]');
        const preview = document.querySelector('[data-testid=import-preview]');
        return form && !form.dataset.checking && preview && preview.textContent.includes('will be imported');
    }""")


def test_a_much_smaller_roster_asks_first_and_the_old_one_comes_back(open_as, console_server, screenshots):
    it = open_as("it")
    base = console_server.url
    it.goto(base + "/admin/roster")
    assert it.locator("[data-testid=roster-students]").inner_text() == "1,200"
    ten_rows = synthetic_roster(10, seed=21).csv_text().encode()
    it.set_input_files("input[data-roster-file]", {"name": "ten-rows.csv", "mimeType": "text/csv",
                                                   "buffer": ten_rows})
    _wait_for_check(it)
    samples = it.locator("[data-mapping-table] td.samples").all_inner_texts()
    assert samples[0] == "######## · ########" and "•" in samples[1]        # redacted, two each
    preview = it.locator("[data-testid=import-preview]").inner_text()
    assert "10 students will be imported" in preview and "No rows will be skipped." in preview
    rows = it.locator("[data-testid=before-after] tbody tr").all_inner_texts()
    assert re.sub(r"\s+", " ", rows[0]).strip() == "Students 1,200 → 10"
    assert it.locator("[data-confirm-box]").is_visible()
    assert "1,190 of 1,200 students (99%)" in it.locator("[data-confirm-reasons]").inner_text()
    button = it.locator("[data-import-button]")
    assert button.is_disabled() and button.inner_text() == "Replace the roster"
    assert it.evaluate(LAYOUT_PROBLEMS) == []  # the column choices show their whole names
    it.locator("#roster-import").screenshot(path=str(screenshots / "console-roster-confirm.png"))
    it.check("[data-replace-confirm]")
    button.click()
    result = it.locator("[data-testid=import-result]")
    result.wait_for()
    assert "Imported 10 students" in result.inner_text()
    # The cards follow without a reload: new counts, and the old roster offered back.
    it.wait_for_function("() => document.querySelector('[data-testid=roster-students]').textContent === '10'")
    assert it.locator("[data-testid=roster-guardians]").inner_text() != "0"
    assert "1,200" in it.locator("[data-testid=roster-previous]").inner_text()
    it.goto(base + "/admin/")
    assert "shrank from 1,200 to 10 students" in it.locator("[data-testid=roster-warning]").inner_text()
    it.goto(base + "/admin/roster")
    it.once("dialog", lambda dialog: dialog.accept())
    it.click("[data-restore-button]")
    it.wait_for_url("**done=restored**")
    assert it.locator("[data-testid=roster-students]").inner_text() == "1,200"
    it.goto(base + "/admin/")
    assert it.locator("[data-testid=roster-warning]").count() == 0


def _save_policy_change(it, base: str, warn_at: str) -> int:
    it.goto(base + "/admin/policy")
    it.fill("input[name='rules.visible_recipients.warn_at']", warn_at)
    it.click(".page-actions button:has-text('Review changes')")
    it.click("button:has-text('Save as version')")
    it.wait_for_selector("text=Saved as version")
    return int(it.locator("[data-testid=policy-version]").inner_text().split()[-1])


def test_the_audit_trail_says_what_changed(open_as, console_server, screenshots):
    base = console_server.url
    it = open_as("it")
    changed = _save_policy_change(it, base, "17")
    it.goto(f"{base}/admin/policy/versions/{changed - 1}")
    it.click("button:has-text('Roll back to this version')")
    assert "Roll back to version" in it.locator("input[name=comment]").input_value()
    it.click("button:has-text('Save as version')")
    it.wait_for_selector("text=Saved as version")
    admin = open_as("admin")
    admin.goto(base + "/admin/log?status=unreviewed")
    admin.locator("[data-testid=log-table] tbody tr .row-link").first.click()
    admin.fill("textarea[name=note]", "Parents had agreed to share addresses.")
    admin.click("button:has-text('Mark reviewed')")
    admin.wait_for_selector("text=Marked as reviewed.")
    admin.goto(base + "/admin/log?rule=student_data")
    with admin.expect_download():
        admin.click("a:has-text('Export CSV')")

    auditor = open_as("auditor")
    auditor.goto(base + "/admin/audit")
    auditor.screenshot(path=str(screenshots / "console-audit-trail.png"))
    auditor.select_option("select[name=kind]", "policy")
    auditor.click("button:has-text('Apply')")
    auditor.wait_for_url("**kind=policy**")
    rollback = auditor.locator("[data-testid=audit-rollback]").first.inner_text()
    assert rollback == f"From version {changed} back to version {changed - 1}, saved as version {changed + 1}"
    auditor.locator("[data-testid=audit-diff-link]").first.click()
    auditor.wait_for_url(f"**/policy/versions/{changed}/changes")
    diff = auditor.locator("[data-testid=version-diff]").inner_text()
    assert "Visible recipients › Warn at" in diff and "17" in diff
    for kind, expected in (("roster", "students: 0 → 1,200"),
                           ("override", "Parents had agreed to share addresses."),
                           ("overrides", "rule=student_data")):
        auditor.goto(f"{base}/admin/audit?kind={kind}")
        assert expected in auditor.locator("[data-testid=audit-table]").inner_text(), kind
    auditor.goto(base + "/admin/audit?actor=admin@district")
    total = int(auditor.locator("[data-testid=audit-total]").inner_text())
    with auditor.expect_download() as download:
        auditor.click("[data-testid=audit-csv]")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == total and {r["action"] for r in rows} == {"override.review", "overrides.export"}


def test_dashboard_changes_are_words_when_the_previous_period_is_empty(open_as, console_server):
    admin = open_as("admin")
    admin.goto(console_server.url + "/admin/?weeks=26")       # the demo has 12 weeks: nothing before
    deltas = admin.locator(".tile-delta").all_inner_texts()
    assert deltas == ["new this period"] * 4
    for weeks in (4, 12):
        admin.goto(f"{console_server.url}/admin/?weeks={weeks}")
        for delta in admin.locator(".tile-delta").all_inner_texts():
            assert not re.search(r"\d{4,}%", delta.replace(",", "")), delta


def test_filters_stay_after_a_review_and_a_review_can_be_undone(open_as, console_server):
    admin = open_as("admin")
    admin.goto(console_server.url + "/admin/log?status=unreviewed&rule=visible_recipients")
    first = admin.locator("[data-testid=log-table] tbody tr").first.get_attribute("data-check")
    admin.locator("[data-testid=log-table] tbody tr .row-link").first.click()
    admin.fill("textarea[name=note]", "Checked with the sender.")
    admin.click("button:has-text('Mark reviewed')")
    admin.wait_for_selector("text=Marked as reviewed.")
    entry = admin.url
    assert admin.locator("a[rel=next]").is_visible()                  # older entries in the same list
    admin.click("[data-testid=back-to-log]")
    admin.wait_for_url("**/admin/log?**")
    assert admin.locator("select[name=status]").input_value() == "unreviewed"
    assert admin.locator("select[name=rule]").input_value() == "visible_recipients"
    assert first not in admin.locator("[data-testid=log-table] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.check)")
    admin.goto(entry)
    admin.click("button:has-text('Undo the review')")
    admin.wait_for_selector("text=this entry is open again")
    admin.click("[data-testid=back-to-log]")
    assert admin.locator("[data-testid=log-table] tbody tr").first.get_attribute("data-check") == first


def test_leaving_the_policy_with_unsaved_edits_asks_first(open_as, console_server):
    it = open_as("it")
    it.goto(console_server.url + "/admin/policy")
    assert it.locator("[data-unsaved-note]").is_hidden()
    it.fill("input[name='rules.audience_size.warn_at']", "333")
    assert it.locator("[data-unsaved-note]").is_visible()
    asked = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    it.on("dialog", stay)
    it.click(".sidebar a:has-text('Dashboard')")
    it.wait_for_timeout(300)
    assert asked == ["beforeunload"] and it.url.endswith("/admin/policy")
    assert it.locator("input[name='rules.audience_size.warn_at']").input_value() == "333"
    it.remove_listener("dialog", stay)
    it.click(".page-actions button:has-text('Review changes')")     # submitting is not leaving
    it.wait_for_selector("[data-testid=policy-diff]")
    assert asked == ["beforeunload"]


def test_try_a_message_keeps_and_names_the_file(open_as, console_server, screenshots):
    it = open_as("it")
    it.goto(console_server.url + "/admin/try")
    message = eml_bytes(to=parents(12), subject="Field trip", body="Permission slips by Friday.")
    it.set_input_files("input[name=file]", {"name": "field-trip.eml", "mimeType": "message/rfc822",
                                            "buffer": message})
    it.click("button:has-text('Check this message')")
    it.wait_for_selector("[data-testid=verdict]")
    assert it.locator("[data-testid=verdict-source]").inner_text() == "For the file field-trip.eml"
    assert "12 recipients · 0 attachments" in it.locator(".verdict-meta").inner_text()
    assert it.locator("input[name=file]").evaluate("input => input.files.length") == 1
    versions = it.locator("select[name=version] option").evaluate_all("o => o.map(x => x.value)")
    it.select_option("select[name=version]", versions[-1])
    it.click("button:has-text('Check this message')")
    it.wait_for_function("version => document.querySelector('.verdict-meta').textContent"
                         ".includes(`Policy version ${version} `)", arg=versions[-1])
    assert it.locator("[data-testid=verdict-source]").inner_text() == "For the file field-trip.eml"
    it.evaluate("() => window.scrollTo(0, 0)")
    it.screenshot(path=str(screenshots / "console-try.png"))


def test_roles_and_errors_explain_themselves(open_as, console_server):
    auditor = open_as("auditor")
    response = auditor.goto(console_server.url + "/admin/policy/versions/1/rollback")
    assert response.status == 405
    assert auditor.locator("h1").inner_text() == "Not a page to open"
    assert auditor.locator(".sidebar nav a").count() > 0               # the console's own page
    it = open_as("it")
    response = it.goto(console_server.url + "/admin/log")
    assert response.status == 403
    assert "Only the Administrator and Auditor (read only) roles can." in it.locator("main").inner_text()


LAYOUT_PROBLEMS = """async () => {
  await document.fonts.ready;   // measure with the page's own font, not a fallback
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) problems.push(`page ${doc.scrollWidth} px wide`);
  for (const box of document.querySelectorAll('.table-scroll')) {
    if (box.scrollWidth > box.clientWidth + 1) {
      problems.push(`table cut off: ${box.scrollWidth} > ${box.clientWidth}`);
    }
  }
  const ruler = document.createElement('canvas').getContext('2d');
  for (const select of document.querySelectorAll('select')) {
    if (!select.offsetParent) continue;
    const style = getComputedStyle(select);
    ruler.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = select.options[select.selectedIndex] ? select.options[select.selectedIndex].text : '';
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (ruler.measureText(text).width > room + 1) problems.push(`select ${select.name} clips "${text}"`);
  }
  return problems;
}"""


def test_no_console_page_is_wider_than_a_1280_px_window(open_as, console_server):
    import json
    import urllib.request

    long_sender = "a.very-long.sender.address.for.layout.testing.purposes@washington.district.example.org"
    request = urllib.request.Request(
        f"{console_server.url}/api/v1/checks", method="POST",
        data=json.dumps({"sender": long_sender, "to": parents(14), "subject": "Newsletter",
                         "body": {"text": "News."}, "client": {"app": "outlook"}}).encode(),
        headers={"Authorization": f"Bearer {console_server.client_key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        check_id = json.loads(answer.read())["check_id"]
    extra = {"admin": [f"/admin/log/{check_id}", "/admin/log?status=unreviewed", "/admin/policy/versions/1",
                       "/admin/help/admin-console", "/admin/no-such-page"],
             "it": ["/admin/policy/versions/2/changes", "/admin/log"],
             "auditor": ["/admin/audit?kind=policy", "/admin/policy/versions/1/rollback"]}
    seen = 0
    for role in ("admin", "it", "auditor"):
        page = open_as(role)
        page.set_viewport_size({"width": WIDTH, "height": 900})
        for path in PAGES + extra[role]:
            page.goto(console_server.url + path)
            assert page.evaluate(LAYOUT_PROBLEMS) == [], (role, path)
            seen += 1
    assert seen == 3 * len(PAGES) + 9


def test_screenshots_of_the_changed_pages(open_as, console_server, screenshots):
    admin = open_as("admin")
    admin.set_viewport_size({"width": WIDTH, "height": 900})
    admin.goto(console_server.url + "/admin/log?status=unreviewed")
    admin.locator("[data-testid=log-table] tbody tr .row-link").first.click()
    admin.wait_for_selector("[data-testid=back-to-log]")
    admin.screenshot(path=str(screenshots / "console-log-entry.png"))
    it = open_as("it")
    it.set_viewport_size({"width": WIDTH, "height": 900})
    it.goto(console_server.url + "/admin/policy#s-detection")
    it.screenshot(path=str(screenshots / "console-policy-patterns.png"))
    for name in ("console-log-entry.png", "console-policy-patterns.png"):
        assert (screenshots / name).stat().st_size > 20_000
