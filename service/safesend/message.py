"""The outgoing message, as every rule sees it.

A `Message` knows nothing of where it came from (JSON request, .eml, .msg):
builders live in `schemas.py` and `mailfile.py`. Addresses are normalized
once here so that every rule agrees on what counts as the same recipient.
"""

from __future__ import annotations

import dataclasses
import email.utils
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Literal

Field = Literal["to", "cc", "bcc"]
FIELD_ORDER: tuple[Field, ...] = ("to", "cc", "bcc")


class AddressError(ValueError):
    """An address that is neither a mailbox nor a display name."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """One recipient. `address` is lower-cased; empty when only a name is known."""

    address: str
    name: str = ""
    field: Field = "to"
    is_group: bool = False
    # Size of a list as the client or the directory knows it; None = unknown.
    group_size: int | None = None
    # Worked out once, on creation: rules, facts and the fingerprint ask for them many times.
    domain: str = dataclasses.field(init=False, repr=False, compare=False)
    # The mailbox this address delivers to: plus tags dropped, so
    # `parent+school@gmail.com` and `Parent@gmail.com` are one person.
    mailbox_key: str = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "domain", domain_of(self.address))
        object.__setattr__(self, "mailbox_key", _mailbox_key(self.address, self.name))

    @property
    def is_resolved(self) -> bool:
        return bool(self.address)


def _mailbox_key(address: str, name: str) -> str:
    if not address:
        return "name:" + " ".join(name.lower().split())
    local, _, domain = address.lower().rpartition("@")
    return local.split("+", 1)[0] + "@" + domain


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes
    # True when the client could not send the content (cloud link, too big).
    missing: bool = False
    # True for a picture pasted into the body (an add-in says so); only the wording differs.
    inline: bool = False
    # Why SafeSend did not read this part of a mail file (nested too deep): it is
    # reported as a file that could not be checked, never scanned.
    unread: str = ""

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

    def recipients(self) -> tuple[Recipient, ...]:
        """All recipients, each mailbox once, in its most visible field.

        A mailbox in both To and Bcc is visible (To wins), so duplicates are
        resolved by field order rather than dropped at random.
        """
        return self._unique_recipients

    @cached_property
    def _unique_recipients(self) -> tuple[Recipient, ...]:
        seen: dict[str, Recipient] = {}
        for recipient in (*self.to, *self.cc, *self.bcc):
            seen.setdefault(recipient.mailbox_key, recipient)
        return tuple(seen.values())

    def visible_recipients(self) -> list[Recipient]:
        return [r for r in self.recipients() if r.field != "bcc"]


def domain_of(address: str) -> str:
    """The domain an address delivers to (after the last @), lower-cased."""
    return address.rpartition("@")[2].lower().rstrip(".") if "@" in address else ""


# A plain ASCII dot-atom address: the common case, accepted without the full
# RFC parser (which costs ~150 us an address, too slow for a 500-name class list).
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def parse_address(raw: str, name: str = "") -> tuple[str, str]:
    """Split 'Pat Doe <Pat@X.org>' or 'pat@x.org' into (address, name).

    Returns an empty address when the text is a display name only. Raises
    AddressError for text that looks like an address but is not one.
    """
    raw = (raw or "").strip()
    if not raw:
        return "", name.strip()
    if len(raw) <= 254 and _PLAIN_ADDRESS.fullmatch(raw):
        return raw.lower(), name.strip()
    return _parse_full(raw, name)


@lru_cache(maxsize=4096)
def _parse_full(raw: str, name: str) -> tuple[str, str]:
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
