"""Issue 16's rough edges, at the Flask level: dashboard changes in words, the roster
warnings, the override log's review queue and next/previous, filters kept after a review,
plain words for a bad number, redacted samples, error pages and role explanations."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from admin.console_helpers import post_form

from safesend.admin.roster_columns import column_guesses, redacted
from safesend.admin.roster_health import roster_warnings
from safesend.admin.views.dashboard import change_words
from safesend.demo_data import synthetic_activity, synthetic_roster
from safesend.store.db import transaction
from safesend.store.models import RosterSnapshot
from safesend.store.roster import save_roster


def test_a_nearly_empty_previous_period_gives_counts_not_a_huge_percentage():
    assert change_words(3152, 10) == "up from 10 in the previous period"
    assert change_words(373, 1) == "up from 1 in the previous period"
    assert change_words(40, 0) == "new this period" and change_words(0, 0) == "no earlier data"
    assert change_words(120, 100) == "+20% vs previous period"
    assert change_words(80, 100) == "-20% vs previous period"
    assert change_words(5000, 200) == "up from 200 in the previous period"   # +2,400%: counts
    assert change_words(15, 15) == "same as the previous period (15)"
    for value in range(0, 5000, 37):
        for before in (0, 1, 2, 5, 19, 20, 21, 300):
            assert not re.search(r"\d{4,}%", change_words(value, before))


def test_dashboard_tiles_never_show_a_five_digit_percentage(console, services):
    with transaction(services.sessions) as session:
        synthetic_activity(session, "default", weeks=12, flagged=300, allowed=3000)
    for weeks in (4, 12, 26):
        page = console["admin"].get(f"/admin/?weeks={weeks}").get_data(as_text=True)
        deltas = re.findall(r'<p class="tile-delta">([^<]*)</p>', page)
        assert len(deltas) == 4 and not any(re.search(r"\d{4,}%", d) for d in deltas), deltas


def test_the_dashboard_warns_of_an_old_or_shrunken_roster(console, services):
    with transaction(services.sessions) as db:
        save_roster(db, "default", b"x", 1200, 100, 2000, "test")
        db.flush()
        row = db.query(RosterSnapshot).filter_by(active=True).one()
        row.created_at = datetime.now(UTC) - timedelta(days=45)
    page = console["admin"].get("/admin/").get_data(as_text=True)
    assert "imported 45 days ago" in page and 'data-testid="roster-warning"' in page
    with transaction(services.sessions) as db:
        save_roster(db, "default", b"y", 10, 0, 12, "test")
        notes = roster_warnings(db, "default", max_age_days=30)
    assert len(notes) == 1 and "shrank from 1,200 to 10 students" in notes[0]
    page = console["it"].get("/admin/").get_data(as_text=True)
    assert "shrank from 1,200 to 10" in page and 'href="/admin/roster"' in page
    with transaction(services.sessions) as db:
        assert roster_warnings(db, "default", max_age_days=30,
                               now=datetime.now(UTC) + timedelta(days=40))[0].startswith(
            "The roster was imported 40 days ago")


@pytest.fixture
def activity(services):
    with transaction(services.sessions) as session:
        synthetic_activity(session, "default", weeks=4, flagged=60, allowed=10)


def _ids(page: str) -> list[str]:
    return re.findall(r'<tr data-check="([0-9a-f]+)"', page)


def test_the_review_queue_holds_overrides_only(console, activity):
    admin = console["admin"]
    page = admin.get("/admin/log?status=unreviewed").get_data(as_text=True)
    assert _ids(page) and "Fixed or not sent</span>" not in page and "Had to be fixed" not in page
    assert 'value="unreviewed" selected>To review<' in page


def test_filters_survive_a_review_and_next_previous_follow_them(console, activity):
    admin = console["admin"]
    log_url = "/admin/log?status=unreviewed&rule=visible_recipients"
    ids = _ids(admin.get(log_url).get_data(as_text=True))
    assert len(ids) >= 3
    entry = admin.get(f"/admin/log/{ids[1]}", query_string={"back": log_url}).get_data(as_text=True)
    assert f'href="/admin/log/{ids[0]}?back=' in entry and f'href="/admin/log/{ids[2]}?back=' in entry
    reviewed = post_form(admin, f"/admin/log/{ids[1]}/review", {"note": "ok", "back": log_url},
                         page="/admin/log")
    target = urlsplit(reviewed.headers["Location"])
    assert parse_qs(target.query)["back"] == [log_url]
    after = admin.get(reviewed.headers["Location"]).get_data(as_text=True)
    assert "Marked as reviewed." in after
    back = re.search(r'href="([^"]+)" data-testid="back-to-log"', after).group(1)
    assert back.replace("&amp;", "&") == log_url
    # Still next to its neighbours, though it left the "to review" list.
    assert f"/admin/log/{ids[2]}?back=" in after
    assert ids[1] not in _ids(admin.get(log_url).get_data(as_text=True))
    # A back address elsewhere is not followed.
    evil = admin.get(f"/admin/log/{ids[0]}?back=https://evil.example/admin/log").get_data(as_text=True)
    assert 'href="/admin/log" data-testid="back-to-log"' in evil


def test_a_non_number_gets_words_for_it(console):
    response = post_form(console["it"], "/admin/policy/preview",
                         {"rules.visible_recipients.warn_at": "ten", "limits.time_budget_seconds": "fast"},
                         page="/admin/policy")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "unable to parse" not in page and "Input should" not in page
    assert "“ten” is not a whole number" in page and "“fast” is not a number" in page


def test_mapping_samples_are_redacted():
    assert redacted("Maria Lopez") == "M•••• L••••" and redacted("2041187") == "#######"
    assert redacted("2014-03-09") == "####-##-##" and redacted("ana@example.org") == "•••@example.org"
    assert redacted("504;IEP") == "504;IEP" and redacted("yes") == "yes"
    roster = synthetic_roster(20, seed=3)
    guesses = column_guesses(roster.csv_text().encode())
    text = str(guesses)
    for student in roster.students[:3]:
        assert student.student_id not in text and student.first not in text and student.last not in text
    first_names = next(c for c in guesses["columns"] if c["field"] == "first_name")
    assert len(first_names["samples"]) == 2 and all("•" in s for s in first_names["samples"])


def test_console_errors_are_console_pages(console):
    auditor = console["auditor"]
    answer = auditor.get("/admin/policy/versions/1/rollback")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 405 and "Not a page to open" in page and "console.css" in page
    assert 'class="sidebar"' in page and answer.headers["Content-Security-Policy"]
    missing = auditor.get("/admin/no-such-page")
    assert missing.status_code == 404 and "console.css" in missing.get_data(as_text=True)
    api = auditor.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.is_json


def test_a_page_a_role_cannot_use_says_whose_it_is(console):
    page = console["it"].get("/admin/log").get_data(as_text=True)
    assert "Your role (IT) cannot open this page." in page
    assert "Only the Administrator and Auditor (read only) roles can." in page
    page = console["auditor"].get("/admin/").get_data(as_text=True)
    assert "The menu shows the pages the Auditor (read only) role can use." in page


def test_every_page_links_to_its_readme_section(console):
    for path in ("/admin/", "/admin/log", "/admin/policy", "/admin/roster", "/admin/audit",
                 "/admin/access", "/admin/account"):
        page = console["auditor"].get(path).get_data(as_text=True)
        link = re.search(r'href="(/admin/help/[^"]+)" data-testid="help-link"', page)
        assert link, path
        help_page = console["auditor"].get(link.group(1)).get_data(as_text=True)
        assert 'data-testid="help-text"' in help_page, path
    assert console["auditor"].get("/admin/help/nothing").status_code == 404


def test_try_a_message_names_the_file_and_counts_in_words(console):
    from messages import eml_bytes, parents

    it = console["it"]
    response = post_form(it, "/admin/try", {"file": (io.BytesIO(eml_bytes(to=parents(1), subject="Hi",
                                                                           body="Hello")), "trip.eml")},
                         page="/admin/try", content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "For the file <strong>trip.eml</strong>" in page
    assert "1 recipient ·" in page and "0 attachments" in page
