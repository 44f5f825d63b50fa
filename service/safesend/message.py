"""The outgoing message, as every rule sees it.

A `Message` knows nothing of where it came from (JSON request, .eml, .msg):
builders live in `schemas.py` and `mailfile.py`. Addresses are normalized
once here so that every rule agrees on what counts as the same recipient.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from typing import Literal

Field = Literal["to", "cc", "bcc"]
FIELD_ORDER: tuple[Field, ...] = ("to", "cc", "bcc")


class AddressError(ValueError):
    """An address that is neither a mailbox nor a display name."""


@dataclass(frozen=True)
class Recipient:
    """One recipient. `address` is lower-cased; empty when only a name is known."""

    address: str
    name: str = ""
    field: Field = "to"
    is_group: bool = False
    # Size of a list as the client or the directory knows it; None = unknown.
    group_size: int | None = None

    @property
    def domain(self) -> str:
        return domain_of(self.address)

    @property
    def mailbox_key(self) -> str:
        """The mailbox this address delivers to: plus tags dropped, so
        `parent+school@gmail.com` and `Parent@gmail.com` are one person."""
        if not self.address:
            return "name:" + " ".join(self.name.lower().split())
        local, _, domain = self.address.lower().rpartition("@")
        return local.split("+", 1)[0] + "@" + domain

    @property
    def is_resolved(self) -> bool:
        return bool(self.address)


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes
    # True when the client could not send the content (cloud link, too big).
    missing: bool = False

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class ClientInfo:
    app: str = "unknown"
    version: str = ""


@dataclass(frozen=True)
class Message:
    sender: str
    to: tuple[Recipient, ...] = ()
    cc: tuple[Recipient, ...] = ()
    bcc: tuple[Recipient, ...] = ()
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    attachments: tuple[Attachment, ...] = ()
    client: ClientInfo = field(default_factory=ClientInfo)
    is_reply: bool = False

    @property
    def sender_domain(self) -> str:
        return domain_of(self.sender)

    def recipients(self) -> list[Recipient]:
        """All recipients, each mailbox once, in its most visible field.

        A mailbox in both To and Bcc is visible (To wins), so duplicates are
        resolved by field order rather than dropped at random.
        """
        seen: dict[str, Recipient] = {}
        for recipient in (*self.to, *self.cc, *self.bcc):
            key = recipient.mailbox_key
            if key not in seen:
                seen[key] = recipient
        return list(seen.values())

    def visible_recipients(self) -> list[Recipient]:
        return [r for r in self.recipients() if r.field != "bcc"]


def domain_of(address: str) -> str:
    """The domain an address delivers to (after the last @), lower-cased."""
    return address.rpartition("@")[2].lower().rstrip(".") if "@" in address else ""


def parse_address(raw: str, name: str = "") -> tuple[str, str]:
    """Split 'Pat Doe <Pat@X.org>' or 'pat@x.org' into (address, name).

    Returns an empty address when the text is a display name only. Raises
    AddressError for text that looks like an address but is not one.
    """
    raw = (raw or "").strip()
    if not raw:
        return "", name.strip()
    parsed_name, parsed_addr = email.utils.parseaddr(raw)
    if "@" not in raw:
        return "", (name or raw).strip()
    if not parsed_addr or "@" not in parsed_addr:
        raise AddressError(f"not an email address: {raw!r}")
    address = _validated(parsed_addr)
    return address, (name or parsed_name).strip()


def _validated(address: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(
            address, check_deliverability=False, allow_quoted_local=True,
            allow_domain_literal=False, test_environment=True,
        )
    except EmailNotValidError as exc:
        raise AddressError(f"not an email address: {address!r} ({exc})") from None
    return f"{result.local_part}@{result.domain}".lower()


def is_internal(domain: str, internal_domains: frozenset[str] | set[str]) -> bool:
    """True for an internal domain or any subdomain of one (mail.district.org)."""
    if not domain:
        return False
    return any(domain == d or domain.endswith("." + d) for d in internal_domains)
