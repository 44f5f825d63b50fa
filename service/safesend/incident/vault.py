"""The contact vault: who each roster student is and how to reach their
family, sealed with AES-GCM under SAFESEND_VAULT_KEY.

Detection never reads it (keyed hashes stay the only thing checks use);
incident response opens it to name the students a disclosure exposed.
Each record is bound to its tenant and roster reference (associated data),
so a sealed record copied to another row does not open. Without a key the
roster imports as before and nothing is kept here. Nothing from the vault is
ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..detect.roster_blob import KeptRow
from ..detect.roster_csv import RosterParseResult
from ..store.incident_models import VaultContact
from ..store.models import utcnow
from .contact_columns import extra_cells

ENV = "SAFESEND_VAULT_KEY"
log = logging.getLogger("safesend.vault")
NONCE_BYTES = 12


class VaultKeyError(ValueError):
    """SAFESEND_VAULT_KEY is set but is not 32 bytes in URL-safe base64."""


@dataclass(frozen=True)
class Guardian:
    name: str
    email: str


@dataclass(frozen=True)
class Contact:
    ref: str
    student_id: str
    first_name: str
    last_name: str
    school: str
    grade: str
    plans: tuple[str, ...]
    guardians: tuple[Guardian, ...]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class VaultRead:
    """What the vault gave for some references: contacts, or why there are none."""

    state: str                        # "ok", "no_key", "empty", "unreadable"
    contacts: dict[str, Contact]
    unreadable: int = 0

    @property
    def message(self) -> str:
        return {
            "ok": "",
            "no_key": "Contacts are not available: SAFESEND_VAULT_KEY is not set on this server.",
            "empty": "Contacts are not available: the roster was imported without a vault key.",
            "unreadable": "Contacts are unreadable with this SAFESEND_VAULT_KEY (a different key "
                          "sealed them). Set the key used at import, or re-import the roster.",
        }[self.state]


def generate_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def parse_key(value: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value.strip().encode("ascii") + b"==")
    except (ValueError, UnicodeEncodeError):
        raise VaultKeyError(f"{ENV} is not URL-safe base64 (run `safesend vault keygen`)") from None
    if len(key) != 32:
        raise VaultKeyError(f"{ENV} must be 32 bytes in URL-safe base64 (run `safesend vault keygen`)")
    return key


def key_from_environment() -> bytes | None:
    value = os.environ.get(ENV, "").strip()
    return parse_key(value) if value else None


def key_id(key: bytes) -> str:
    """Names the key that sealed a record without revealing it."""
    return hashlib.sha256(b"safesend-vault-key-id:" + key).hexdigest()[:16]


def _aad(tenant_id: str, ref: str) -> bytes:
    return f"safesend-vault:{tenant_id}:{ref}".encode()


def seal(key: bytes, tenant_id: str, contact: Contact) -> bytes:
    payload = json.dumps({
        "id": contact.student_id, "first": contact.first_name, "last": contact.last_name,
        "school": contact.school, "grade": contact.grade, "plans": list(contact.plans),
        "guardians": [[g.name, g.email] for g in contact.guardians],
    }, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, payload, _aad(tenant_id, contact.ref))


def unseal(key: bytes, tenant_id: str, ref: str, sealed: bytes) -> Contact:
    """Raises InvalidTag when the key is wrong or the record was altered."""
    data = AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _aad(tenant_id, ref))
    record = json.loads(data.decode("utf-8"))
    return Contact(ref=ref, student_id=record["id"], first_name=record["first"],
                   last_name=record["last"], school=record["school"], grade=record["grade"],
                   plans=tuple(record["plans"]),
                   guardians=tuple(Guardian(n, e) for n, e in record["guardians"]))


def import_key() -> bytes | None:
    """The key a roster import seals contacts with: None without one, and None
    (with an error in the log) when SAFESEND_VAULT_KEY is not a key."""
    try:
        return key_from_environment()
    except VaultKeyError as exc:
        log.error("roster contacts not kept: %s", exc)   # the error names no value
        return None


def store_roster_contacts(session: Session, tenant_id: str, key: bytes | None, data: bytes,
                          parsed: RosterParseResult, rows: Iterable[KeptRow]) -> int:
    """Called by the roster import: replace the tenant's contacts with this file's
    students (`rows`: each one's roster reference digest and fields, kept by the
    import's one pass; `parsed` says where their rows are for the extra cells).
    Without a key the old contacts go (they belong to the replaced roster) and
    none are kept. Returns how many were sealed."""
    session.execute(delete(VaultContact).where(VaultContact.tenant_id == tenant_id))
    if key is None:
        return 0
    kid = key_id(key)
    extras = extra_cells(data, parsed)
    sealed, now = [], utcnow()
    for digest, (line, student_id, first_name, last_name, _dob, flags, emails) in rows:
        school, grade, names = extras.get(line, ("", "", []))
        guardians = tuple(Guardian(names[i] if i < len(names) else "", email)
                          for i, email in enumerate(emails))
        contact = Contact(ref=digest.hex(), student_id=student_id, first_name=first_name,
                          last_name=last_name, school=school, grade=grade,
                          plans=tuple(sorted(flags)), guardians=guardians)
        sealed.append({"tenant_id": tenant_id, "ref": contact.ref, "key_id": kid,
                       "sealed": seal(key, tenant_id, contact), "created_at": now})
    for start in range(0, len(sealed), 5000):   # Core bulk insert: the ORM is slow at 50,000 rows
        session.execute(insert(VaultContact), sealed[start:start + 5000])
    return len(sealed)


def read_contacts(session: Session, tenant_id: str, refs: list[str] | tuple[str, ...]) -> VaultRead:
    """The contacts behind `refs` (those the vault has), or why there are none."""
    try:
        key = key_from_environment()
    except VaultKeyError:
        return VaultRead("unreadable", {}, 0)
    if key is None:
        return VaultRead("no_key", {})
    has_any = session.scalar(select(VaultContact.id).where(VaultContact.tenant_id == tenant_id)
                             .limit(1))
    if has_any is None:
        return VaultRead("empty", {})
    contacts: dict[str, Contact] = {}
    unreadable = 0
    wanted = sorted(set(refs))
    for start in range(0, len(wanted), 500):
        rows = session.scalars(select(VaultContact).where(
            VaultContact.tenant_id == tenant_id, VaultContact.ref.in_(wanted[start:start + 500])))
        for row in rows:
            try:
                contacts[row.ref] = unseal(key, tenant_id, row.ref, row.sealed)
            except (InvalidTag, ValueError, KeyError):
                unreadable += 1
    if unreadable and not contacts:
        return VaultRead("unreadable", {}, unreadable)
    return VaultRead("ok", contacts, unreadable)


def rotate(session: Session, old_key: bytes, new_key: bytes) -> int:
    """Re-seal every record under `new_key`; all or nothing (one transaction).
    Raises InvalidTag when `old_key` does not open a record."""
    new_id, count = key_id(new_key), 0
    for row in session.scalars(select(VaultContact)):
        contact = unseal(old_key, row.tenant_id, row.ref, row.sealed)
        row.sealed, row.key_id = seal(new_key, row.tenant_id, contact), new_id
        count += 1
    session.flush()
    return count
