"""Letters from an affected-people report built in memory: each family letter
names its own children only, a template that names anyone else is refused,
and the drafts are one family each with guardians in To."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy as email_policy

import pytest

from safesend.incident.affected import AffectedReport, AffectedStudent, _families
from safesend.incident.exposure import Exposure
from safesend.incident.letter_templates import DEFAULTS, Template
from safesend.incident.letters import LetterError, draft_letters, eml_bytes, merge_csv
from safesend.incident.vault import Contact, Guardian, VaultRead
from safesend.store.incident_models import Incident

WHEN = datetime(2026, 9, 3, 14, 0, tzinfo=UTC)


def report_of(contacts: list[Contact]) -> AffectedReport:
    students = tuple(AffectedStudent(c, True) for c in contacts)
    refs = tuple(c.ref for c in contacts)
    exposure = Exposure("check", "c1", "default", WHEN, "t@district.example.org", "block",
                        ("student_data",), 3, 3, 3, len(refs), len(refs), refs, refs)
    return AffectedReport(exposure, VaultRead("ok", {c.ref: c for c in contacts}), students,
                          _families(students), 0)


def contact(i: int, first: str, last: str, guardians=None, plans=("504",)) -> Contact:
    return Contact(f"ref{i:04d}", f"9{i:07d}", first, last, "Oak High", "9", plans,
                   guardians if guardians is not None else (Guardian(f"Pat {last}", f"p{i}@example.net"),))


INCIDENT = Incident(id=7, occurred_at=WHEN, discovered_at=WHEN, steps_taken="Deleted.")
FAMILY, COMMUNITY = (Template(name, *DEFAULTS[name], False) for name in ("family", "community"))


def test_siblings_share_one_letter_and_a_child_without_an_address_gets_one_for_print():
    shared = (Guardian("Ana Ruiz", "ana@example.net"),)
    report = report_of([contact(1, "Leo", "Ruiz", shared), contact(2, "Mia", "Ruiz", shared),
                        contact(3, "Kai", "Okafor", ())])
    letters = draft_letters(report, INCIDENT, "Oak District", FAMILY, COMMUNITY)
    assert len(letters.families) == 2
    siblings, alone = letters.families
    assert "Leo Ruiz" in siblings.body and "Mia Ruiz" in siblings.body and "Kai" not in siblings.body
    assert alone.to == () and "Kai Okafor" in alone.body
    draft = email.message_from_bytes(eml_bytes(siblings, "principal@district.example.org"),
                                     policy=email_policy.default)
    assert [a.addr_spec for a in draft["To"].addresses] == ["ana@example.net"]
    assert draft["Cc"] is None and draft["X-Unsent"] == "1"
    rows = merge_csv(report).splitlines()
    assert len(rows) == 1 + 3 and rows[3].startswith("family-002,90000003,Kai,Okafor")


def test_a_template_that_names_another_child_is_refused():
    report = report_of([contact(1, "Leo", "Ruiz"), contact(2, "Zoe", "Abdullah")])
    naming = Template("family", "Hello", "About {{ students[0].first_name }} and Zoe  Abdullah", True)
    with pytest.raises(LetterError, match="must not"):
        draft_letters(report, INCIDENT, "D", naming, COMMUNITY)
    by_id = Template("family", "Hello", "Ref 90000002 {{ students[0].student_id }}", True)
    with pytest.raises(LetterError, match="must not"):
        draft_letters(report, INCIDENT, "D", by_id, COMMUNITY)
    community = Template("community", "News", "{{ counts.students }} students, e.g. Leo Ruiz", True)
    with pytest.raises(LetterError, match="community letter"):
        draft_letters(report, INCIDENT, "D", FAMILY, community)
    own_id = Template("family", "Hi", "{{ students[0].first_name }} {{ students[0].last_name }} "
                      "(ID {{ students[0].student_id }})", True)
    letters = draft_letters(report, INCIDENT, "D", own_id, COMMUNITY)
    assert letters.families[0].body == "Leo Ruiz (ID 90000001)"


def test_two_children_with_the_same_name_each_get_their_letter():
    report = report_of([contact(1, "Ava", "Lee"), contact(2, "Ava", "Lee")])
    letters = draft_letters(report, INCIDENT, "D", FAMILY, COMMUNITY)
    assert len(letters.families) == 2 and all("Ava Lee" in f.body for f in letters.families)


def test_a_thousand_letters_each_name_only_their_child():
    report = report_of([contact(i, f"First{i}", f"Last{i}") for i in range(1000)])
    letters = draft_letters(report, INCIDENT, "D", FAMILY, COMMUNITY)
    assert len(letters.families) == 1000
    for number, letter in enumerate(letters.families):
        assert f"First{number} Last{number} " in letter.body
        assert f"First{number + 1} " not in letter.body and f"First{number - 1} " not in letter.body


def test_without_names_there_are_no_letters():
    report = report_of([contact(1, "Leo", "Ruiz")])
    empty = AffectedReport(report.exposure, VaultRead("no_key", {}), (), (), 0)
    with pytest.raises(LetterError, match="not available"):
        draft_letters(empty, INCIDENT, "D", FAMILY, COMMUNITY)
