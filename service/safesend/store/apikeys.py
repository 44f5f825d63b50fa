"""API keys: shown once at creation, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .models import ApiKey, utcnow

KEY_PREFIX = "ss_"
ROLES = ("client", "it", "admin", "auditor")


@dataclass(frozen=True)
class NewKey:
    id: int
    key: str
    role: str
    tenant_id: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, tenant_id: str, role: str, name: str = "",
               created_by: str = "") -> NewKey:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(tenant_id=tenant_id, role=role, name=name or f"{role} key",
                 key_hash=hash_key(key), prefix=key[:10], created_by=created_by)
    session.add(row)
    session.flush()
    # Audit trail: the key's prefix identifies it; the key itself is never logged.
    audit.append(session, tenant_id, created_by, "apikey.create", f"key #{row.id}",
                 {"role": role, "name": row.name, "prefix": row.prefix})
    return NewKey(id=row.id, key=key, role=role, tenant_id=tenant_id)


def find_active_key(session: Session, key: str) -> ApiKey | None:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def revoke_key(session: Session, tenant_id: str, key_id: int, actor: str = "") -> bool:
    row = session.get(ApiKey, key_id)
    if row is None or row.tenant_id != tenant_id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.append(session, tenant_id, actor, "apikey.revoke", f"key #{row.id}",  # audit trail
                 {"role": row.role, "name": row.name, "prefix": row.prefix})
    return True


def list_keys(session: Session, tenant_id: str) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id)
                                .order_by(ApiKey.id)))
