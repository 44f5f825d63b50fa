"""The X-SafeSend stamp: an HMAC over a content fingerprint and a check id.

The Outlook add-in receives the stamp in the verdict and sets it as an
internet header, so the gate does not check the same content twice. The
fingerprint covers what the sender means to send and nothing an MTA adds or
re-encodes on the way: sender, each recipient with its field (Bcc recipients
come from the SMTP envelope at the gate), subject, the body's visible text
with whitespace collapsed, and the bytes of every attachment. Received,
Date, Message-ID, MIME boundaries and transfer encodings are not covered;
a different body, attachment or recipient gives a different fingerprint,
and then the stamp is ignored and the message is checked like any other.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from ..fingerprint import derive_key
from ..message import Message

HEADER = "X-SafeSend"
VERSION = "v1"
_SPACE = re.compile(r"\s+")
_STAMP = re.compile(r"^v1 ([0-9a-f]{32}) ([0-9a-f]{64})$")


def stamp_key(secret: str) -> bytes:
    return derive_key(secret, "gate-stamp")


def content_fingerprint(message: Message) -> bytes:
    digest = hashlib.sha256()
    for part in _parts(message):
        digest.update(hashlib.sha256(part).digest())
    return digest.digest()


def make_stamp(message: Message, check_id: str, key: bytes) -> str:
    return f"{VERSION} {check_id} {_mac(key, check_id, content_fingerprint(message))}"


def verified_check_id(value: str, message: Message, key: bytes) -> str | None:
    """The check id a stamp names when it matches this content, else None."""
    match = _STAMP.match(" ".join(str(value or "").split()))
    if match is None:
        return None
    check_id, mac = match.groups()
    wanted = _mac(key, check_id, content_fingerprint(message))
    return check_id if hmac.compare_digest(mac, wanted) else None


def _mac(key: bytes, check_id: str, fingerprint: bytes) -> str:
    return hmac.new(key, f"{VERSION}|{check_id}|".encode() + fingerprint, hashlib.sha256).hexdigest()


def _text(value: str) -> bytes:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", value or "")).strip().encode("utf-8",
                                                                                    "surrogatepass")


def _body_text(message: Message) -> str:
    if message.body_text.strip():
        return message.body_text
    if message.body_html.strip():
        from ..extract.text import html_to_text

        return html_to_text(message.body_html)
    return ""


def _parts(message: Message):
    yield message.sender.lower().encode()
    for recipient in sorted(message.recipients(), key=lambda r: (r.field, r.mailbox_key)):
        yield f"{recipient.field}:{recipient.mailbox_key}".encode()
    yield _text(message.subject)
    yield _text(_body_text(message))
    yield from sorted(hashlib.sha256(a.data).digest() for a in message.attachments)
