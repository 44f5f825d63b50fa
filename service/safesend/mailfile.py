"""Build a `Message` from an .eml (RFC 822) or Outlook .msg file.

Used by `safesend check` and the console's 'Try a message'. Header
addresses that cannot be parsed are kept as display-name-only recipients
rather than dropped, so a broken header never hides a recipient.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.header
import email.policy
import email.utils
import quopri
import re
from email.message import EmailMessage
from email.policy import EmailPolicy
from pathlib import Path

from .message import AddressError, Attachment, ClientInfo, Message, Recipient, parse_address


class MailFileError(ValueError):
    """A file that is neither a readable .eml nor a readable .msg."""


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DEFAULT_MAX_RECIPIENTS = 10_000  # the policy's limits.max_recipients default

# One top-level item of an address list: quoted strings, comments and <...>
# may hold commas. Counting these (in C) bounds the work before any parsing.
_ADDRESS_ITEM = re.compile(r'(?:"(?:[^"\\]|\\.)*"?|\((?:[^()\\]|\\.)*\)?|<[^>]*>?|[^,"(<])+')


def count_address_items(values: list[str]) -> int:
    """How many comma-separated addresses these header values hold, at most."""
    return sum(1 for value in values for item in _ADDRESS_ITEM.finditer(value)
               if not item.group().isspace())


def read_message_file(path: str | Path, max_recipients: int = DEFAULT_MAX_RECIPIENTS) -> Message:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MailFileError(f"cannot read {path}: {exc.strerror}") from None
    return parse_message_bytes(data, path.name, max_recipients)


def parse_message_bytes(data: bytes, name: str = "message",
                        max_recipients: int = DEFAULT_MAX_RECIPIENTS) -> Message:
    if data.startswith(OLE_MAGIC):
        return _from_msg(data, name, max_recipients)
    if name.lower().endswith(".msg"):
        raise MailFileError(f"{name} is not an Outlook .msg file")
    return _from_eml(data, name, max_recipients)


def _too_many(name: str, count: int, limit: int) -> MailFileError:
    return MailFileError(f"{name} has too many recipients: {count:,} (the limit is {limit:,})")


class _HeadersOncePolicy(EmailPolicy):
    """email.policy.default that parses each header value once per message.

    The email package builds a new header object on every `get`, and finding the
    body and attachments asks each part's Content-Type and Content-Disposition
    many times: that was most of the time spent on a typical message. The
    result for one (name, value) is always the same, so it is kept, in this
    message's policy only (nothing outlives the parsed message)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        object.__setattr__(self, "_parsed", {})   # policies refuse ordinary attributes

    def header_fetch_parse(self, name, value):
        key = (name, value)
        found = self._parsed.get(key)
        if found is None:
            found = self._parsed[key] = super().header_fetch_parse(name, value)
        return found


def _from_eml(data: bytes, name: str, max_recipients: int) -> Message:
    try:
        parsed = email.message_from_bytes(data, policy=_HeadersOncePolicy())
    except Exception as exc:  # the email package raises many kinds on broken input
        raise MailFileError(f"{name} is not a readable email: {exc}") from None
    # Raw header values, read in one pass: the email package's structured address
    # parser costs ~0.6 ms a recipient; the limit is applied before any address is parsed.
    raw = _raw_headers(parsed, ("from", "to", "cc", "bcc", "subject", "in-reply-to"))
    if not any(value.strip() for field in ("from", "to", "cc", "bcc", "subject")
               for value in raw[field]):
        raise MailFileError(f"{name} has no email headers (From, To, Subject)")
    count = count_address_items([v for field in ("to", "cc", "bcc") for v in raw[field]])
    if count > max_recipients:
        raise _too_many(name, count, max_recipients)
    bodies = _body_parts(parsed)
    text, html = _eml_bodies(bodies)
    subject = _header(parsed, "Subject")
    return Message(
        sender=_first_address(raw["from"][0] if raw["from"] else ""),
        to=_recipients_from_pairs(_addresses(raw["to"]), "to"),
        cc=_recipients_from_pairs(_addresses(raw["cc"]), "cc"),
        bcc=_recipients_from_pairs(_addresses(raw["bcc"]), "bcc"),
        subject=subject,
        body_text=text, body_html=html,
        attachments=tuple(_eml_attachments(parsed, bodies)),
        client=ClientInfo(app="file", version=""),
        is_reply=any(v.strip() for v in raw["in-reply-to"]) or subject.lower().startswith("re:"),
    )


def _header(parsed: EmailMessage, name: str) -> str:
    try:
        return str(parsed.get(name, "") or "")
    except Exception:  # undecodable header: use the raw value
        raw = parsed.get_all(name, failobj=[""])
        return str(raw[0]) if raw else ""


def _raw_headers(parsed: EmailMessage, fields: tuple[str, ...]) -> dict[str, list[str]]:
    """These headers' values as written (unfolded), not run through the header parser."""
    found: dict[str, list[str]] = {field: [] for field in fields}
    for key, value in parsed.raw_items():
        values = found.get(key.lower())
        if values is not None:
            values.append(str(value).replace("\r", "").replace("\n", ""))
    return found


_NAME_ADDR = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^"<>(),:;@]*?))\s*<([^<>"()\s]*)>\s*')
_GROUP_START = re.compile(r'\s*(?:"(?:[^"\\]|\\.)*"|[^"<>(),:;@])*:')


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) pairs, one per top-level item; encoded-word
    names (=?utf-8?...?=) decoded. The usual forms (a@x.org, Name <a@x.org>,
    "Doe, Pat" <a@x.org>) are matched directly; anything else goes through
    the email package's parser one item at a time."""
    pairs = []
    for value in values:
        for match in _ADDRESS_ITEM.finditer(value):
            item = match.group()
            group = _GROUP_START.match(item)  # "Team: a@x.org" starts a group
            if group:
                item = item[group.end():]
            item = item.strip().rstrip(";").strip()
            if item:
                pairs.append(_address_pair(item))
    return pairs


def _address_pair(item: str) -> tuple[str, str]:
    if "<" not in item and "(" not in item and '"' not in item:
        return ("", item) if "@" in item else (item, "")
    named = _NAME_ADDR.fullmatch(item)
    if named:
        quoted, plain, addr = named.groups()
        name = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else plain
        return _decoded_name(name.strip()), addr
    parsed = [pair for pair in email.utils.getaddresses([item]) if any(pair)]
    if len(parsed) == 1:
        return _decoded_name(parsed[0][0]), parsed[0][1]
    return item, ""  # not one address: kept as a display name, never dropped


def _decoded_name(name: str) -> str:
    if "=?" not in name:
        return name
    try:
        return str(email.header.make_header(email.header.decode_header(name)))
    except Exception:  # a broken encoded word: the name is only shown, keep it as written
        return name


def _recipients_from_pairs(pairs, field: str) -> tuple[Recipient, ...]:
    result = []
    for name, addr in pairs:
        if not addr and not name:
            continue
        try:
            address, display = parse_address(addr, name)
        except AddressError:
            address, display = "", (name or addr)
        result.append(Recipient(address=address, name=display, field=field))  # type: ignore[arg-type]
    return tuple(result)


def _first_address(value: str) -> str:
    for _, addr in email.utils.getaddresses([value]):
        try:
            address, _ = parse_address(addr)
        except AddressError:
            continue
        if address:
            return address
    return ""


def _body_parts(parsed: EmailMessage) -> dict[str, EmailMessage]:
    """The text and the HTML body parts ("plain", "html"), those the message has."""
    parts = {}
    for kind in ("plain", "html"):
        try:
            part = parsed.get_body(preferencelist=(kind,))
        except Exception:
            part = None
        if part is not None:
            parts[kind] = part
    return parts


def _eml_bodies(bodies: dict[str, EmailMessage]) -> tuple[str, str]:
    text = html = ""
    for kind, part in bodies.items():
        try:
            content = part.get_content()
        except Exception:
            content = ""
        if kind == "plain":
            text = content if isinstance(content, str) else ""
        else:
            html = content if isinstance(content, str) else ""
    return text, html


def _eml_attachments(parsed: EmailMessage, bodies: dict[str, EmailMessage]):
    try:
        parts = list(_attachment_parts(parsed, {id(part) for part in bodies.values()}))
    except Exception:  # a structure the parser cannot walk: what it holds is not checked
        yield Attachment(name="attachments", content_type=parsed.get_content_type(), data=b"",
                         unread=UNWALKABLE)
        return
    for index, part in enumerate(parts):
        ctype = part.get_content_type()
        name = part.get_filename() or f"attachment-{index + 1}"
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else payload
            data = inner.as_bytes() if hasattr(inner, "as_bytes") else b""
            data = _undo_transfer_encoding(data, part.get("Content-Transfer-Encoding", ""))
            if not name.lower().endswith(".eml"):
                name += ".eml"
        elif part.is_multipart():  # the top of a subtree nested too deep (see _attachment_parts)
            yield Attachment(name=name, content_type=ctype, data=b"", unread=TOO_DEEP)
            continue
        else:
            try:
                data = part.get_payload(decode=True) or b""
            except Exception:
                data = b""
        yield Attachment(name=name, content_type=ctype, data=data, inline=pasted_picture(part))


def _attachment_parts(parsed: EmailMessage, bodies: set[int]):
    """Every leaf part but the body parts (`bodies`: their ids), however deep: the
    standard library's iter_attachments() sees only the top level, and Apple Mail
    and Thunderbird put a pasted picture inside multipart/alternative >
    multipart/related, beside the HTML. An attached email is one part (its own
    parts are its own). A multipart nested deeper than MAX_MIME_DEPTH is yielded
    itself, unread: what it holds is reported as not checked, not silently skipped."""

    def visit(part, depth: int):
        if part.get_content_type() == "message/rfc822" and part is not parsed:
            yield part
        elif part.is_multipart():
            if depth < MAX_MIME_DEPTH:
                for sub in part.iter_parts():
                    yield from visit(sub, depth + 1)
            else:
                yield part
        elif id(part) not in bodies:
            yield part

    yield from visit(parsed, 0)


MAX_MIME_DEPTH = 20  # nested multiparts read; deeper ones are a crafted message, not mail
# Content hidden below that depth must not let a message pass as checked.
UNWALKABLE = "the message's parts could not be read, so SafeSend did not check its attachments"
TOO_DEEP = (f"it is nested more than {MAX_MIME_DEPTH} levels deep in the message, so SafeSend "
            "did not read it")


def pasted_picture(part) -> bool:
    """A picture the body shows in place (referenced by cid: from the HTML), which the
    sender pasted rather than attached: findings call it a picture in the body."""
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    return part.get_content_maintype() == "image" and bool(part.get("Content-ID")) \
        and disposition != "attachment"


def _undo_transfer_encoding(data: bytes, encoding: str) -> bytes:
    """Some clients base64-encode attached messages, which RFC 2046 forbids;
    the email package then leaves the encoded text as the inner message."""
    encoding = str(encoding).strip().lower()
    try:
        if encoding == "base64":
            return base64.b64decode(data.strip(), validate=False)
        if encoding == "quoted-printable":
            return quopri.decodestring(data)
    except (ValueError, binascii.Error):
        return data
    return data


def _from_msg(data: bytes, name: str, max_recipients: int) -> Message:
    import extract_msg

    try:
        msg = extract_msg.openMsg(data, delayAttachments=False)
    except Exception as exc:  # extract-msg raises many kinds on broken input
        raise MailFileError(f"{name} is not a readable Outlook message: {exc}") from None
    try:
        recipients = {"to": [], "cc": [], "bcc": []}
        listed = getattr(msg, "recipients", []) or []
        if len(listed) > max_recipients:
            raise _too_many(name, len(listed), max_recipients)
        for rec in listed:
            field = {1: "to", 2: "cc", 3: "bcc"}.get(int(getattr(rec, "type", 1) or 1), "to")
            recipients[field].append((rec.name or "", rec.email or ""))
        subject = msg.subject or ""
        body_text = _safe(lambda: msg.body) or ""
        body_html = _decoded(_safe(lambda: msg.htmlBody))
        if not body_text and not body_html:  # an RTF-only body (Outlook's rich text)
            from .extract.mail import rtf_body_text

            body_text = rtf_body_text(_safe(lambda: msg.rtfBody))
        return Message(
            sender=_first_address(str(getattr(msg, "sender", "") or "")),
            to=_recipients_from_pairs(recipients["to"], "to"),
            cc=_recipients_from_pairs(recipients["cc"], "cc"),
            bcc=_recipients_from_pairs(recipients["bcc"], "bcc"),
            subject=subject,
            body_text=body_text if isinstance(body_text, str) else _decoded(body_text),
            body_html=body_html,
            attachments=tuple(_msg_attachments(msg)),
            client=ClientInfo(app="file", version=""),
            is_reply=bool(_safe(lambda: msg.inReplyTo)) or subject.lower().startswith("re:"),
        )
    finally:
        msg.close()


def _msg_attachments(msg):
    for index, att in enumerate(getattr(msg, "attachments", []) or []):
        yield _msg_attachment(att, index)


def _msg_attachment(att, index: int) -> Attachment:
    name = str(_safe(lambda: att.longFilename) or _safe(lambda: att.shortFilename)
               or f"attachment-{index + 1}")
    payload = _safe(lambda: att.data)
    if isinstance(payload, (bytes, bytearray)):
        ctype = str(_safe(lambda: att.mimetype) or "application/octet-stream")
        return Attachment(name=name, content_type=ctype, data=bytes(payload))
    if payload is not None and hasattr(payload, "exportBytes"):
        data = _safe(payload.exportBytes) or b""
        label = name if name.lower().endswith(".msg") else f"{name}.msg"
        return Attachment(name=label, content_type="application/vnd.ms-outlook", data=data,
                          missing=not data)
    return Attachment(name=name, content_type="application/octet-stream", data=b"", missing=True)


def _safe(getter):
    try:
        return getter()
    except Exception:  # a damaged property must not lose the rest of the message
        return None


def _decoded(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value or ""
