"""Run the corpus through the real pipeline and compute the figures.

`scan_message` (extract + detect, with the roster as keyed hashes) and
`engine.evaluate` judge each message; an `Outcome` keeps only counts,
actions, the finding title and unscannable reasons - never content.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from safesend.content import scan_message
from safesend.detect import RosterHasher, RosterIndex
from safesend.detect.roster_blob import import_roster_blob
from safesend.engine import CheckContext, Facts, evaluate
from safesend.message import Message
from safesend.verdict import Verdict

from .build import Case, Corpus, corpus_policy
from .formats import FAMILIES, FORMATS
from .people import Roster

ROSTER_SECRET = b"detection-quality-corpus-secret!"


def roster_index(roster: Roster) -> RosterIndex:
    """The index as the service has it: the product's import, then its load."""
    hasher = RosterHasher(ROSTER_SECRET)
    built, result = import_roster_blob(roster.csv_bytes(), hasher)
    if result.errors or built.students != len(roster.students):
        raise ValueError(f"the synthetic roster did not import cleanly: {result.errors[:3]}")
    return RosterIndex.from_bytes(built.data, hasher)


@dataclass(frozen=True)
class Outcome:
    case: Case
    action: str  # the verdict's action
    student_data_action: str  # "allow" when the rule said nothing
    found: bool  # detection saw student data (students or dates of birth)
    students: int
    sensitive: int
    title: str  # the student_data finding's title ("" when none)
    problems: tuple[str, ...]  # unscannable attachments: "name: reason"
    count: int = 0  # the student_data finding's count
    fixes: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()  # redacted; for tests, never printed

    @property
    def detected(self) -> bool:
        """The sender is told about student data."""
        return self.student_data_action != "allow"

    @property
    def action_right(self) -> bool:
        return self.action == self.case.expected_action

    @property
    def counts_right(self) -> bool:
        doc = self.case.doc
        return self.students == doc.students and self.sensitive == doc.sensitive

    @property
    def right(self) -> bool:
        """Detected as labelled, the expected action and counts, every file read."""
        return (self.detected == self.case.positive and self.action_right and self.counts_right
                and not self.problems)


class Pipeline:
    def __init__(self, corpus: Corpus) -> None:
        self.roster = roster_index(corpus.roster)
        self.policy = corpus_policy()

    def context(self) -> CheckContext:
        roster = self.roster
        return CheckContext(
            scan_content=lambda message, policy, body: scan_message(message, policy, body, roster),
            guardians=roster.guardian_recipients)

    def evaluate(self, message: Message) -> tuple[Verdict, Facts]:
        return evaluate(message, self.policy, self.context())

    def run(self, case: Case) -> Outcome:
        verdict, facts = self.evaluate(case.message)
        finding = next((f for f in verdict.findings if f.rule == "student_data"), None)
        report = facts.content
        detections = report.detections
        return Outcome(
            case=case, action=verdict.action,
            student_data_action=finding.action if finding else "allow",
            found=detections.has_student_data, students=detections.students,
            sensitive=detections.students_with_sensitive,
            title=finding.title if finding else "",
            problems=tuple(f"{p.name}: {p.reason}" for p in report.unscannable),
            count=finding.count if finding else 0,
            fixes=tuple(finding.fixes) if finding else (),
            evidence=tuple(finding.evidence) if finding else ())


def run_corpus(corpus: Corpus) -> list[Outcome]:
    pipeline = Pipeline(corpus)
    return [pipeline.run(case) for case in corpus.cases]


@dataclass(frozen=True)
class Figures:
    label: str
    positives: int
    detected: int
    negatives: int
    false_positives: int
    actions_right: int
    counts_right: int
    total: int

    @property
    def recall(self) -> float:
        return self.detected / self.positives if self.positives else 1.0

    @property
    def fp_rate(self) -> float:
        return self.false_positives / self.negatives if self.negatives else 0.0


def figures(label: str, outcomes: Iterable[Outcome]) -> Figures:
    outcomes = list(outcomes)
    positives = [o for o in outcomes if o.case.positive]
    negatives = [o for o in outcomes if not o.case.positive]
    return Figures(label, len(positives), sum(o.detected for o in positives), len(negatives),
                   sum(o.detected for o in negatives), sum(o.action_right for o in outcomes),
                   sum(o.counts_right for o in outcomes), len(outcomes))


def by_format(outcomes: list[Outcome]) -> list[Figures]:
    return [figures(f.name, (o for o in outcomes if o.case.format == f.name)) for f in FORMATS
            if any(o.case.format == f.name for o in outcomes)]


def by_family(outcomes: list[Outcome]) -> list[Figures]:
    return [figures(family, (o for o in outcomes if o.case.family == family)) for family in FAMILIES
            if any(o.case.family == family for o in outcomes)]


def by_shape(outcomes: list[Outcome]) -> list[Figures]:
    shapes = list(dict.fromkeys(o.case.shape for o in outcomes))
    return [figures(s, (o for o in outcomes if o.case.shape == s)) for s in shapes]


def overall(outcomes: list[Outcome]) -> Figures:
    return figures("overall", outcomes)
