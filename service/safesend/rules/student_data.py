"""student_data: student identifiers in the body or attachments.

Judged against who receives the message: a class list to two colleagues is
ordinary school work; the same list to outside addresses or a large
audience is a disclosure, and a list of students with plans is the
incident SafeSend exists to stop.
"""

from __future__ import annotations

from ..actions import Action
from ..content import ContentReport, attachment_of
from ..facts import Facts
from ..message import Message
from ..policy import Policy, StudentDataRule
from ..verdict import Finding
from .wording import domains_phrase, plural

NAME = "student_data"
EVIDENCE_LIMIT = 4


def evaluate(message: Message, facts: Facts, policy: Policy) -> list[Finding]:
    report: ContentReport | None = facts.content
    if report is None or not report.detections.has_student_data:
        return []
    detections = report.detections
    students = max(detections.students, 1)
    sensitive = detections.students_with_sensitive
    settings = policy.rules.student_data
    outside = facts.external_count(facts.audience)
    large = facts.total_audience >= settings.large_audience
    family = _own_family(facts, detections)
    action = _action(settings, students, sensitive, outside, large, family)
    if action == "allow":
        return []
    unconfirmed_family = students <= 1 and sensitive > 0 and outside > 0 and not large
    files = _attachments_with_students(report)
    pasted = {a.name for a in message.attachments if a.inline}
    in_body = any(attachment_of(s.source) is None and (s.students or s.dobs)
                  for s in detections.sources)
    return [Finding(
        rule=NAME, action=action, count=students,
        title=_title(students, sensitive, files, in_body, pasted),
        detail=_detail(detections, students, sensitive, outside, large, facts, files, in_body, pasted)
        + (ASK_FAMILY if unconfirmed_family else ""),
        evidence=[e.text for e in detections.evidence[:EVIDENCE_LIMIT]],
        fixes=["remove_attachment"] if files and not in_body else [],
        attachments=files,
    )]


ASK_FAMILY = (" SafeSend could not confirm that the outside recipients are this student's "
              "guardians in the district roster: send it only if the student's family asked "
              "for it to go to them.")


def _action(settings: StudentDataRule, students: int, sensitive: int, outside: int,
            large: bool, family: bool = False) -> Action:
    exposed = outside > 0 or large
    if not exposed:
        # Internal and small: colleagues discussing students is ordinary work,
        # but a whole list of students with plans deserves a second look.
        if students >= settings.internal_allow_below and _at(sensitive, settings.block_sensitive_at):
            return "warn"
        return "allow"
    if not large and students <= 1:
        if family:
            return "allow"  # the roster says the outside recipients are this student's guardians
        if not sensitive and outside <= 2:
            return "allow"  # a name or an ID alone, to a family: ordinary school mail
    if _at(sensitive, settings.block_sensitive_at):
        return "block"
    if _at(students, settings.confirm_at):
        return "confirm"
    if _at(students, settings.warn_at):
        return "warn"
    if sensitive and students <= 1 and not large:
        return "warn"  # one student's plan or health going outside: was it asked for?
    return "allow"


def _own_family(facts: Facts, detections) -> bool:
    """One roster student, and every outside recipient is one of that
    student's guardians in the roster (not a guess from the count)."""
    match = facts.outside_guardians
    students = getattr(detections, "roster_indexes", frozenset())
    if match is None or len(students) != 1 or detections.students != 1:
        return False
    (student,) = students
    return bool(match.all_guardians_of(student))


def _at(count: int, limit: int | None) -> bool:
    return limit is not None and count >= limit


def _attachments_with_students(report: ContentReport) -> list[str]:
    names: list[str] = []
    for source in report.detections.sources:
        name = attachment_of(source.source)
        if name and (source.students or source.dobs) and name not in names:
            names.append(name)
    return names


def _title(students: int, sensitive: int, files: list[str], in_body: bool, pasted: set[str]) -> str:
    if in_body or not files:
        where = "This message"
    elif len(files) == 1:
        named = _where(files[0], pasted)
        where = named[0].upper() + named[1:]
    elif all(f in pasted for f in files):
        where = f"{len(files)} pictures pasted into the body"
    else:
        where = f"{len(files)} attachments"
    title = f"{where} {'identify' if len(files) > 1 and not in_body else 'identifies'} " \
            f"{plural(students, 'student')}"
    if sensitive:
        title += f", {sensitive:,} with a plan, disability or other sensitive information"
    return title


def _where(name: str, pasted: set[str]) -> str:
    """How a finding names a file; a picture pasted into the body is not an attachment to the sender."""
    return f"the picture pasted into the body ({name})" if name in pasted else f"the attachment {name}"


def _places(files: list[str], pasted: set[str]) -> list[str]:
    attached = [f for f in files if f not in pasted]
    pictures = [f for f in files if f in pasted]
    places = [f"the attachment {', '.join(attached)}"] if attached else []
    if len(pictures) == 1:
        places.append(_where(pictures[0], pasted))
    elif pictures:
        places.append(f"the pictures pasted into the body ({', '.join(pictures)})")
    return places


def _detail(detections, students: int, sensitive: int, outside: int, large: bool, facts: Facts,
            files: list[str], in_body: bool, pasted: set[str]) -> str:
    kinds = []
    if detections.students_in_roster:
        kinds.append("names or IDs from the district roster")
    if detections.student_ids:
        kinds.append("student ID numbers")
    if detections.dobs:
        kinds.append("dates of birth")
    if detections.roster_like_tables:
        kinds.append("a table that looks like a student list")
    places = _places(files, pasted) + (["the message text"] if in_body else [])
    text = (f"Found {' and '.join(places) or 'the message'} to contain "
            f"{', '.join(kinds) or 'student information'} for {plural(students, 'student')}.")
    if sensitive:
        categories = ", ".join(sorted(detections.sensitive_students)) or "plans"
        text += (f" {plural(sensitive, 'student')} {'is' if sensitive == 1 else 'are'} linked to "
                 f"sensitive information ({categories}), which FERPA protects.")
    audience = []
    if outside:
        audience.append(f"{plural(outside, 'recipient')} outside "
                        f"{domains_phrase(facts.internal_domains)}")
    if large:
        audience.append(f"{facts.total_audience:,} people in all")
    if audience:
        text += f" It is addressed to {' and '.join(audience)}."
    if files and not in_body:
        thing = "picture" if all(f in pasted for f in files) else "attachment"
        text += f" Remove the {thing}, or send it only to the staff who need it."
    return text
