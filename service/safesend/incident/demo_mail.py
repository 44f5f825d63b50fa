"""A synthetic sent-mail export for the demo's Incidents page: ordinary staff
mail and one spreadsheet of students on 504 plans sent to the all-parents
list. Every person is invented (the demo roster). Development only."""

from __future__ import annotations

import io
import mailbox
import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

DISTRICT = "district.example.org"
WORDS = ("schedule meeting parents families teacher principal library lunch recess bus calendar "
         "assembly concert practice project grade conference volunteer update reminder please thank "
         "you next week friday monday tomorrow afternoon morning office room form budget").split()


def write_demo_export(folder: Path, roster, ordinary: int = 300) -> Path:
    """instance/exports/demo-sent.mbox, written once."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo-sent.mbox"
    if path.exists():
        return path
    rng = random.Random(12)
    start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    staff = [f"{n}@{DISTRICT}" for n in ("a.rivera", "b.okafor", "c.nguyen", "d.patel")]
    box = mailbox.mbox(str(path), create=True)
    try:
        for n in range(ordinary):
            message = EmailMessage()
            message["From"], message["To"] = staff[n % 4], staff[(n + 1) % 4]
            message["Subject"] = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
            message["Date"] = format_datetime(start + timedelta(minutes=53 * n))
            message["Message-ID"] = make_msgid(domain=DISTRICT)
            message.set_content(" ".join(rng.choice(WORDS) for _ in range(60)) + "\n")
            box.add(message.as_bytes())
            if n == ordinary // 2:
                box.add(_seed_like(roster, staff[0], start + timedelta(minutes=53 * n + 5)))
        box.flush()
    finally:
        box.close()
    return path


def _seed_like(roster, sender: str, moment: datetime) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Student ID", "First Name", "Last Name", "Date of Birth", "Plan"])
    for s in [s for s in roster.students if "504" in s.flags][:60]:
        sheet.append([s.student_id, s.first, s.last, s.dob.isoformat(), "504"])
    data = io.BytesIO()
    book.save(data)
    message = EmailMessage()
    message["From"], message["To"] = sender, f"all-parents@{DISTRICT}"
    message["Subject"] = "Updated fall schedule"
    message["Date"] = format_datetime(moment)
    message["Message-ID"] = make_msgid(domain=DISTRICT)
    message.set_content("Hello families, the updated schedule is attached.\n")
    message.add_attachment(data.getvalue(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename="fall schedule.xlsx")
    return message.as_bytes()
