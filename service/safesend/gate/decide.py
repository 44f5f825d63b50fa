"""One message through the gate: raw MIME and the SMTP envelope in, a Decision out.

Order: a valid stamp (an add-in already checked this content) lets the
message through without a second check. Otherwise the engine evaluates it;
a verdict that would hold it is looked up first among releases (the sender
gave a reason for this exact message in the last hour), and a released
message goes through without a new record. Any other verdict is recorded
like an API check. Any failure of the store or the
engine gives the policy's fail mode: accept, or 451 so the MTA retries.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from sqlalchemy import select

from ..auth import Principal
from ..checking import evaluate_check, prepare_check, record_verdict
from ..fingerprint import content_digest, message_fingerprint
from ..mailfile import MailFileError, parse_message_bytes
from ..message import AddressError, ClientInfo, Message, Recipient, parse_address
from ..store.db import transaction
from ..store.models import Check, Override, utcnow
from . import replies, stamp
from .tokens import RESEND_MINUTES, release_token, release_url

log = logging.getLogger("safesend.gate")

Kind = Literal["accept", "reject", "tempfail"]


@dataclass
class Decision:
    kind: Kind
    reason: str                     # for the log: allowed, warn, stamp, released, confirm, block...
    code: str = "250"
    status: str = "2.0.0"
    lines: list[str] = field(default_factory=list)
    header: str | None = None       # the X-SafeSend value to set on an accepted message
    check_id: str | None = None


def envelope_message(raw: bytes, mail_from: str, rcpt_to: list[str]) -> Message:
    """The Message the engine sees: headers for To/Cc, the envelope for Bcc.

    Envelope recipients not named in To or Cc are the Bcc recipients (a sent
    message carries no Bcc header), so a newsletter in Bcc is judged as one.
    """
    message = parse_message_bytes(raw, "message.eml")
    named = {r.mailbox_key for r in (*message.to, *message.cc, *message.bcc)}
    bcc = list(message.bcc)
    for address in rcpt_to:
        try:
            clean, _ = parse_address(address.strip("<>"))
        except AddressError:
            continue
        recipient = Recipient(address=clean, field="bcc")
        if clean and recipient.mailbox_key not in named:
            named.add(recipient.mailbox_key)
            bcc.append(recipient)
    sender = message.sender
    if not sender:
        try:
            sender = parse_address(mail_from.strip("<>"))[0]
        except AddressError:
            sender = ""
    return dataclasses.replace(message, sender=sender, bcc=tuple(bcc),
                               client=ClientInfo(app="gate", version=""))


class Gate:
    """Decides for one tenant; safe to share between the milter's threads."""

    def __init__(self, services, tenant_id: str = "default", public_url: str = "",
                 fail_mode: str = "open"):
        self.services = services
        self.tenant_id = tenant_id
        self.public_url = public_url or services.settings.public_url or "http://localhost:8080"
        self.secret = services.settings.secret_key
        self.stamp_key = stamp.stamp_key(self.secret)
        # The last fail mode read from the policy: used when the store is down.
        self.fail_mode = fail_mode
        self.principal = Principal(tenant_id=tenant_id, subject="gate", role="client",
                                   method="gate")

    def decide(self, raw: bytes, mail_from: str, rcpt_to: list[str],
               stamp_value: str | None = None) -> Decision:
        started = time.perf_counter()
        try:
            message = envelope_message(raw, mail_from, rcpt_to)
        except MailFileError:
            return Decision("reject", "unreadable", "554", "5.6.0", list(replies.UNREADABLE))
        try:
            decision = self._decide(message, stamp_value)
        except Exception:   # the store or a detector failed: never lose or pass mail silently
            log.exception("gate could not check a message; fail mode %s", self.fail_mode)
            decision = self._unavailable()
        # Counts and names only: never subject, body, names or attachment content.
        log.info("gate %s reason=%s check=%s recipients=%d attachments=%d ms=%d", decision.kind,
                 decision.reason, decision.check_id or "-", len(message.recipients()),
                 len(message.attachments), int((time.perf_counter() - started) * 1000))
        return decision

    def _unavailable(self) -> Decision:
        if self.fail_mode == "closed":
            return Decision("tempfail", "unavailable", "451", "4.7.1", list(replies.UNAVAILABLE))
        return Decision("accept", "unavailable")

    def _decide(self, message: Message, stamp_value: str | None) -> Decision:
        services = self.services
        policy, context = prepare_check(services, self.tenant_id)   # cached: no query
        self.fail_mode = policy.clients.fail_mode
        digest = content_digest(message)   # once: the stamp, the release, the record
        if stamp_value:
            stamped = self._stamped_check(message, stamp_value, digest)
            if stamped is not None:
                return Decision("accept", "stamp", header=stamp_value, check_id=stamped)
        # Evaluated (outside any transaction) before the release lookup: most mail is
        # allowed and needs no read at all, only the record's one write. A resent
        # released message is evaluated too; its new verdict is not recorded.
        evaluated = evaluate_check(services, message, policy, context, digest)
        if evaluated.verdict.action not in ("allow", "warn"):
            released = self._released_check(message, digest)
            if released is not None:
                return Decision("accept", "released", check_id=released,
                                header=stamp.make_stamp(message, released, self.stamp_key, digest))
        verdict = record_verdict(services, self.principal, message, evaluated, self.stamp_key)
        action = verdict.action
        if action in ("allow", "warn"):
            return Decision("accept", action, check_id=verdict.check_id, header=verdict.stamp)
        if action == "confirm":
            url = release_url(self.public_url,
                              release_token(self.secret, self.tenant_id, verdict.check_id))
            return Decision("reject", "confirm", "550", "5.7.1",
                            replies.confirm_lines(verdict, url, RESEND_MINUTES),
                            check_id=verdict.check_id)
        return Decision("reject", "block", "550", "5.7.1", replies.block_lines(verdict),
                        check_id=verdict.check_id)

    def _read(self):
        """A short read: the service's autocommit read sessions when it has them."""
        return transaction(self.services.reads or self.services.sessions)

    def _stamped_check(self, message: Message, value: str, digest: bytes) -> str | None:
        """The check a valid stamp names, when that check let the message go."""
        check_id = stamp.verified_check_id(value, message, self.stamp_key, digest)
        if check_id is None:
            return None   # no query for a stamp that does not match this content
        with self._read() as session:
            check = session.get(Check, check_id)
            if check is None or check.tenant_id != self.tenant_id or check.sender != message.sender:
                return None
            if check.action in ("allow", "warn") or check.override is not None:
                return check_id
        return None

    def _released_check(self, message: Message, digest: bytes) -> str | None:
        """A check of this content that its sender released in the last hour: on the release
        page, or with a reason in an add-in (the Gmail extension cannot stamp a message)."""
        since = utcnow() - timedelta(minutes=RESEND_MINUTES)
        fingerprint = message_fingerprint(message, self.services.fingerprint_key, digest)
        with self._read() as session:
            return session.scalar(
                select(Check.id).join(Override, Override.check_id == Check.id)
                .where(Check.tenant_id == self.tenant_id, Check.sender == message.sender,
                       Check.message_hash == fingerprint, Override.created_at >= since)
                .order_by(Override.created_at.desc()).limit(1))
