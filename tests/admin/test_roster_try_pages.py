"""Roster import with a column mapping; 'Try a message' verdicts that are never stored."""

from __future__ import annotations

import io
import json

from admin.console_helpers import csrf_token, post_form

from messages import eml_bytes, parents
from safesend.admin.roster_columns import column_guesses, importer_mapping
from safesend.demo_data import synthetic_roster
from safesend.store.db import transaction
from safesend.store.models import Check

ODD_HEADERS = ("Pupil Ref", "Given", "Family", "Born", "Support", "Contact 1", "Contact 2")


def test_known_headers_are_guessed_and_odd_ones_left_to_the_person():
    known = column_guesses(synthetic_roster(5).csv_text().encode())
    assert known["recognized"]
    fields = {c["header"]: c["field"] for c in known["columns"]}
    assert fields["Student Number"] == "student_id" and fields["Parent Email"] == "guardian_email"
    odd = column_guesses(synthetic_roster(5).csv_text(headers=ODD_HEADERS).encode())
    assert not odd["recognized"] and [c["header"] for c in odd["columns"]] == list(ODD_HEADERS)
    assert importer_mapping({"Pupil Ref": "student_id", "Given": "first_name", "Family": "last_name",
                             "Contact 1": "guardian_email", "Contact 2": "guardian_email", "Born": ""}) == {
        "student_id": "Pupil Ref", "first_name": "Given", "last_name": "Family",
        "guardian_email": ["Contact 1", "Contact 2"]}


def test_import_with_a_mapping_then_remove(console, services):
    it = console["it"]
    data = synthetic_roster(300).csv_text(headers=ODD_HEADERS).encode()
    columns = it.post("/admin/roster/columns", data={"sample": (io.BytesIO(data[:2000]), "r.csv")},
                      headers={"X-CSRFToken": csrf_token(it, "/admin/roster")})
    assert columns.status_code == 200 and not columns.get_json()["recognized"]
    mapping = {"Pupil Ref": "student_id", "Given": "first_name", "Family": "last_name", "Born": "dob",
               "Support": "flags", "Contact 1": "guardian_email", "Contact 2": "guardian_email"}
    result = it.post("/admin/roster/import", headers={"Accept": "application/json"},
                     data={"csrf_token": csrf_token(it, "/admin/roster"), "mapping": json.dumps(mapping),
                           "file": (io.BytesIO(data), "export.csv")})
    summary = result.get_json()
    assert result.status_code == 200 and summary["students"] == 300 and summary["rejected"] == 0
    page = it.get("/admin/roster").get_data(as_text=True)
    assert 'data-testid="roster-students">300<' in page and "it@default.example.org" in page
    assert console["auditor"].get("/admin/roster").status_code == 200
    post_form(it, "/admin/roster/remove", page="/admin/roster")
    assert "No roster in use" in it.get("/admin/roster").get_data(as_text=True)


def test_import_without_the_id_column_says_so(console):
    it = console["it"]
    data = synthetic_roster(5).csv_text(headers=ODD_HEADERS).encode()
    result = it.post("/admin/roster/import", headers={"Accept": "application/json"},
                     data={"csrf_token": csrf_token(it, "/admin/roster"),
                           "mapping": json.dumps({"Given": "first_name"}),
                           "file": (io.BytesIO(data), "export.csv")})
    assert result.status_code == 400 and "student ID" in result.get_json()["error"]


def _count_checks(services) -> int:
    with transaction(services.sessions) as session:
        return session.query(Check).count()


def test_try_a_pasted_message_with_two_policy_versions(console, app, auth, services):
    client = app.test_client()
    client.put("/api/v1/policy", headers=auth["it"], json={"rules": {"visible_recipients": {"warn_at": 10}}})
    client.put("/api/v1/policy", headers=auth["it"], json={"rules": {"visible_recipients": {"warn_at": 20}}})
    it = console["it"]
    form = {"sender": "teacher@district.example.org", "to": "\n".join(parents(12)),
            "subject": "Field trip", "body": "See you Friday."}
    current = post_form(it, "/admin/try", {**form, "version": "2"}, page="/admin/try")
    older = post_form(it, "/admin/try", {**form, "version": "1"}, page="/admin/try")
    assert 'data-action="allow"' in current.get_data(as_text=True)
    assert 'data-action="warn"' in older.get_data(as_text=True)
    assert _count_checks(services) == 0        # nothing tried here is stored


def test_try_an_uploaded_eml(console, services):
    it = console["it"]
    eml = eml_bytes(to=parents(40), subject="504 plan meetings", body="Meeting times inside.")
    response = it.post("/admin/try", data={"csrf_token": csrf_token(it, "/admin/try"),
                                           "file": (io.BytesIO(eml), "meeting.eml")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-action="confirm"' in page
    assert "40 recipients" in page and _count_checks(services) == 0
    bad = it.post("/admin/try", data={"csrf_token": csrf_token(it, "/admin/try"),
                                      "file": (io.BytesIO(b"\x00\x01 not mail"), "x.msg")})
    assert bad.status_code == 400 and "not an Outlook .msg file" in bad.get_data(as_text=True)
    empty = post_form(it, "/admin/try", {"sender": "a@b.org"}, page="/admin/try")
    assert empty.status_code == 400 and "at least one recipient" in empty.get_data(as_text=True)
