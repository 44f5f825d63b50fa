"""A keyed fingerprint of a message: the same unchanged message gives the
same value, and nothing about the content can be learned from it."""

from __future__ import annotations

import hashlib
import hmac

from .message import Message


def derive_key(secret: str, purpose: str) -> bytes:
    """One sub-key per purpose, so a leaked fingerprint key is not the roster key."""
    return hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()


def message_fingerprint(message: Message, key: bytes) -> str:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in _parts(message):
        mac.update(hashlib.sha256(part).digest())
    return mac.hexdigest()


def _parts(message: Message):
    yield message.sender.encode()
    for recipient in sorted(message.recipients(), key=lambda r: (r.field, r.mailbox_key)):
        yield f"{recipient.field}:{recipient.mailbox_key}".encode()
    yield message.subject.encode("utf-8", "surrogatepass")
    yield message.body_text.encode("utf-8", "surrogatepass")
    yield message.body_html.encode("utf-8", "surrogatepass")
    for attachment in message.attachments:
        yield attachment.name.encode("utf-8", "surrogatepass") + b"\0" + attachment.data
