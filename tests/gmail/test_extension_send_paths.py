"""Every way Gmail sends is checked (issue 14): Schedule send, Ctrl+Enter, Send and archive.

InboxSDK 2.2.26 reports Ctrl/Cmd+Enter and Send and archive as `presending`,
and the opening of the Schedule send menu as the cancellable
`scheduleSendMenuOpening` (Gmail fires no `presending` for a scheduled
message). The stand-in page raises the same events for the same actions.
"""

from __future__ import annotations

import gmail.test_extension_browser as browser_tests
from gmail.test_extension_browser import api, dialog, press, sent, wait_until

from messages import parents

# The browser, the service and the stand-in Gmail page of the extension's own browser tests.
stack, policy, gmail = browser_tests.stack, browser_tests.policy, browser_tests.gmail


def scheduled(page):
    return page.evaluate("composeView.scheduled")


def menu_open(page) -> bool:
    return page.evaluate("!document.getElementById('schedule-menu').hidden")


def test_schedule_send_of_a_risky_message_is_held_until_the_reason_is_given(stack, gmail):  # noqa: F811  (fixtures imported above)
    page = gmail(to=parents(12, start=300), subject="504 plan meetings next week",
                 html="Dear families, our 504 plan meetings are next week.")
    page.click("#schedule-send")
    dialog(page).wait_for()
    assert not menu_open(page) and scheduled(page) == [] and sent(page) == []
    page.fill("#safesend-reason", "Families asked to be able to reply to all.")
    press(page, "Send with this reason")
    page.locator("#safesend-notice").wait_for(state="attached")
    assert wait_until(lambda: dialog(page).count() == 0)
    assert sent(page) == [] and not menu_open(page)   # nothing left without the sender choosing a time
    page.click("#schedule-send")
    assert wait_until(lambda: menu_open(page))
    page.click("#schedule-tomorrow")
    assert [m["when"] for m in scheduled(page)] == ["tomorrow 8:00 AM"] and sent(page) == []
    overrides = api(stack, "get", "/api/v1/overrides").get_json()["items"]
    assert any(o["justification"] == "Families asked to be able to reply to all." for o in overrides)


def test_schedule_send_of_a_safe_message_needs_one_more_click_and_no_dialog(gmail):  # noqa: F811  (fixtures imported above)
    page = gmail(to=["colleague@district.example.org"], subject="Agenda", html="See you Monday.")
    page.click("#schedule-send")
    page.locator("#safesend-notice").wait_for(state="attached")
    assert dialog(page).count() == 0 and not menu_open(page)
    page.click("#schedule-send")
    assert wait_until(lambda: menu_open(page))
    page.click("#schedule-tomorrow")
    assert len(scheduled(page)) == 1
    # Once: opening the menu again is checked again (the opening is cancelled at once).
    page.click("#schedule-send")
    assert not menu_open(page)


def test_changing_recipients_after_the_check_needs_a_new_check(gmail):  # noqa: F811  (fixtures imported above)
    page = gmail(to=["colleague@district.example.org"], subject="Agenda", html="See you Monday.")
    page.click("#schedule-send")
    page.locator("#safesend-notice").wait_for(state="attached")
    page.evaluate("to => composeView.setToRecipients(to)", parents(12, start=400))
    page.click("#schedule-send")
    dialog(page).wait_for()
    assert not menu_open(page) and scheduled(page) == []


def test_ctrl_enter_is_checked_like_send(gmail):  # noqa: F811  (fixtures imported above)
    page = gmail(to=parents(12, start=500), subject="Field trip", html="See you Friday.")
    page.focus("#body")
    page.keyboard.press("Control+Enter")
    dialog(page).wait_for()
    assert sent(page) == []
    assert "12 recipients outside" in dialog(page).inner_text()


def test_send_and_archive_is_checked_like_send(gmail):  # noqa: F811  (fixtures imported above)
    page = gmail(to=parents(12, start=600), subject="Field trip", html="See you Friday.")
    page.click("#send-archive")
    dialog(page).wait_for()
    assert sent(page) == []
    press(page, "Send anyway")
    assert wait_until(lambda: len(sent(page)) == 1)
