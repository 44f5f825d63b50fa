"""Synthetic messages for tests: invented people at reserved example domains."""

from __future__ import annotations

from email.message import EmailMessage

from safesend.message import Message, Recipient

DISTRICT = "district.example.org"
TEACHER = f"teacher@{DISTRICT}"


def parents(count: int, start: int = 1) -> list[str]:
    domains = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com")
    return [f"parent{i}@{domains[i % len(domains)]}" for i in range(start, start + count)]


def staff(count: int) -> list[str]:
    return [f"staff{i}@{DISTRICT}" for i in range(1, count + 1)]


def message(to=(), cc=(), bcc=(), subject="Field trip", body="See you Friday.",
            sender=TEACHER, **kwargs) -> Message:
    def recips(addresses, field):
        return tuple(a if isinstance(a, Recipient) else Recipient(address=a, field=field)
                     for a in addresses)

    return Message(sender=sender, to=recips(to, "to"), cc=recips(cc, "cc"),
                   bcc=recips(bcc, "bcc"), subject=subject, body_text=body, **kwargs)


def check_request(to=(), cc=(), bcc=(), subject="Field trip", body="See you Friday.",
                  sender=TEACHER, **extra) -> dict:
    def recips(addresses):
        return [{"address": a, "name": ""} for a in addresses]

    return {"sender": sender, "to": recips(to), "cc": recips(cc), "bcc": recips(bcc),
            "subject": subject, "body": {"text": body, "html": None}, "attachments": [],
            "client": {"app": "test", "version": "1"}, **extra}


def eml_bytes(to=(), cc=(), bcc=(), subject="Field trip", body="See you Friday.",
              sender=TEACHER, attachments=()) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Ms. Teacher <{sender}>"
    if to:
        msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if bcc:
        msg["Bcc"] = ", ".join(bcc)
    msg["Subject"] = subject
    msg.set_content(body)
    for name, ctype, data in attachments:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()
