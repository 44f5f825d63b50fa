"""Synthetic messages for the gate tests: raw MIME as a sending server would relay it."""

from __future__ import annotations

import csv
import io
import smtplib
from email.message import EmailMessage
from email.policy import SMTP

from gate.conftest import ROSTER

from messages import TEACHER, parents


def plan_sheet(count: int = 230) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Student ID", "First Name", "Last Name", "Plan"])
    students = [s for s in ROSTER.students if "504" in s.flags][:count]
    assert len(students) == count
    for s in students:
        writer.writerow([s.student_id, s.first, s.last, "504"])
    return out.getvalue().encode()


def build(to=(), cc=(), subject="Field trip", body="See you Friday.\n", sender=TEACHER,
          attachments=(), extra_headers=()) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"Ms. Teacher <{sender}>"
    if to:
        msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash((subject, body, tuple(to)))) % 10**12}@district.example.org>"
    for name, value in extra_headers:
        msg[name] = value
    msg.set_content(body)
    for name, ctype, data in attachments:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def seed_message() -> tuple[bytes, list[str]]:
    """The incident: 230 students on 504 plans, sent to parents in To."""
    to = parents(40)
    raw = build(to=to, subject="Updated accommodations list",
                body="Hello families,\nplease see the attached list before Friday.\n",
                attachments=[("accommodations.csv", "text/csv", plan_sheet())])
    return raw, to


def send(port: int, raw: bytes, rcpts: list[str], sender: str = TEACHER):
    """Submit like a sending server; returns the refusal (code, text) or None when accepted."""
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        try:
            smtp.sendmail(sender, rcpts, raw)
        except smtplib.SMTPDataError as exc:
            return exc.smtp_code, exc.smtp_error.decode("utf-8", "replace")
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return code, text.decode("utf-8", "replace")
    return None
