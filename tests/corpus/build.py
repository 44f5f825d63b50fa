"""The labelled corpus: every document shape in every format, each as a
message from a teacher to three outside parent addresses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from safesend.message import Attachment, Message, Recipient
from safesend.policy import Limits, Policy, StudentDataRule

from .documents import Doc, all_docs
from .formats import FORMATS, Format
from .people import DISTRICT, Roster, make_roster, outside_parents

TEACHER = f"teacher@{DISTRICT}"


@dataclass(frozen=True)
class Case:
    case_id: str  # "format/shape", e.g. "xlsx/plan_roster"
    format: str
    family: str
    doc: Doc
    message: Message
    expected_action: str  # for this message to three outside parent addresses

    @property
    def shape(self) -> str:
        return self.doc.shape

    @property
    def positive(self) -> bool:
        """Student data should be found."""
        return self.doc.positive


@dataclass(frozen=True)
class Corpus:
    roster: Roster
    cases: tuple[Case, ...]

    def case(self, case_id: str) -> Case:
        return next(c for c in self.cases if c.case_id == case_id)


def expected_action(doc: Doc, settings: StudentDataRule | None = None) -> str:
    """What the student_data rule should say for a message to three outside
    addresses (not one family, not a large audience) under the default policy."""
    settings = settings or StudentDataRule()

    def at(count: int, limit: int | None) -> bool:
        return limit is not None and count >= limit

    if at(doc.sensitive, settings.block_sensitive_at):
        return "block"
    if at(doc.students, settings.confirm_at):
        return "confirm"
    if at(doc.students, settings.warn_at):
        return "warn"
    return "allow"


def corpus_policy() -> Policy:
    """The default policy, the district internal. The time limits are raised
    (60 s) so that the figures measure what is detected, not how loaded the
    machine is: OCR of a page takes 0.3-1 s of one core (bench/bench_ocr.py),
    and a shared CI machine can stretch that past the default 5 s budget."""
    return Policy(internal_domains=[DISTRICT],
                  limits=Limits(time_budget_seconds=60, ocr_time_seconds=60))


def message_for(doc: Doc, fmt: Format) -> Message:
    rendered = fmt.render(doc)
    return Message(
        sender=TEACHER,
        to=tuple(Recipient(address=a, field="to") for a in outside_parents()),
        subject=doc.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        attachments=tuple(Attachment(name, ctype, data) for name, ctype, data in rendered.attachments),
    )


def build_corpus(formats: tuple[Format, ...] = FORMATS) -> Corpus:
    roster = make_roster()
    docs = all_docs(roster)
    cases = tuple(
        Case(f"{fmt.name}/{doc.shape}", fmt.name, fmt.family, doc, message_for(doc, fmt),
             expected_action(doc))
        for fmt in formats for doc in docs)
    return Corpus(roster, cases)


@lru_cache(maxsize=1)
def default_corpus() -> Corpus:
    """Built once per process (the files take a few seconds to write)."""
    return build_corpus()
