"""A keyed fingerprint of a message: the same unchanged message gives the
same value, and nothing about the content can be learned from it.

It covers what the sender means to send, so the same message gives the same
value whichever way it reached SafeSend (an add-in's JSON, an .eml, the
mail-flow gate): sender, each recipient with its field, subject, the body's
visible text with whitespace collapsed, and the bytes of every attachment.
What an MTA adds or re-encodes on the way (Received, Date, Message-ID, MIME
boundaries, transfer encodings, line endings) does not change it; a
different body, attachment or recipient does.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from .message import Message


def derive_key(secret: str, purpose: str) -> bytes:
    """One sub-key per purpose, so a leaked fingerprint key is not the roster key."""
    return hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()


def message_fingerprint(message: Message, key: bytes, digest: bytes | None = None) -> str:
    """`digest`: the message's content_digest when the caller has it already."""
    return hmac.new(key, digest or content_digest(message), hashlib.sha256).hexdigest()


def content_digest(message: Message) -> bytes:
    """An unkeyed digest of the content above; only ever used under an HMAC."""
    digest = hashlib.sha256()
    for part in _parts(message):
        digest.update(hashlib.sha256(part).digest())
    return digest.digest()


def _text(value: str) -> bytes:
    normalized = unicodedata.normalize("NFC", value or "")
    # str.split() breaks at exactly the characters re's \s matches: the same
    # bytes as collapsing runs with a regex and stripping, in a fifth of the time
    return " ".join(normalized.split()).encode("utf-8", "surrogatepass")


def _body_text(message: Message) -> str:
    # Clients send the plain text, the HTML or both; mail carries both. The
    # text part when there is one, else the HTML's visible text.
    if message.body_text.strip():
        return message.body_text
    if message.body_html.strip():
        from .extract.text import html_to_text

        return html_to_text(message.body_html)
    return ""


def _parts(message: Message):
    yield message.sender.lower().encode()
    for recipient in sorted(message.recipients(), key=lambda r: (r.field, r.mailbox_key)):
        yield f"{recipient.field}:{recipient.mailbox_key}".encode()
    yield _text(message.subject)
    yield _text(_body_text(message))
    yield from sorted(hashlib.sha256(a.data).digest() for a in message.attachments)
