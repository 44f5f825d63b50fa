"""Student data end to end: real files attached to real messages, judged by
`safesend check` and the API with the roster imported (synthetic data only)."""

import base64
import io
import json

import pytest
from click.testing import CliRunner
from detect.synthetic import staff_directory, synthetic_roster
from openpyxl import Workbook

from messages import DISTRICT, check_request, eml_bytes, parents
from safesend.cli import main

ROSTER = synthetic_roster(300, seed=11, plan_rate=0.3)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Students"
    sheet.append(["Spring 504 review list"])  # a title row above the header, as people do
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plan_students(count: int):
    return [s for s in ROSTER.students if s.flags][:count]


def roster_sheet(count: int, with_plan: bool) -> bytes:
    header = ["Student ID", "Student Name", "Grade"] + (["Plan"] if with_plan else [])
    rows = [header]
    for index, s in enumerate(plan_students(count)):
        row = [s.student_id, f"{s.first} {s.last}", str(3 + index % 6)]
        rows.append(row + (["/".join(s.flags)] if with_plan else []))
    return xlsx(rows)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "student-data-secret")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    policy = tmp_path / "policy.yaml"
    policy.write_text(f"internal_domains: [{DISTRICT}]\n")
    assert run("policy", "load", policy).exit_code == 0
    return run


def verdict_for(cli, tmp_path, name: str, attachment: bytes, to=None) -> dict:
    path = tmp_path / f"{name}.eml"
    path.write_bytes(eml_bytes(to=to or parents(3), subject="Updated list",
                               body="Please see the attached list.",
                               attachments=[(f"{name}.xlsx", XLSX, attachment)]))
    result = cli("check", "--json", path)
    return json.loads(result.output)


def by_rule(verdict):
    return {f["rule"]: f for f in verdict["findings"]}


def test_504_roster_sheet_blocks_plain_sheet_confirms_staff_directory_allows(cli, tmp_path):
    blocked = verdict_for(cli, tmp_path, "plans", roster_sheet(30, with_plan=True))
    assert blocked["action"] == "block", blocked["findings"]
    finding = by_rule(blocked)["student_data"]
    assert finding["count"] == 30 and blocked["students_matched"] == 30
    assert finding["attachments"] == ["plans.xlsx"] and finding["fixes"] == ["remove_attachment"]
    assert finding["title"].startswith("The attachment plans.xlsx identifies 30 students")

    plain = verdict_for(cli, tmp_path, "names", roster_sheet(30, with_plan=False))
    assert plain["action"] == "confirm"
    assert by_rule(plain)["student_data"]["count"] == 30

    staff = verdict_for(cli, tmp_path, "staff", xlsx(staff_directory(40)))
    assert staff["action"] == "allow", staff


def test_roster_import_finds_students_named_in_the_body(cli, tmp_path):
    roster = tmp_path / "sis.csv"
    roster.write_text(ROSTER.csv_text())
    imported = cli("roster", "import", roster)
    assert imported.exit_code == 0, imported.output
    assert "imported 300 students" in imported.output
    assert "Maria" not in cli("roster", "show").output
    named = plan_students(12)
    body = "Reminder for the 504 team:\n" + "\n".join(
        f"{s.last.upper()}, {s.first} - accommodations review" for s in named)
    path = tmp_path / "body.eml"
    path.write_bytes(eml_bytes(to=parents(2), subject="504 reviews", body=body))
    verdict = json.loads(cli("check", "--json", path).output)
    finding = by_rule(verdict)["student_data"]
    assert finding["count"] == 12 and verdict["action"] == "block"
    assert "remove_attachment" not in finding["fixes"]
    assert all("*" in e for e in finding["evidence"])
    assert not any(s.last in " ".join(finding["evidence"]) for s in named)


def test_one_parent_about_their_own_child_is_allowed(cli, tmp_path):
    roster = tmp_path / "sis.csv"
    roster.write_text(ROSTER.csv_text())
    cli("roster", "import", roster)
    child = plan_students(1)[0]
    path = tmp_path / "one.eml"
    path.write_bytes(eml_bytes(to=[child.guardians[0]], subject="Checking in",
                               body=f"{child.first} {child.last} did great on the 504 goals today."))
    assert json.loads(cli("check", "--json", path).output)["action"] == "allow"
    colleagues = tmp_path / "colleagues.eml"
    colleagues.write_bytes(eml_bytes(to=[f"a@{DISTRICT}", f"b@{DISTRICT}"], subject="Student",
                                     body=f"Can we meet about {child.first} {child.last}?"))
    assert json.loads(cli("check", "--json", colleagues).output)["action"] == "allow"


def test_roster_import_reports_bad_rows_by_line(cli, tmp_path):
    roster = tmp_path / "sis.csv"
    roster.write_text("Student Number,First Name,Last Name,Birthdate\n"
                      "12345678,Ana,Lopez,2012-05-06\n"
                      ",Ben,Ortiz,2012-01-01\n"
                      "23456789,Cy,Moss,not a date\n")
    result = cli("roster", "import", roster)
    assert result.exit_code == 1
    assert "line 3" in result.output and "line 4" in result.output
    missing = tmp_path / "nothing.csv"
    missing.write_text("Colour,Size\nred,3\n")
    assert cli("roster", "import", missing).exit_code == 2
    mapped = tmp_path / "mapped.csv"
    mapped.write_text("Pupil Ref,Given,Family\n12345678,Ana,Lopez\n")
    ok = cli("roster", "import", mapped, "--map", "student_id=Pupil Ref", "--map",
             "first_name=Given", "--map", "last_name=Family")
    assert ok.exit_code == 0, ok.output
    assert "imported 1 students" in ok.output
    assert cli("roster", "remove").output.strip() == "roster removed"


def test_the_roster_is_stored_only_as_keyed_hashes(app, client, auth):
    csv_text = ROSTER.csv_text()
    response = client.put("/api/v1/roster", headers={**auth["it"], "Content-Type": "text/csv"},
                          data=csv_text)
    assert response.status_code == 200, response.json
    assert response.json["students"] == 300 and response.json["with_flags"] > 0
    assert client.get("/api/v1/roster", headers=auth["it"]).json["loaded"] is True
    assert client.get("/api/v1/roster", headers=auth["client"]).status_code == 403
    from sqlalchemy import text

    with app.extensions["safesend"].engine.connect() as conn:
        blob = conn.execute(text("SELECT data FROM roster_snapshots")).scalar()
    for student in ROSTER.students[:50]:
        for value in (student.first, student.last, student.student_id, student.guardians[0]):
            assert value.encode() not in blob
            assert value.lower().encode() not in blob


def test_api_check_with_an_attachment_and_unscannable_files(client, auth):
    client.put("/api/v1/policy", headers=auth["it"], json={"internal_domains": [DISTRICT]})
    payload = check_request(to=parents(3), subject="List")
    payload["attachments"] = [
        {"name": "plans.xlsx", "content_type": XLSX,
         "content_base64": base64.b64encode(roster_sheet(20, with_plan=True)).decode()},
        {"name": "scan.bin", "content_type": "application/octet-stream",
         "content_base64": base64.b64encode(bytes(range(256)) * 8).decode()},
        {"name": "Shared folder.url", "content_type": "text/uri-list"},
    ]
    verdict = client.post("/api/v1/checks", headers=auth["client"], json=payload).json
    found = by_rule(verdict)
    assert verdict["action"] == "block" and found["student_data"]["count"] == 20
    unscannable = found["unscannable_attachment"]
    assert unscannable["action"] == "warn" and unscannable["count"] == 2
    assert set(unscannable["attachments"]) == {"scan.bin", "Shared folder.url"}


def test_bad_id_pattern_is_refused_with_its_key(client, auth):
    response = client.put("/api/v1/policy", headers=auth["it"], json={
        "detection": {"id_patterns": [{"name": "sid", "regex": "(\\d+"}]}})
    assert response.status_code == 422
    assert response.json["error"]["field"] == "detection.id_patterns.0.regex"
