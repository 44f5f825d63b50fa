"""Raw sent mail -> `Message`, quickly: a scan reads hundreds of thousands
of messages, and the email package's modern header classes cost more than
the whole check. This parses with the compat32 policy (plain strings), reads
each header once, and builds the same `Message` mailfile.py builds for a
send-time check of an .eml file. Outlook .msg files, and anything this
cannot read, go through mailfile.py."""

from __future__ import annotations

import email
import email.utils
from dataclasses import dataclass
from datetime import datetime
from email.header import decode_header, make_header
from email.message import Message as MimePart
from email.policy import compat32

from ..mailfile import (
    MAX_MIME_DEPTH,
    OLE_MAGIC,
    TOO_DEEP,
    MailFileError,
    _first_address,
    _recipients_from_pairs,
    parse_message_bytes,
    pasted_picture,
)
from ..message import Attachment, ClientInfo, Message
from .sources.mbox import header_date


@dataclass(frozen=True)
class Parsed:
    message: Message
    message_id: str
    sent_at: datetime | None


def parse_sent(raw: bytes) -> Parsed:
    """Raises MailFileError for a file that is not a readable message."""
    if raw.startswith(OLE_MAGIC):
        return Parsed(parse_message_bytes(raw, "message.msg"), "", None)
    try:
        parsed = email.message_from_bytes(raw, policy=compat32)
    except Exception as exc:  # the email package raises many kinds on broken input
        raise MailFileError(f"not a readable email: {exc}") from None
    if not any(parsed.get(h) for h in ("From", "To", "Cc", "Bcc", "Subject")):
        raise MailFileError("no email headers (From, To, Subject)")
    try:
        return _parsed(parsed)
    except Exception:  # an odd structure: the send-time parser, which tolerates more
        return Parsed(parse_message_bytes(raw, "message.eml"), _message_id(parsed),
                      header_date(parsed.get("Date")))


def _parsed(parsed: MimePart) -> Parsed:
    bodies: dict[str, str] = {}
    attachments: list[Attachment] = []
    _visit(parsed, bodies, attachments)
    subject = _text(parsed.get("Subject"))
    message = Message(
        sender=_first_address(_text(parsed.get("From"))),
        to=_recipients(parsed, "To", "to"), cc=_recipients(parsed, "Cc", "cc"),
        bcc=_recipients(parsed, "Bcc", "bcc"),
        subject=subject, body_text=bodies.get("plain", ""), body_html=bodies.get("html", ""),
        attachments=tuple(attachments), client=ClientInfo(app="file", version=""),
        is_reply=bool(parsed.get("In-Reply-To")) or subject.lower().startswith("re:"),
    )
    return Parsed(message, _message_id(parsed), header_date(parsed.get("Date")))


def _visit(part: MimePart, bodies: dict[str, str], attachments: list[Attachment],
           depth: int = 0) -> None:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        data = inner.as_bytes() if hasattr(inner, "as_bytes") else b""
        name = part.get_filename() or f"attachment-{len(attachments) + 1}"
        attachments.append(Attachment(name if name.lower().endswith(".eml") else name + ".eml", ctype, data))
        return
    if part.is_multipart():
        if depth >= MAX_MIME_DEPTH:  # as mailfile.py: reported as not checked, not skipped
            name = part.get_filename()
            attachments.append(Attachment(_text(name) if name else f"attachment-{len(attachments) + 1}",
                                          ctype, b"", unread=TOO_DEEP))
            return
        for sub in part.get_payload():
            _visit(sub, bodies, attachments, depth + 1)
        return
    name = part.get_filename()
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    kind = ctype.partition("/")[2]
    if ctype in ("text/plain", "text/html") and not name and disposition != "attachment" \
            and kind not in bodies:
        bodies[kind] = _decoded_text(part)
        return
    data = part.get_payload(decode=True) or b""
    attachments.append(Attachment(_text(name) if name else f"attachment-{len(attachments) + 1}", ctype,
                                  data if isinstance(data, bytes) else b"", inline=pasted_picture(part)))


def _decoded_text(part: MimePart) -> str:
    data = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _recipients(parsed: MimePart, header: str, field: str):
    values = [_text(v) for v in parsed.get_all(header, [])]
    return _recipients_from_pairs(email.utils.getaddresses(values), field)


def _text(value) -> str:
    """A header as text, RFC 2047 encoded words decoded when there are any."""
    if value is None:
        return ""
    text = str(value)
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # a broken encoded word: keep the raw text
        return text


def _message_id(parsed: MimePart) -> str:
    return " ".join(str(parsed.get("Message-ID") or "").split())[:998]
