"""A synthetic staff sent-mail folder: ordinary messages (some with harmless
attachments) and one seed-like message, a 230-row spreadsheet of students on
504 plans sent to the all-parents list. Every person here is invented.
Imported by the tests and the benchmark as `incident.sent_mail`."""

from __future__ import annotations

import io
import mailbox
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from detect.synthetic import WORDS, synthetic_roster

DISTRICT = "district.example.org"
PARENTS_LIST = f"all-parents@{DISTRICT}"
STAFF = tuple(f"{n}@{DISTRICT}" for n in ("a.rivera", "b.okafor", "c.nguyen", "d.patel"))
POLICY = {
    "internal_domains": [DISTRICT],
    "directory": {"backends": [{"type": "static", "lists": [
        {"address": PARENTS_LIST, "members": 2000, "external": 1960}]}]},
}
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
SEED_INDEX = 317          # where the seed-like message sits among the ordinary ones


@dataclass
class SentMail:
    messages: list[bytes]
    roster_csv: bytes
    exposed_ids: list[str]          # the 230 students in the seed-like spreadsheet
    seed_message_id: str


def roster():
    """2,000 students, about a quarter of them with a 504 plan or an IEP."""
    return synthetic_roster(2000, seed=12, plan_rate=0.5)


def build(ordinary: int = 520, seed: int = 3, with_seed: bool = True) -> SentMail:
    rng = random.Random(seed)
    students = roster()
    on_504 = [s for s in students.students if "504" in s.flags][:230]
    assert len(on_504) == 230
    messages = [ordinary_message(n, rng) for n in range(ordinary)]
    seed_id = make_msgid(idstring="seed", domain=DISTRICT)
    if with_seed:
        messages.insert(SEED_INDEX, seed_message(on_504, seed_id))
    return SentMail(messages, students.csv_text().encode(), [s.student_id for s in on_504], seed_id)


def ordinary_message(n: int, rng: random.Random, attachment_bytes: int = 1200) -> bytes:
    message = EmailMessage()
    sender = STAFF[n % len(STAFF)]
    message["From"] = sender
    message["To"] = ", ".join(rng.sample([s for s in STAFF if s != sender], rng.randint(1, 2)))
    message["Subject"] = " ".join(rng.choice(WORDS) for _ in range(5)).capitalize()
    message["Date"] = format_datetime(START + timedelta(minutes=37 * n))
    message["Message-ID"] = make_msgid(idstring=f"m{n}", domain=DISTRICT)
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 160)))
    message.set_content(body.capitalize() + ".\n")
    if n % 3 == 0:
        text = " ".join(rng.choice(WORDS) for _ in range(attachment_bytes // 6))
        message.add_attachment(text.encode(), maintype="text", subtype="plain", filename=f"notes-{n}.txt")
    return message.as_bytes()


def seed_message(students, message_id: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Student ID", "First Name", "Last Name", "Date of Birth", "Plan", "Accommodations"])
    for s in students:
        sheet.append([s.student_id, s.first, s.last, s.dob.isoformat(), "504",
                      "Extended time; preferential seating"])
    data = io.BytesIO()
    book.save(data)
    message = EmailMessage()
    message["From"] = STAFF[0]
    message["To"] = PARENTS_LIST
    message["Subject"] = "Updated fall schedule"
    message["Date"] = format_datetime(START + timedelta(days=9, hours=3))
    message["Message-ID"] = message_id
    message.set_content("Hello families, please find the updated schedule attached.\n")
    message.add_attachment(data.getvalue(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename="fall schedule.xlsx")
    return message.as_bytes()


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.mbox(str(path), create=True)
    box.lock()
    try:
        for raw in messages:
            box.add(raw)
        box.flush()
    finally:
        box.unlock()
        box.close()
    return path
