"""Policy page: every setting has a field and help, errors sit by their field, diff, save, rollback."""

from __future__ import annotations

import html
import json
import re

from admin.console_helpers import post_form

from safesend.admin.policy_diff import flatten
from safesend.admin.policy_form import FIELDS, document_from_form, errors_by_field
from safesend.policy import parse_policy

DIFF_DOCUMENT = re.compile(r'name="document" value="([^"]+)"')


def test_every_setting_of_the_policy_has_a_field_with_help_text():
    paths = {spec.path for spec in FIELDS}
    for key in flatten(parse_policy({}).document()):
        key = re.sub(r"^detection\.id_patterns\..*", "detection.id_patterns", key)
        key = re.sub(r"^detection\.sensitive_terms\..*", "detection.sensitive_terms", key)
        assert key in paths, f"no form field for {key}"
    assert all(spec.help for spec in FIELDS), [s.path for s in FIELDS if not s.help]


def test_form_values_round_trip_to_the_same_document():
    from werkzeug.datastructures import MultiDict

    from safesend.admin.policy_form import display_values

    document = parse_policy({"internal_domains": ["district.example.org"]}).document()
    values = display_values(document)
    form = MultiDict()
    for spec in FIELDS:
        value = values[spec.path]
        if spec.kind == "bool":
            form.add(spec.path, "0")
            if value:
                form.add(spec.path, "1")
        elif spec.kind == "patterns":
            form.add(f"{spec.path}.count", str(len(value)))
            for i, row in enumerate(value):
                for name, item in row.items():
                    if name == "require_context":
                        if item:
                            form.add(f"{spec.path}.{i}.{name}", "1")
                    else:
                        form.add(f"{spec.path}.{i}.{name}", "" if item is None else str(item))
        else:
            form.add(spec.path, value)
    rebuilt, errors = document_from_form(form, {})
    assert not errors
    assert parse_policy(rebuilt).document() == document


def test_errors_are_placed_next_to_their_field():
    placed = errors_by_field([("rules.visible_recipients.confirm_at", "too low"),
                              ("rules.audience_size", "confirm_at (5) must not be below warn_at (9)"),
                              ("detection.id_patterns.0.regex", "bad pattern"),
                              ("directory.backends.0.path", "no such file")])
    assert placed["rules.visible_recipients.confirm_at"] == "too low"
    assert placed["rules.audience_size"].startswith("confirm_at")
    assert placed["detection.id_patterns.0.regex"] == "bad pattern"
    assert placed["detection.id_patterns"] == "bad pattern" and placed["directory"] == "no such file"


def test_change_shows_a_diff_then_saves_a_version_with_its_author(console):
    it = console["it"]
    preview = post_form(it, "/admin/policy/preview", {"rules.visible_recipients.warn_at": "25",
                                                       "rules.student_data.mode": "audit",
                                                       "comment": "newsletters"}, page="/admin/policy")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Visible recipients › Warn at" in page
    # The diff says "Enforced -> Test mode": the very words of the form's dropdown.
    assert "Student data › Mode" in page and "<del>Enforced</del>" in page and "<ins>Test mode</ins>" in page
    document = json.loads(html.unescape(DIFF_DOCUMENT.search(page).group(1)))
    saved = post_form(it, "/admin/policy/save", {"document": json.dumps(document), "base_version": "0",
                                                 "comment": "newsletters"}, page="/admin/policy")
    assert saved.status_code == 302 and saved.headers["Location"].endswith("saved=1")
    current = it.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved as version 1." in current and "it@default.example.org" in current
    assert 'value="25"' in current


def test_invalid_values_come_back_with_the_message_by_the_field(console):
    it = console["it"]
    response = post_form(it, "/admin/policy/preview", {"rules.audience_size.warn_at": "500",
                                                        "rules.audience_size.confirm_at": "50",
                                                        "limits.max_depth": "99",
                                                        "internal_domains": "not a domain"},
                         page="/admin/policy")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "settings need attention" in page
    section = page[page.index('id="s-rules-audience_size"'):page.index('id="s-rules-external_recipients"')]
    assert "must not be below warn_at" in section
    field = page[page.index('id="f-limits-max_depth"'):][:1500]
    assert "Enter 10 or less." in field and "Input should be" not in page
    assert "is not a domain name" in page[page.index('id="f-internal_domains"'):][:1500]


def test_a_version_saved_meanwhile_is_not_overwritten(console, app, auth):
    it = console["it"]
    app.test_client().put("/api/v1/policy", headers=auth["it"], json={})    # version 1 elsewhere
    document = parse_policy({"rules": {"visible_recipients": {"warn_at": 30}}}).document()
    response = post_form(it, "/admin/policy/save", {"document": json.dumps(document), "base_version": "0"},
                         page="/admin/policy")
    assert response.status_code == 409 and b"while you were editing" in response.data


def test_rollback_goes_through_the_diff(console, app, auth):
    client = app.test_client()
    client.put("/api/v1/policy", headers=auth["it"], json={"rules": {"visible_recipients": {"warn_at": 7}}})
    client.put("/api/v1/policy", headers=auth["it"], json={"rules": {"visible_recipients": {"warn_at": 40}}})
    it = console["it"]
    version_page = it.get("/admin/policy/versions/1").get_data(as_text=True)
    assert "Roll back to this version" in version_page and "warn_at: 7" in version_page
    diff = post_form(it, "/admin/policy/versions/1/rollback", page="/admin/policy").get_data(as_text=True)
    assert "Roll back to version 1" in diff and "40" in diff and "7" in diff
    document = html.unescape(DIFF_DOCUMENT.search(diff).group(1))
    post_form(it, "/admin/policy/save", {"document": document, "base_version": "2",
                                         "comment": "Roll back to version 1"}, page="/admin/policy")
    current = app.test_client().get("/api/v1/policy", headers=auth["it"]).get_json()
    assert current["version"] == 3
    assert current["policy"]["rules"]["visible_recipients"]["warn_at"] == 7


def test_id_patterns_can_be_added_and_removed(console):
    it = console["it"]
    form = {"detection.id_patterns.count": "1",
            "detection.id_patterns.0.name": "student_id", "detection.id_patterns.0.regex": r"\d{6,10}",
            "detection.id_patterns.0.remove": "1",
            "detection.id_patterns.1.name": "District ID", "detection.id_patterns.1.regex": r"S\d{7}",
            "detection.id_patterns.1.check_digit": "luhn", "detection.id_patterns.1.context_window": "40",
            "detection.id_patterns.1.require_context": "1"}
    page = post_form(it, "/admin/policy/preview", form, page="/admin/policy").get_data(as_text=True)
    assert "Student ID patterns › #1 › Name" in page and "District ID" in page
    bad = post_form(it, "/admin/policy/preview", {**form, "detection.id_patterns.1.regex": "(unclosed"},
                    page="/admin/policy")
    assert bad.status_code == 400


def test_the_diff_lists_only_what_changed(console):
    it = console["it"]
    form = {"rules.visible_recipients.warn_at": "15", "rules.audience_size.warn_at": "100",
            "rules.audience_size.confirm_at": "1000", "limits.max_expansion_ratio": "100.0"}
    page = post_form(it, "/admin/policy/preview", form, page="/admin/policy").get_data(as_text=True)
    diff = page[page.index('data-testid="policy-diff"'):]
    assert diff.count("<tr class=\"diff-") == 1 and "Visible recipients › Warn at" in diff
