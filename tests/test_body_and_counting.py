"""What a teacher actually sends (issue 11): every body alternative read, HTML
as a browser shows it, each student counted once, and "one family about
their own child" only when the roster says the recipients are the guardians.

Real pipeline: `scan_message` with the roster as keyed hashes and
`engine.evaluate`; synthetic students only (tests/detect/synthetic.py).
"""

from __future__ import annotations

import io

import pytest
from detect.synthetic import synthetic_roster
from openpyxl import Workbook

from messages import DISTRICT, TEACHER, message, parents
from safesend.content import scan_message
from safesend.detect import RosterHasher, RosterIndex, parse_roster_csv
from safesend.engine import CheckContext, evaluate
from safesend.extract.htmlbody import read_html_body
from safesend.message import Attachment, Recipient
from safesend.policy import Limits, Policy

ROSTER = synthetic_roster(200, seed=23, plan_rate=0.3, id_digits=7)
# A generous time budget: these tests are about what is found, not how loaded the machine is.
POLICY = Policy(internal_domains=[DISTRICT], limits=Limits(time_budget_seconds=60))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def roster() -> RosterIndex:
    hasher = RosterHasher(b"body-and-counting-test-secret-0123456789")
    result = parse_roster_csv(ROSTER.csv_text())
    assert not result.errors
    return RosterIndex(hasher.hash_records(result.records), hasher)


def judge(msg, roster):
    context = CheckContext(
        scan_content=lambda m, policy, body: scan_message(m, policy, body, roster),
        guardians=roster.guardian_recipients)
    verdict, facts = evaluate(msg, POLICY, context)
    finding = next((f for f in verdict.findings if f.rule == "student_data"), None)
    return verdict, facts, finding


def plain(count: int):
    return [s for s in ROSTER.students if not s.flags][:count]


def flagged(count: int):
    return [s for s in ROSTER.students if s.flags][:count]


# --- HTML as a browser shows it ------------------------------------------------------


def test_html_tables_are_tables_and_inline_elements_join_as_rendered():
    text, tables = read_html_body(
        "<p>Hi <b>all</b>,</p><table><tr><th>Name</th><th>Plan</th></tr>"
        "<tr><td><b>Tania</b> <span>Cruz</span></td><td>5<i>04</i></td></tr>"
        "<tr><td>Ana<br>Sofia Ruiz</td><td><p>IEP</p></td></tr></table><p>Thanks</p>")
    assert text == "Hi all,\nThanks"
    assert tables == [[["Name", "Plan"], ["Tania Cruz", "504"], ["Ana Sofia Ruiz", "IEP"]]]


def test_hidden_content_is_skipped_like_a_browser_does():
    text, tables = read_html_body(
        "<style>.a{color:red}</style><script>var s='Tania Cruz';</script>"
        "<div style='display: none'>preheader Tania Cruz</div>"
        "<span hidden>Ana Ruiz</span><p style='visibility:hidden'>Leo Park</p>"
        "<p style='color:gray'>Visible words</p>")
    assert (text, tables) == ("Visible words", [])


def test_broken_markup_never_raises():
    for html in ("<table><tr><td>a<td>b</table></table>", "<!DOCTYPE html>", "<" * 10_000,
                 "<td>orphan cell</td>", "\x00<p>nul</p>"):
        text, tables = read_html_body(html)
        assert isinstance(text, str) and isinstance(tables, list)


# --- every alternative, each student once ----------------------------------------


def html_table(students, plan_column: bool = True) -> str:
    head = "<tr><th>Student ID</th><th>Student Name</th>" + (
        "<th>Plan</th>" if plan_column else "") + "</tr>"
    rows = "".join(f"<tr><td>{s.student_id}</td><td><b>{s.first}</b> <span>{s.last}</span></td>"
                   + (f"<td>{'/'.join(s.flags)}</td>" if plan_column else "") + "</tr>"
                   for s in students)
    return f"<html><body><p>IEP caseload</p><table>{head}{rows}</table></body></html>"


def test_html_part_is_read_when_the_text_part_is_a_stub(roster):
    students = flagged(25)
    msg = message(to=parents(3), subject="Caseload", body="Please view this message in HTML.",
                  body_html=html_table(students))
    verdict, facts, finding = judge(msg, roster)
    assert facts.content.students == 25 and facts.content.detections.students_with_sensitive == 25
    assert verdict.action == "block"
    assert finding.title.startswith("This message identifies 25 students")


def test_a_student_in_both_alternatives_counts_once(roster):
    students = plain(12)
    text = "IEP caseload\n" + "\n".join(f"{s.student_id}\t{s.first} {s.last}\tIEP"
                                         for s in students)
    msg = message(to=parents(3), subject="Caseload", body=text,
                  body_html=html_table(students, plan_column=False))
    _, facts, finding = judge(msg, roster)
    assert facts.content.students == 12 and finding.count == 12


def test_unlisted_students_in_both_alternatives_count_once(roster):
    names = ["Quentin Oyelaran", "Birgitta Lindqvist-Mora", "Tadeo Kristiansen",
             "Marisol Abernathy-Quon"]
    rows = [(n, 3 + i, "Yes") for i, n in enumerate(names)]
    text = "Student Name\tGrade\t504 Plan\n" + "\n".join("\t".join(map(str, r)) for r in rows)
    html = ("<table><tr><th>Student Name</th><th>Grade</th><th>504 Plan</th></tr>"
            + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
            + "</table>")
    msg = message(to=parents(3), subject="New students", body=text, body_html=html)
    _, facts, _ = judge(msg, roster)
    assert facts.content.students == 4


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_api_body_html_is_read_the_same_way(client, auth):
    from messages import check_request

    request = check_request(to=parents(3), body="See below.")
    request["body"]["html"] = ("<table><tr><th>Student Name</th><th>Grade</th><th>504 Plan</th>"
                               "</tr>" + "".join(f"<tr><td>Unlisted Child{i}son</td><td>4</td>"
                                                 "<td>Yes</td></tr>" for i in range(12))
                               + "</table>")
    reply = client.post("/api/v1/checks", json=request, headers=auth["client"])
    assert reply.status_code == 200, reply.get_json()
    finding = next(f for f in reply.get_json()["findings"] if f["rule"] == "student_data")
    assert finding["count"] == 12


@pytest.mark.usefixtures("ocr_engine")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_picture_pasted_into_the_body_is_named_as_one(client, auth):
    """The add-ins mark a pasted picture `inline`: the same screenshot is found either way,
    but the sender reads about the picture in their message, not an attachment."""
    import base64

    from corpus.documents import unlisted_plan_table
    from corpus.images import screenshot_png
    from corpus.people import make_roster

    from messages import check_request

    shot = base64.b64encode(screenshot_png(unlisted_plan_table(make_roster()))).decode()
    findings = {}
    for inline in (True, False):
        request = check_request(to=parents(3), body="Here is the list:")
        request["attachments"] = [{"name": "image (2).png", "content_type": "image/png",
                                   "content_base64": shot, "inline": inline}]
        reply = client.post("/api/v1/checks", json=request, headers=auth["client"])
        assert reply.status_code == 200, reply.get_json()
        findings[inline] = next(f for f in reply.get_json()["findings"] if f["rule"] == "student_data")
    pasted, attached = findings[True], findings[False]
    assert pasted["count"] == attached["count"] == 12
    assert pasted["attachments"] == ["image (2).png"] and pasted["fixes"] == ["remove_attachment"]
    assert pasted["title"].startswith(
        "The picture pasted into the body (image (2).png) identifies 12 students")
    assert "Found the picture pasted into the body (image (2).png) to contain" in pasted["detail"]
    assert "Remove the picture," in pasted["detail"]
    assert attached["title"].startswith("The attachment image (2).png identifies 12 students")


# --- one row, one student ------------------------------------------------------------


def sheet(rows) -> bytes:
    book = Workbook()
    ws = book.active
    ws.append(["Period 3 roster"])
    ws.append(["Student ID", "Student Name", "Grade"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_25_row_sheet_gives_25_students(roster):
    """The issue's case: 7-digit IDs and names, 4 IDs not in the roster next
    to roster names; each row is one student, never two."""
    students = plain(25)
    known = {s.student_id for s in ROSTER.students}
    unknown = iter(str(n) for n in range(3_000_001, 9_999_999) if str(n) not in known)
    rows = [[s.student_id if i % 6 else next(unknown), f"{s.first} {s.last}", 5]
            for i, s in enumerate(students)]
    msg = message(to=parents(1), subject="Roster", body="Attached.",
                  attachments=(Attachment("roster.xlsx", XLSX, sheet(rows)),))
    verdict, facts, finding = judge(msg, roster)
    assert facts.content.students == 25 and finding.count == 25
    assert finding.title == "The attachment roster.xlsx identifies 25 students"
    assert verdict.action == "confirm"


# --- guardians, not guesses ----------------------------------------------------------


def camp_message(student, to: str):
    body = (f"Registration for {student.first} {student.last}, student ID {student.student_id}, "
            f"date of birth {student.dob:%m/%d/%Y}. Seizure action plan (epilepsy) attached "
            "to the 504 plan.")
    return message(to=[to], subject="Camp registration", body=body)


def test_one_students_sensitive_data_to_an_outside_registrar_is_a_warn_that_asks(roster):
    student = flagged(1)[0]
    verdict, facts, finding = judge(camp_message(student, "registrar@camp.example.net"), roster)
    assert facts.content.students == 1 and facts.content.detections.students_with_sensitive == 1
    assert verdict.action == "warn" and finding.action == "warn"
    assert "send it only if the student's family asked for it" in finding.detail


def test_the_same_message_to_the_students_guardian_is_allowed(roster):
    student = flagged(1)[0]
    verdict, _, finding = judge(camp_message(student, student.guardians[0]), roster)
    assert verdict.action == "allow" and finding is None


def test_a_guardian_of_another_student_is_not_this_students_family(roster):
    student, other = flagged(2)
    verdict, _, finding = judge(camp_message(student, other.guardians[0]), roster)
    assert verdict.action == "warn" and "family asked" in finding.detail


def test_the_guardian_and_a_stranger_together_are_not_only_the_family(roster):
    student = flagged(1)[0]
    msg = camp_message(student, student.guardians[0])
    msg = message(to=[student.guardians[0], "coach@club.example.com"], subject=msg.subject,
                  body=msg.body_text)
    verdict, _, _ = judge(msg, roster)
    assert verdict.action == "warn"


def test_a_name_alone_to_one_family_stays_allowed(roster):
    student = plain(1)[0]
    msg = message(to=[Recipient(address="parent@home.example.com")], subject="Thanks",
                  body=f"{student.first} {student.last} helped clean up today. Thank you!",
                  sender=TEACHER)
    verdict, _, _ = judge(msg, roster)
    assert verdict.action == "allow"
