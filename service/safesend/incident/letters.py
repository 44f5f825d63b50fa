"""Letter drafts for one incident: a letter per family naming only its own
children, a community letter with counts only, as .eml drafts (guardians in
To, one family per draft, never a shared To or Cc), DOCX for print and a
mail-merge CSV. SafeSend drafts; sending is the district's act.

Files are named by number (family-001.eml), never by a child's name.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path

from docx import Document
from docx.enum.text import WD_BREAK

from ..spreadsheet import safe_cell
from ..store.incident_models import Incident
from . import letter_templates
from .affected import AffectedReport, AffectedStudent, Family
from .records import incident_label

MERGE_COLUMNS = ("family", "student_id", "student_first_name", "student_last_name", "school",
                 "grade", "plans", "exposed", "guardian_name", "guardian_email")


class LetterError(ValueError):
    """The letters cannot be drafted (no names available, a template that fails...)."""


@dataclass(frozen=True)
class Letter:
    family: str                       # "family-001"
    to: tuple[tuple[str, str], ...]   # (name, email) of each guardian
    subject: str
    body: str
    student_ids: tuple[str, ...]


@dataclass(frozen=True)
class Letters:
    families: tuple[Letter, ...]
    community: Letter


def incident_context(incident: Incident, district: str) -> dict:
    return {"label": incident_label(incident), "occurred": _day(incident.occurred_at),
            "discovered": _day(incident.discovered_at), "steps_taken": incident.steps_taken}


def _day(moment) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}" if moment else ""


def _student(s: AffectedStudent) -> dict:
    c = s.contact
    return {"first_name": c.first_name, "last_name": c.last_name, "school": c.school,
            "grade": c.grade, "plans": list(c.plans), "student_id": c.student_id,
            "exposed": s.exposed}


def draft_letters(report: AffectedReport, incident: Incident, district: str,
                  family_template: letter_templates.Template,
                  community_template: letter_templates.Template) -> Letters:
    if not report.names_available:
        raise LetterError(report.vault.message or "contacts are not available")
    context = {"district": district, "incident": incident_context(incident, district)}
    guard = _NameGuard(report.students)
    families = []
    for number, family in enumerate(report.families, start=1):
        guardian_names = " and ".join(g.name for g in family.guardians if g.name)
        values = {**context, "guardian_names": guardian_names,
                  "students": [_student(s) for s in family.students]}
        subject = _one_line(letter_templates.render(family_template.subject, values))
        body = letter_templates.render(family_template.body, values)
        guard.refuse_others(subject + "\n" + body, family.students, "a family letter")
        families.append(Letter(f"family-{number:03d}", tuple((g.name, g.email) for g in family.guardians),
                               subject, body, tuple(s.contact.student_id for s in family.students)))
    counts = {"students": report.student_count, "students_sensitive": report.sensitive_count,
              "families": len(report.families)}
    values = {**context, "counts": counts}
    subject = _one_line(letter_templates.render(community_template.subject, values))
    body = letter_templates.render(community_template.body, values)
    guard.refuse_others(subject + "\n" + body, (), "the community letter")
    return Letters(tuple(families), Letter("community", (), subject, body, ()))


_WORDS = re.compile(r"[\w'’-]+")
_LONGEST_NAME = 6   # words in a full name we look for


def _words(text: str) -> list[str]:
    return _WORDS.findall(text.casefold())


class _NameGuard:
    """A template can be edited to say anything: refuse a letter that names (or
    gives the ID of) an affected child it must not. Looks every word run of the
    letter up in one index, so 5,000 letters cost 5,000 look-ups, not 25 million."""

    def __init__(self, students) -> None:
        self.index: dict[str, set[str]] = {}
        for s in students:
            c = s.contact
            name = " ".join(_words(f"{c.first_name} {c.last_name}"))
            if " " in name:
                self.index.setdefault(name, set()).add(c.ref)
            if len(c.student_id) >= 4:
                self.index.setdefault(" ".join(_words(c.student_id)), set()).add(c.ref)

    def refuse_others(self, text: str, own, where: str) -> None:
        words = _words(text)
        own_refs = {s.contact.ref for s in own}
        for size in range(1, _LONGEST_NAME + 1):
            for start in range(len(words) - size + 1):
                refs = self.index.get(" ".join(words[start:start + size]))
                if refs and not refs & own_refs:
                    raise LetterError(f"{where} would name a student it must not: change the template")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def eml_bytes(letter: Letter, sender: str = "") -> bytes:
    """An unsent draft: Outlook opens X-Unsent messages ready to send; one family per draft."""
    msg = EmailMessage()
    msg["X-Unsent"] = "1"
    if sender:
        msg["From"] = sender
    if letter.to:
        msg["To"] = [Address(display_name=name, addr_spec=email) if _plain(email)
                     else formataddr((name, email)) for name, email in letter.to]
    msg["Subject"] = letter.subject
    msg.set_content(letter.body)
    return msg.as_bytes()


def _plain(email: str) -> bool:
    try:
        Address(addr_spec=email)
        return True
    except (ValueError, IndexError):
        return False


def docx_bytes(letters: list[Letter]) -> bytes:
    """Letters for print, one per page."""
    document = Document()
    for number, letter in enumerate(letters):
        if number:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_paragraph(letter.subject).runs[0].bold = True
        for paragraph in letter.body.split("\n"):
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def merge_rows(report: AffectedReport, families: tuple[Family, ...] | None = None):
    """One row per student and guardian (a student with none: one row, no address)."""
    for number, family in enumerate(families or report.families, start=1):
        for student in family.students:
            c = student.contact
            base = [f"family-{number:03d}", c.student_id, c.first_name, c.last_name, c.school,
                    c.grade, "; ".join(c.plans), student.exposed]
            for guardian in family.guardians or (None,):
                yield base + ([guardian.name, guardian.email] if guardian else ["", ""])


def merge_csv(report: AffectedReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MERGE_COLUMNS)
    for row in merge_rows(report):
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def write_letters(letters: Letters, report: AffectedReport, folder: Path, sender: str = "") -> list[Path]:
    """family-NNN.eml per family, community.eml, letters.docx (families, then the
    community letter) and mail-merge.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for letter in (*letters.families, letters.community):
        path = folder / f"{letter.family}.eml"
        path.write_bytes(eml_bytes(letter, sender))
        written.append(path)
    for name, data in (("letters.docx", docx_bytes([*letters.families, letters.community])),
                       ("mail-merge.csv", merge_csv(report).encode("utf-8-sig"))):
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written
