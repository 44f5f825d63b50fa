"""Detection quality on the synthetic labelled corpus (tests/corpus).

Every content shape (10 kinds of student data, 8 near misses) in every
format (body, HTML body, nested .eml, CSV, TSV, XLSX, XLS, ODS, DOCX, ODT,
RTF, PDF, HTML, TXT, PPTX, ODP, nested ZIP; HTML bodies behind a stub text
part; screenshots, phone photos, scanned PDFs, faxes, inline and embedded
pictures read with OCR) goes from a teacher to three
outside parent addresses through the real pipeline (`scan_message` with
the roster as keyed hashes, then `engine.evaluate`). The tests hold recall
floors per format family and overall, zero false positives, the exact
label of every case outside the known gaps, and the exact verdict of a
few key cases. Known gaps (tests/corpus/gaps.py) are strict xfails: a fix
makes them XPASS, which fails, so the gap is then removed.

    .venv/bin/python bench/detection_quality.py   # prints the figures
"""

from __future__ import annotations

import pytest
from corpus import GAPS, default_corpus, gap_for, run_corpus
from corpus.build import TEACHER, corpus_policy
from corpus.documents import all_docs
from corpus.formats import FAMILIES, FORMATS
from corpus.measure import Outcome, Pipeline, by_family, overall
from corpus.people import GUARDIAN_DOMAINS, make_roster, outside_parents

from safesend.message import Message, Recipient

# Recall (positives the sender is told about) today, held as floors.
# Before issue 11, "html-body" and "image" were 0.0 (only the text part was read;
# pictures were counted, not read).
FAMILY_RECALL_FLOORS = {"message": 1.0, "spreadsheet": 0.90, "document": 0.95, "slides": 1.0,
                        "archive": 1.0, "html-body": 1.0, "image": 0.95}
OVERALL_RECALL_FLOOR = 0.95
LISTED_FORMATS = {"body", "csv", "tsv", "xlsx", "xls", "docx", "pptx", "pdf", "odt", "ods", "odp",
                  "rtf", "html", "txt", "eml", "zip", "html-alt", "html-split", "html-pasted",
                  "png", "photo", "scan-pdf", "fax", "inline", "docx-image"}
RESERVED = ("example.com", "example.org", "example.net")


@pytest.fixture(scope="module")
def corpus(ocr_engine):
    """(The image family needs Tesseract: without it these tests skip, and fail under CI.)"""
    return default_corpus()


@pytest.fixture(scope="module")
def outcomes(corpus) -> dict[str, Outcome]:
    return {o.case.case_id: o for o in run_corpus(corpus)}


def describe(outcome: Outcome) -> str:
    """A mismatch in words: labels, counts, the finding's title; never content."""
    case, doc = outcome.case, outcome.case.doc
    return (f"{case.case_id}: expected {case.expected_action} ({doc.students} students, "
            f"{doc.sensitive} sensitive), got {outcome.action} ({outcome.students} students, "
            f"{outcome.sensitive} sensitive) {outcome.title!r} {list(outcome.problems)}")


# --- the corpus itself ----------------------------------------------------------------


def test_corpus_covers_every_listed_format_with_positives_and_near_misses(corpus):
    formats = {c.format for c in corpus.cases}
    assert LISTED_FORMATS <= formats
    shapes = {c.shape for c in corpus.cases}
    for fmt in formats:
        cases = [c for c in corpus.cases if c.format == fmt]
        assert {c.shape for c in cases} == shapes, fmt
        assert any(c.positive for c in cases) and any(not c.positive for c in cases)
    assert {c.expected_action for c in corpus.cases} == {"allow", "warn", "confirm", "block"}
    assert {f.family for f in FORMATS} == set(FAMILIES)


def test_corpus_is_synthetic_and_deterministic(corpus):
    roster = corpus.roster
    assert len(roster.students) >= 300
    assert {f for s in roster.students for f in s.flags} == {"504", "IEP"}
    assert len(roster.flagged) >= 24
    for student in roster.students:
        assert student.guardians
        assert all(g.rpartition("@")[2] in GUARDIAN_DOMAINS for g in student.guardians)
    for case in corpus.cases:
        addresses = [r.address for r in case.message.recipients()] + [case.message.sender]
        assert all(a.rpartition("@")[2].endswith(RESERVED) for a in addresses)
    assert all_docs(make_roster()) == all_docs(make_roster())
    ids = [c.case_id for c in corpus.cases]
    assert len(ids) == len(set(ids)) == 26 * 18


def test_the_roster_imports_cleanly(corpus):
    pipeline = Pipeline(corpus)
    assert pipeline.roster is not None
    guardians = pipeline.roster.guardian_recipients(outside_parents())
    assert guardians.guardians == 0  # the three parents are not guardians of listed students


# --- the figures ----------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_recall_per_format_family_holds_its_floor(outcomes, family):
    figures = {f.label: f for f in by_family(list(outcomes.values()))}[family]
    missed = [describe(o) for o in outcomes.values()
              if o.case.family == family and o.case.positive and not o.detected]
    assert figures.recall >= FAMILY_RECALL_FLOORS[family], missed


def test_overall_recall_holds_its_floor(outcomes):
    figures = overall(list(outcomes.values()))
    assert figures.positives == 260 and figures.negatives == 208
    assert figures.recall >= OVERALL_RECALL_FLOOR


def test_no_false_positives_outside_the_known_gaps(outcomes):
    false_positives = [describe(o) for o in outcomes.values()
                       if not o.case.positive and o.detected and gap_for(o.case.case_id) is None]
    assert false_positives == []


def test_every_file_is_read(outcomes):
    assert [describe(o) for o in outcomes.values() if o.problems] == []


@pytest.mark.parametrize("fmt", [f.name for f in FORMATS])
def test_every_case_outside_the_known_gaps_gets_its_label(outcomes, fmt):
    """Detected as labelled, the expected action, the exact numbers of
    students and of students with sensitive information."""
    wrong = [describe(o) for o in outcomes.values()
             if o.case.format == fmt and gap_for(o.case.case_id) is None and not o.right]
    assert wrong == []


# --- key cases, exactly ---------------------------------------------------------------

KEY_CASES = {
    # case: (action, students in the finding, title)
    "docx/plan_roster": ("block", 24, "The attachment spring_review.docx identifies 24 students, "
                                      "24 with a plan, disability or other sensitive information"),
    "eml/plan_roster": ("block", 24, "The attachment Fwd.eml identifies 24 students, 24 with a "
                                     "plan, disability or other sensitive information"),
    "xlsx/class_list": ("confirm", 15, "The attachment room_list.xlsx identifies 15 students"),
    "xls/class_list": ("confirm", 15, "The attachment room_list.xls identifies 15 students"),
    "zip/unlisted_plan_table": ("block", 12, "The attachment shared_folder.zip identifies 12 "
                                             "students, 12 with a plan, disability or other "
                                             "sensitive information"),
    "body/plan_notes": ("block", 12, "This message identifies 12 students, 12 with a plan, "
                                     "disability or other sensitive information"),
    "pptx/names_in_prose": ("warn", 4, "The attachment trip_groups.pptx identifies 4 students"),
    "body/evasion_names": ("confirm", 12, "This message identifies 12 students"),
    "pdf/evasion_ids": ("confirm", 12, "The attachment laptop_pickup.pdf identifies 12 students"),
    "odt/names_with_dobs": ("warn", 4, "The attachment emergency_cards.odt identifies 4 students"),
    "xlsx/staff_directory": ("allow", 0, ""),
    "xls/budget": ("allow", 0, ""),
    "csv/phone_list": ("allow", 0, ""),
    "pdf/policy_504": ("allow", 0, ""),
    "body/policy_504": ("allow", 0, ""),
    "ods/bus_schedule": ("allow", 0, ""),
    "docx/newsletter": ("allow", 0, ""),
    # issue 11: HTML bodies behind a stub text part, pictures and scans
    "html-alt/plan_roster": ("block", 24, "This message identifies 24 students, 24 with a plan, "
                                          "disability or other sensitive information"),
    "html-pasted/class_list": ("confirm", 15, "This message identifies 15 students"),
    "photo/class_list": ("confirm", 15, "The attachment IMG_2041.jpg identifies 15 students"),
    "scan-pdf/plan_roster": ("block", 24, "The attachment Scan_0012.pdf identifies 24 students, "
                                          "24 with a plan, disability or other sensitive "
                                          "information"),
    "fax/unlisted_plan_table": ("block", 12, "The attachment fax_0417.tif identifies 12 students, "
                                             "12 with a plan, disability or other sensitive "
                                             "information"),
    "inline/names_in_prose": ("warn", 4, "The attachment image001.png identifies 4 students"),
    "scan-pdf/policy_504": ("allow", 0, ""),
    "png/staff_directory": ("allow", 0, ""),
    "photo/budget": ("allow", 0, ""),
}


@pytest.mark.parametrize("case_id", KEY_CASES)
def test_key_cases_get_exactly_the_expected_verdict(outcomes, case_id):
    action, count, title = KEY_CASES[case_id]
    outcome = outcomes[case_id]
    assert outcome.case.expected_action == action
    assert (outcome.action, outcome.count, outcome.title) == (action, count, title), describe(outcome)
    if action == "allow":
        return
    in_body = outcome.case.format in ("body", "body-html") or outcome.case.family == "html-body"
    assert outcome.fixes == (() if in_body else ("remove_attachment",))
    assert outcome.evidence and any("*" in e for e in outcome.evidence)
    shown = " ".join(outcome.evidence).casefold()
    for student in default_corpus().roster.students:  # names and IDs only ever redacted
        assert student.student_id not in shown
        assert f"{student.first} {student.last}".casefold() not in shown


def test_the_xlsx_504_list_blocks_and_the_same_list_of_unflagged_students_confirms(outcomes):
    """The issue's acceptance case, on the corpus: header on row 2, IDs as numbers."""
    assert outcomes["xlsx/plan_roster"].action == "block"
    assert outcomes["xlsx/plan_roster"].sensitive == 24
    assert outcomes["xlsx/class_list"].action == "confirm"
    assert outcomes["xlsx/staff_directory"].action == "allow"


# --- known gaps (service behaviour to fix; see tests/corpus/gaps.py) -------------------


def test_every_known_gap_still_covers_corpus_cases(corpus):
    ids = {c.case_id for c in corpus.cases}
    for gap in GAPS:
        assert any(gap.covers(case_id) for case_id in ids), gap.name


@pytest.mark.parametrize("gap", [pytest.param(g, id=g.name, marks=pytest.mark.xfail(
    strict=True, reason=g.reason)) for g in GAPS])
def test_known_gap(outcomes, gap):
    covered = [o for o in outcomes.values() if gap.covers(o.case.case_id)]
    assert [describe(o) for o in covered if not o.right] == []


def test_id_followed_by_a_colon(corpus):
    """Once a known gap: the time filter took any ID followed by ':' for 12:30."""
    students = corpus.roster.unflagged[:3]
    body = "\n".join(f"Student ID {s.student_id}: laptop ready for pickup." for s in students)
    message = Message(sender=TEACHER, subject="Laptops", body_text=body,
                      to=tuple(Recipient(address=a) for a in outside_parents()))
    verdict, facts = Pipeline(corpus).evaluate(message)
    assert (verdict.action, facts.content.students) == ("warn", 3)


def test_the_same_ids_without_a_colon_are_found(corpus):
    """The control for the case above: only the colon differs."""
    students = corpus.roster.unflagged[:3]
    body = "\n".join(f"Student ID {s.student_id} - laptop ready for pickup." for s in students)
    message = Message(sender=TEACHER, subject="Laptops", body_text=body,
                      to=tuple(Recipient(address=a) for a in outside_parents()))
    verdict, facts = Pipeline(corpus).evaluate(message)
    assert (verdict.action, facts.content.students) == ("warn", 3)


def test_policy_is_the_default_with_the_district_internal():
    policy = corpus_policy()
    assert policy.internal_domains == ["district.example.org"]
    assert policy.rules.student_data.block_sensitive_at == 10
