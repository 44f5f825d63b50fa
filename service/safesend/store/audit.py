"""The audit trail: every change to policy, roster, keys and users.

Entries are appended in the same transaction as the change they record, so
a change and its entry commit together or not at all. Each entry carries the
MAC of the tenant's previous entry and its own: HMAC-SHA256 with a key
derived from SAFESEND_AUDIT_KEY (default: SAFESEND_SECRET_KEY), which the
database never holds. `verify_chain` recomputes them, so an edited, inserted
or removed entry shows as a broken chain, and checks the chain against its
signed head (audit_head.py, outside the database), so a removed tail or a
removed tenant chain shows too. The database refuses UPDATE and DELETE on the
table (triggers, migrations 0002 and 0003).

What someone who can write to the database, but has neither the key nor the
head folder, can do: read entries; delete rows or drop the triggers, which
`verify` reports (missing entry, short tail, missing chain); stop new entries
from being written. What they cannot do: change, insert, reorder or re-hash
entries unnoticed (every MAC needs the key), shorten the chain unnoticed
(the head says how long it is), or pass keyed entries off as legacy ones
(the legacy prefix length is in the signed head).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from .audit_head import HeadForged, HeadStore
from .models import AuditEntry, utcnow

log = logging.getLogger("safesend.audit")

GENESIS = "0" * 64
# Callers pass who acts (the store never looks at the request); a caller that knows no one.
UNKNOWN_ACTOR = "unknown"


@dataclass(frozen=True)
class ChainStatus:
    intact: bool
    entries: int
    head: str                    # hash of the newest entry (GENESIS when empty)
    broken_at: int | None = None  # seq of the first entry that does not verify
    reason: str = ""


def append(session: Session, tenant_id: str, actor: str, action: str, target: str = "",
           details: dict | None = None) -> AuditEntry:
    """Add an entry after the tenant's newest one. `actor` is who made the change
    (an address, "key:<id>", "cli"): the caller's to say."""
    _lock_chain(session, tenant_id)
    last = session.scalar(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
                          .order_by(AuditEntry.seq.desc()).limit(1))
    entry = AuditEntry(tenant_id=tenant_id, seq=(last.seq + 1) if last else 1,
                       created_at=utcnow(), actor=(actor or UNKNOWN_ACTOR)[:320],
                       action=action, target=target[:200], details=details or {},
                       prev_hash=last.hash if last else GENESIS)
    entry.hash = entry_mac(entry, _keys(session).chain)
    session.add(entry)
    session.flush()
    # The signed head moves once this transaction has committed (see _commit_heads).
    session.info.setdefault(_PENDING, {})[tenant_id] = (entry.seq, entry.hash)
    return entry


@dataclass(frozen=True)
class AuditKeys:
    chain: bytes         # the entries' HMAC key
    heads: HeadStore     # where the signed heads live


def configure(session_factory, chain_key: bytes, heads: HeadStore) -> None:
    """Give every session of this factory the audit keys (services.build_services)."""
    session_factory.configure(info={_KEYS: AuditKeys(chain_key, heads)})


def _payload(entry: AuditEntry) -> bytes:
    payload = {"tenant": entry.tenant_id, "seq": entry.seq, "at": _timestamp(entry.created_at),
               "actor": entry.actor, "action": entry.action, "target": entry.target,
               "details": entry.details or {}, "prev": entry.prev_hash}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return canonical.encode("utf-8")


def entry_mac(entry: AuditEntry, key: bytes) -> str:
    """HMAC-SHA256 over a canonical JSON of the entry's content and the previous MAC."""
    return hmac.new(key, _payload(entry), hashlib.sha256).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    """The unkeyed SHA-256 of entries written before migration 0003 (the legacy prefix)."""
    return hashlib.sha256(_payload(entry)).hexdigest()


def verify_chain(session: Session, tenant_id: str) -> ChainStatus:
    """Walk the tenant's chain oldest first; stop at the first entry that does not
    verify; then hold the chain against its signed head."""
    keys = _keys(session)
    try:
        head = keys.heads.read(tenant_id)
    except HeadForged as exc:
        return ChainStatus(False, 0, GENESIS, None, str(exc))
    legacy = head.legacy if head is not None else 0
    expected_prev, count, at_head = GENESIS, 0, None
    rows = session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
                           .order_by(AuditEntry.seq).execution_options(yield_per=500))
    for entry in rows:
        count += 1
        if entry.seq != count:
            return ChainStatus(False, count, expected_prev, entry.seq,
                               f"entry {count} is missing (the next one is {entry.seq})")
        if entry.prev_hash != expected_prev:
            return ChainStatus(False, count, expected_prev, entry.seq,
                               f"entry {entry.seq} does not follow entry {entry.seq - 1}")
        expected = entry_hash(entry) if entry.seq <= legacy else entry_mac(entry, keys.chain)
        if not hmac.compare_digest(expected, entry.hash):
            return ChainStatus(False, count, expected_prev, entry.seq,
                               f"entry {entry.seq} was changed after it was written")
        expected_prev = entry.hash
        if head is not None and entry.seq == head.count:
            at_head = entry.hash
    return _against_head(head, count, expected_prev, at_head)


def _against_head(head, count: int, newest: str, at_head: str | None) -> ChainStatus:
    if head is None:
        if count:
            return ChainStatus(False, count, newest, None,
                               "the chain has no signed head (the head folder was lost or replaced)")
        return ChainStatus(True, 0, GENESIS)
    if count == 0:
        return ChainStatus(False, 0, GENESIS, 1,
                           f"the whole chain is missing: its signed head records {head.count} entries")
    if count < head.count:
        return ChainStatus(False, count, newest, count + 1,
                           f"the newest entries were removed: the signed head records "
                           f"{head.count} entries, the table holds {count}")
    if at_head is None or not hmac.compare_digest(at_head, head.mac):
        return ChainStatus(False, count, newest, head.count,
                           f"entry {head.count} is not the one the signed head records")
    # Entries after the head are keyed and linked, so only SafeSend wrote them:
    # a worker stopped between its commit and its head update.
    return ChainStatus(True, count, newest)


def seal_legacy_chains(session: Session) -> list[str]:
    """Chains written before the key (migration 0003) have no head: if one
    verifies the old way, pin it as the legacy prefix of a new signed head.
    Run at start-up; chains that do not verify are left for `verify` to report."""
    keys = _keys(session)
    sealed = []
    for tenant in session.scalars(select(AuditEntry.tenant_id).distinct()):
        try:
            if keys.heads.read(tenant) is not None:
                continue
        except HeadForged:
            continue
        expected_prev, count = GENESIS, 0
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant)
                                     .order_by(AuditEntry.seq)):
            count += 1
            if (entry.seq != count or entry.prev_hash != expected_prev
                    or entry_hash(entry) != entry.hash):
                break
            expected_prev = entry.hash
        else:
            keys.heads.advance(tenant, count, expected_prev, legacy=count)
            sealed.append(tenant)
    return sealed


def list_entries(session: Session, tenant_id: str, limit: int, offset: int = 0
                 ) -> tuple[list[AuditEntry], int]:
    base = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset))
    return list(rows), total


def tenants_with_entries(session: Session) -> list[str]:
    """Tenants with entries in the table or a signed head (a chain deleted whole is listed)."""
    in_table = set(session.scalars(select(AuditEntry.tenant_id).distinct()))
    return sorted(in_table | set(_keys(session).heads.tenants()))


def _timestamp(moment: datetime) -> str:
    # SQLite hands datetimes back without their zone: they were written in UTC.
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_KEYS, _PENDING = "safesend_audit_keys", "safesend_audit_pending"


def _keys(session: Session) -> AuditKeys:
    keys = session.info.get(_KEYS)
    if keys is None:
        raise RuntimeError("this session has no audit key: build it with services.build_services")
    return keys


@event.listens_for(Session, "after_commit")
def _commit_heads(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        heads = _keys(session).heads
        for tenant, (count, mac) in pending.items():
            try:
                heads.advance(tenant, count, mac)
            except OSError as exc:
                # The change itself is committed: say so loudly, do not fail the request.
                log.error("audit: the signed head of tenant %s cannot be written to %s (%s)",
                          tenant, heads.folder, type(exc).__name__)


@event.listens_for(Session, "after_rollback")
def _forget_heads(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _lock_chain(session: Session, tenant_id: str) -> None:
    """Two workers appending at once must not both follow the same entry.
    PostgreSQL: a transaction-scoped advisory lock per tenant. SQLite allows
    one writer at a time; the (tenant, seq) unique key catches the rest."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                        {"key": f"safesend-audit:{tenant_id}"})

