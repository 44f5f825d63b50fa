"""Attached emails: .eml / message/rfc822 parts (stdlib email), mailbox
files, and Outlook .msg (extract-msg). The subject and body are read here;
their attachments (and attached emails) become children, so they are
scanned with the same limits and count towards the nesting depth.

Headers other than the subject are not read: the addresses of an old,
forwarded message are not this message's recipients.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import re
from email.message import Message

from . import reasons
from .htmlbody import read_html_body
from .sink import Out, ScanStop
from .text import decode

_MBOX_SPLIT = re.compile(rb"(?m)^From [^\n]*\n")
_MIN_CFB = 1536  # olefile treats shorter bytes as a *file name*: never pass them


def read_email(data: bytes, out: Out) -> None:
    # compat32 is the lenient policy: it records defects instead of raising
    # on broken headers, and does no slow header object parsing.
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    read_message(message, out)


def read_mbox(data: bytes, out: Out) -> None:
    for number, raw in enumerate((m for m in _MBOX_SPLIT.split(data) if m.strip()), start=1):
        out.check_time()
        out.child(f"message {number}.eml", "message/rfc822", raw)


def read_message(message: Message, out: Out) -> None:
    out.text("subject", header_text(message.get("Subject")))
    walker = _PartWalker(out)
    walker.visit(message)
    out.text("body", "\n\n".join(b.strip() for b in walker.bodies if b.strip()))


def header_text(value: object) -> str:
    if value is None:
        return ""
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        return str(value)


class _PartWalker:
    """Bodies in order; everything else (files, attached emails) as children."""

    def __init__(self, out: Out):
        self.out = out
        self.bodies: list[str] = []
        self.unnamed = 0
        self.html_tables = 0

    def visit(self, part: Message) -> None:
        stack = [part]
        while stack:
            self.out.tick()
            current = stack.pop()
            ctype = current.get_content_type()
            if ctype == "message/rfc822" or (current is not part and ctype.startswith("message/")
                                             and current.get_filename()):
                self._attached_message(current)
            elif current.is_multipart():
                stack.extend(reversed(self._alternatives(current)))
            else:
                self._leaf(current, ctype)

    @staticmethod
    def _alternatives(part: Message) -> list[Message]:
        # Every alternative is read (a stub text part often stands beside the
        # HTML that holds the content); the email is one source, so a student
        # in both is counted once.
        return [p for p in part.get_payload() if isinstance(p, Message)]

    def _leaf(self, part: Message, ctype: str) -> None:
        filename = _filename(part)
        payload = part.get_payload(decode=True) or b""
        is_body = ctype in ("text/plain", "text/html") and not filename and (
            part.get_content_disposition() != "attachment")
        if is_body:
            text = decode(payload, part.get_content_charset())
            if ctype == "text/html":
                text, found = read_html_body(text, max(self.out.chars_left, 0) + 1)
                for rows in found:
                    self.html_tables += 1
                    self.out.table(f"body table {self.html_tables}", rows)
            self.bodies.append(text)
        elif payload:
            self.out.child(filename or self._unnamed(ctype), ctype, payload)

    def _attached_message(self, part: Message) -> None:
        inner = part.get_payload()
        if isinstance(inner, list):
            inner = inner[0] if inner else None
        if isinstance(inner, Message):
            data = _message_bytes(inner)
        else:  # a message/* part the parser left as text or bytes
            data = part.get_payload(decode=True) or b""
        name = _filename(part) or self._unnamed("message/rfc822")
        if not name.lower().endswith((".eml", ".msg")):
            name += ".eml"
        self.out.child(name, "message/rfc822", data)

    def _unnamed(self, ctype: str) -> str:
        self.unnamed += 1
        if ctype == "message/rfc822":
            return f"attached message {self.unnamed}.eml"
        return f"part {self.unnamed}"


def _filename(part: Message) -> str | None:
    """The attachment's name; many mailers put RFC 2047 words in it."""
    try:
        name = part.get_filename()
    except (ValueError, LookupError, TypeError):
        return None
    return header_text(name) if name and "=?" in name else name


def _message_bytes(message: Message) -> bytes:
    try:
        return message.as_bytes(policy=email.policy.compat32)
    except (UnicodeError, LookupError, ValueError, TypeError, AttributeError):
        return message.as_string().encode("utf-8", "replace")


# --- Outlook .msg ----------------------------------------------------------------


def read_msg(data: bytes, out: Out) -> None:
    import extract_msg
    from extract_msg.enums import ErrorBehavior

    if len(data) < _MIN_CFB:
        raise ValueError("too short for an Outlook message")
    message = extract_msg.openMsg(data, errorBehavior=ErrorBehavior.SUPPRESS_ALL, strict=False)
    try:
        out.text("subject", _safe(lambda: message.subject) or "")
        out.text("body", _msg_body(message, out))
        for number, attachment in enumerate(_safe(lambda: message.attachments) or [], start=1):
            out.check_time()
            _msg_attachment(attachment, number, out)
    finally:
        message.close()


def _msg_body(message, out: Out) -> str:
    """The text body and the HTML body (its tables as tables); the RTF body
    when there is neither."""
    parts = []
    body = _safe(lambda: message.body)
    if body:
        parts.append(body if isinstance(body, str) else decode(body))
    html = _safe(lambda: message.htmlBody)
    if html:
        text, found = read_html_body(decode(html) if isinstance(html, bytes) else html,
                                     max(out.chars_left, 0) + 1)
        for index, rows in enumerate(found, start=1):
            out.table(f"body table {index}", rows)
        parts.append(text)
    if not parts:
        parts.append(rtf_body_text(_safe(lambda: message.rtfBody)))
    return "\n\n".join(p.strip() for p in parts if p.strip())


def rtf_body_text(rtf: object) -> str:
    """The text of an Outlook RTF body (decompressed by extract-msg)."""
    if not isinstance(rtf, bytes) or not rtf.strip():
        return ""
    from striprtf.striprtf import rtf_to_text

    try:
        return rtf_to_text(rtf.decode("latin-1"), errors="replace")
    except Exception:  # a damaged RTF body: the rest of the message is still read
        return ""


def _msg_attachment(attachment, number: int, out: Out) -> None:
    name = (_safe(lambda: attachment.longFilename) or _safe(lambda: attachment.shortFilename)
            or _safe(lambda: attachment.name) or f"attachment {number}")
    data = _safe(lambda: attachment.data)
    if isinstance(data, bytes):
        out.child(str(name), _safe(lambda: attachment.mimetype), data)
    elif data is not None and hasattr(data, "exportBytes"):  # an attached Outlook message
        exported = _safe(lambda: data.exportBytes())
        if not exported:
            out.problem(reasons.damaged("Outlook message"), str(name))
            return
        name = str(name) if str(name).lower().endswith(".msg") else f"{name}.msg"
        out.child(name, "application/vnd.ms-outlook", exported)


def _safe(getter):
    """One property of a damaged .msg failing should not lose the others."""
    try:
        return getter()
    except ScanStop:
        raise
    except Exception:
        return None
