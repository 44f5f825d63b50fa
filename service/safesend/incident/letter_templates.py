"""Letter templates: the district's wording, Jinja2 in a sandbox.

Defaults live here; a district's edits are stored per tenant (console:
Incidents > Letters, with a preview on invented data). The family letter
gets one family's own children and nothing about anyone else; the community
letter gets counts and dates only, so no template can name a child there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store import audit
from ..store.incident_models import LetterTemplate
from ..store.models import utcnow

NAMES = ("family", "community")

DEFAULTS = {
    "family": (
        "About a message from {{ district }} that included information about {{ students[0].first_name }}",
        """Dear {{ guardian_names or "Parent or Guardian" }},

On {{ incident.occurred }}, a message sent from {{ district }} included information about \
{% for s in students %}{{ s.first_name }} {{ s.last_name }}{% if not loop.last %} and {% endif %}\
{% endfor %} that should not have been shared. We found this on {{ incident.discovered }}.

What was shared:
{% for s in students %}- About {{ s.first_name }}\
{% if s.school %} ({{ s.school }}{% if s.grade %}, grade {{ s.grade }}{% endif %}){% endif %}\
: {{ s.exposed }}.
{% endfor %}
What we have done:
{{ incident.steps_taken or "We are reviewing what happened and will write again with the steps we take." }}

We are sorry. This should not have happened, and we are taking steps so that it does not happen again.
If you have questions, please reply to this message or call the school office.
Reference: {{ incident.label }}

Sincerely,
{{ district }}
"""),
    "community": (
        "A message from {{ district }} about student information shared by mistake",
        """Dear {{ district }} community,

On {{ incident.occurred }}, a message sent from our district included information about \
{{ counts.students }} student{{ "s" if counts.students != 1 else "" }}\
{% if counts.students_sensitive %}, including {{ counts.students_sensitive }} with a support plan\
{% endif %}, that should not have been shared. We found this on {{ incident.discovered }}.

We have written to each of the {{ counts.families }} families concerned about their own child.

What we have done:
{{ incident.steps_taken or "We are reviewing what happened and will share the steps we take." }}

We take the privacy of our students seriously, and we are sorry.
Reference: {{ incident.label }}

{{ district }}
"""),
}

# Invented people for the console's preview: never a real roster.
SAMPLE_FAMILY = {
    "guardian_names": "Alex Sample and Jordan Sample",
    "students": [{"first_name": "Casey", "last_name": "Sample", "school": "Example Elementary",
                  "grade": "4", "plans": ["504"], "student_id": "00000000",
                  "exposed": "information that identifies them (their name or student ID), "
                             "in a message that may reveal their 504 plan"}],
}
SAMPLE_COUNTS = {"students": 230, "students_sensitive": 230, "families": 230}


class LetterTemplateError(ValueError):
    """A template that does not render (the message says where)."""


@dataclass(frozen=True)
class Template:
    name: str
    subject: str
    body: str
    customized: bool


_ENV = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)


@lru_cache(maxsize=32)
def _compiled(source: str):
    return _ENV.from_string(source)   # compiled once: 5,000 letters share one template


def render(source: str, context: dict) -> str:
    try:
        return _compiled(source).render(**context)
    except TemplateError as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise LetterTemplateError(f"the template does not render{line}: {exc.message}") from None


def load(session: Session, tenant_id: str, name: str) -> Template:
    row = session.scalar(select(LetterTemplate).where(LetterTemplate.tenant_id == tenant_id,
                                                      LetterTemplate.name == name))
    if row is None:
        subject, body = DEFAULTS[name]
        return Template(name, subject, body, False)
    return Template(name, row.subject, row.body, True)


def sample_context(name: str, district: str) -> dict:
    incident = {"label": "INC-0", "occurred": "September 3, 2026", "discovered": "September 4, 2026",
                "steps_taken": "We asked every recipient to delete the message."}
    if name == "family":
        return {"district": district, "incident": incident, **SAMPLE_FAMILY}
    return {"district": district, "incident": incident, "counts": SAMPLE_COUNTS}


def preview(name: str, subject: str, body: str, district: str) -> tuple[str, str]:
    context = sample_context(name, district)
    return render(subject, context).strip(), render(body, context)


def save(session: Session, tenant_id: str, name: str, subject: str, body: str, actor: str) -> Template:
    if name not in NAMES:
        raise LetterTemplateError(f"no letter {name!r} (letters: {', '.join(NAMES)})")
    if not subject.strip() or not body.strip():
        raise LetterTemplateError("the subject and the text are both needed")
    if len(subject) > 300 or len(body) > 20000:
        raise LetterTemplateError("the subject is at most 300 characters, the text 20,000")
    preview(name, subject, body, "District")   # refuse what does not render
    row = session.scalar(select(LetterTemplate).where(LetterTemplate.tenant_id == tenant_id,
                                                      LetterTemplate.name == name))
    if row is None:
        row = LetterTemplate(tenant_id=tenant_id, name=name, subject=subject, body=body)
        session.add(row)
    row.subject, row.body, row.updated_at, row.updated_by = subject, body, utcnow(), actor
    session.flush()
    audit.append(session, tenant_id, actor, "letters.template", name)
    return Template(name, subject, body, True)


def reset(session: Session, tenant_id: str, name: str, actor: str) -> None:
    row = session.scalar(select(LetterTemplate).where(LetterTemplate.tenant_id == tenant_id,
                                                      LetterTemplate.name == name))
    if row is not None:
        session.delete(row)
        audit.append(session, tenant_id, actor, "letters.template", f"{name} (default)")
