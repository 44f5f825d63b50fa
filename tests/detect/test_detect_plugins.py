"""Detectors are plug-ins (issue 15): a detector written here, outside
`safesend/detect/`, is registered, run on text and tables, related to the
sensitive terms around its students, and counted in the verdict - with no
change to the scan. The toy finds a made-up 'Medicaid number' (MCD-8 digits)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from messages import DISTRICT, message, parents
from safesend.content import scan_message
from safesend.detect import Evidence, scan_content
from safesend.detect.detectors import (
    BUILT_IN,
    IDENTIFY,
    RELATE,
    Detector,
    Registry,
    RowFindings,
    default_registry,
    register,
    unregister,
)
from safesend.detect.redact import redact_id
from safesend.engine import CheckContext, evaluate
from safesend.message import Attachment
from safesend.policy import Limits, Policy

_MCD = re.compile(r"\bMCD-(\d{8})\b")
EXPLANATION = "Medicaid number (toy detector)"


@dataclass(frozen=True)
class Seg:
    source: str
    text: str


@dataclass(frozen=True)
class Tab:
    source: str
    rows: list[list[str]]


class MedicaidNumbers(Detector):
    name = "toy_medicaid_numbers"
    stage = IDENTIFY

    def scan_text(self, view) -> None:
        for match in _MCD.finditer(view.text):
            self._student(view.acc, view.scan.config.max_evidence_per_source, match.group(1),
                          view.location(match.start()))
            view.add_identifier(match.start(), match.end(), ("mcd", match.group(1)))

    def table_reader(self, view):
        return _Rows(view, self)

    @staticmethod
    def _student(acc, limit: int, number: str, where: str) -> None:
        acc.students.add(("mcd", number))
        acc.add_evidence(Evidence("student_id", redact_id(number), where, EXPLANATION), limit)


class _Rows:
    def __init__(self, view, detector: MedicaidNumbers) -> None:
        self.view = view
        self.detector = detector

    def start_chunk(self, start, chunk, columns) -> None:
        pass

    def read_row(self, r: int, row: list[str], found: RowFindings) -> None:
        for cell in row:
            match = _MCD.fullmatch(cell)
            if match:
                found.keys.append(("mcd", match.group(1)))
                self.detector._student(self.view.acc, self.view.limit, match.group(1),
                                       self.view.location(r))


@pytest.fixture
def toy():
    detector = register(MedicaidNumbers())
    yield detector
    unregister(detector.name)


BODY = "Please update the form for MCD-40001234 before Friday."


def test_without_the_toy_nothing_is_found():
    assert MedicaidNumbers.name not in default_registry.names
    assert scan_content([Seg("body", BODY)], []).students == 0


def test_a_registered_detector_is_found_and_run_on_text(toy):
    assert default_registry.get(MedicaidNumbers.name) is toy
    # identify detectors run before the ones that relate facts to students
    names = default_registry.names
    assert names.index(MedicaidNumbers.name) < names.index("dates_of_birth")
    result = scan_content([Seg("body", BODY + " Also MCD-40001234 again and MCD-40005678.")], [])
    assert result.students == 2
    assert [e.detail for e in result.evidence] == [EXPLANATION, EXPLANATION]
    assert "40001234" not in repr(result)  # evidence is redacted


def test_its_students_are_related_to_sensitive_terms_and_dates_of_birth(toy):
    result = scan_content([Seg("body", "MCD-40001234 has an IEP meeting; DOB 03/04/2015.")], [])
    assert result.students == 1
    assert result.students_with_sensitive == 1
    assert result.sensitive_students == {"iep": 1}
    assert result.dobs == 1


def test_its_rows_count_once_each_and_take_the_row_s_plan_column(toy):
    rows = [["Member", "504"], ["MCD-40000001", "yes"], ["MCD-40000002", "no"],
            ["MCD-40000003", ""]]
    result = scan_content([], [Tab("claims.csv", rows)])
    assert result.students == 3
    assert result.students_with_sensitive == 1
    assert result.sensitive_students == {"504": 1}


def test_it_is_counted_in_the_verdict(toy):
    policy = Policy(internal_domains=[DISTRICT], limits=Limits(time_budget_seconds=60))
    csv = b"Member,Note\nMCD-40000001,x\nMCD-40000002,y\nMCD-40000003,z\n"
    msg = message(to=parents(2), body=BODY,
                  attachments=(Attachment("members.csv", "text/csv", csv),))
    context = CheckContext(scan_content=lambda m, p, body: scan_message(m, p, body, None))
    verdict, _ = evaluate(msg, policy, context)
    finding = next(f for f in verdict.findings if f.rule == "student_data")
    assert "4 students" in finding.title  # 1 in the body, 3 in the attachment

    unregister(toy.name)
    verdict, _ = evaluate(msg, policy, context)
    assert not any(f.rule == "student_data" for f in verdict.findings)
    register(toy)  # the fixture unregisters it


def test_a_registry_of_its_own_runs_only_its_detectors(toy):
    only_toy = Registry([MedicaidNumbers()])
    result = scan_content([Seg("body", "MCD-40001234 has an IEP.")], [], registry=only_toy)
    assert result.students == 1
    assert result.sensitive_mentions == {}  # the sensitive-term detectors are not in it


def test_registry_orders_by_stage_and_refuses_a_second_detector_of_a_name():
    class Late(Detector):
        name = "late"
        stage = RELATE

    class Early(Detector):
        name = "early"
        stage = IDENTIFY

    registry = Registry([Late(), Early()])
    assert registry.names == ("early", "late")
    with pytest.raises(ValueError):
        registry.register(Early())
    assert len(Registry([cls() for cls in BUILT_IN])) == len(BUILT_IN)
