"""The X-SafeSend stamp: an HMAC over a message's content digest and a check id.

The Outlook add-in receives the stamp in the verdict and sets it as an
internet header, so the gate does not check the same content twice. The
digest (fingerprint.content_digest) covers what the sender means to send and
nothing an MTA adds or re-encodes on the way; Bcc recipients come from the
SMTP envelope at the gate. A stamp on different content does not verify,
and then the message is checked like any other.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from ..fingerprint import content_digest, derive_key
from ..message import Message

HEADER = "X-SafeSend"
VERSION = "v1"
_STAMP = re.compile(r"^v1 ([0-9a-f]{32}) ([0-9a-f]{64})$")


def stamp_key(secret: str) -> bytes:
    return derive_key(secret, "gate-stamp")


def make_stamp(message: Message, check_id: str, key: bytes, digest: bytes | None = None) -> str:
    """`digest`: the message's content_digest when the caller has it already."""
    return f"{VERSION} {check_id} {_mac(key, check_id, digest or content_digest(message))}"


def verified_check_id(value: str, message: Message, key: bytes,
                      digest: bytes | None = None) -> str | None:
    """The check id a stamp names when it matches this content, else None.
    `digest`: the message's content_digest when the caller has it already."""
    match = _STAMP.match(" ".join(str(value or "").split()))
    if match is None:
        return None
    check_id, mac = match.groups()
    wanted = _mac(key, check_id, digest or content_digest(message))
    return check_id if hmac.compare_digest(mac, wanted) else None


def _mac(key: bytes, check_id: str, fingerprint: bytes) -> str:
    return hmac.new(key, f"{VERSION}|{check_id}|".encode() + fingerprint, hashlib.sha256).hexdigest()
