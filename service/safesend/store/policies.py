"""Policy versions: every save is a new numbered version with its author."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..policy import Policy, parse_policy
from . import audit
from .models import PolicyVersion


def current_policy(session: Session, tenant_id: str, fallback: Policy | None = None) -> Policy:
    row = session.scalar(select(PolicyVersion).where(PolicyVersion.tenant_id == tenant_id)
                         .order_by(PolicyVersion.version.desc()).limit(1))
    if row is None:
        return fallback or parse_policy({})
    return parse_policy(row.document, version=row.version)


def policy_at(session: Session, tenant_id: str, version: int) -> Policy | None:
    row = session.scalar(select(PolicyVersion).where(PolicyVersion.tenant_id == tenant_id,
                                                     PolicyVersion.version == version))
    return parse_policy(row.document, version=row.version) if row else None


def save_policy(session: Session, tenant_id: str, policy: Policy, author: str,
                comment: str = "", rolled_back_to: int | None = None) -> Policy:
    """Save a new version. `rolled_back_to`: the old version this one restores (the
    audit trail then names it a rollback from the current version to that one)."""
    latest = session.scalar(select(func.max(PolicyVersion.version))
                            .where(PolicyVersion.tenant_id == tenant_id)) or 0
    version = latest + 1
    session.add(PolicyVersion(tenant_id=tenant_id, version=version, document=policy.document(),
                              created_by=author, comment=comment))
    session.flush()
    # Audit trail (console, API and CLI saves alike); the author is the actor.
    # `previous` lets the trail link to exactly what this save changed.
    if rolled_back_to is not None:
        audit.append(session, tenant_id, author, "policy.rollback", f"version {version}",
                     {"version": version, "from": latest, "to": rolled_back_to, "comment": comment})
    else:
        audit.append(session, tenant_id, author, "policy.save", f"version {version}",
                     {"version": version, "previous": latest, "comment": comment})
    return parse_policy(policy.document(), version=version)


def list_versions(session: Session, tenant_id: str) -> list[PolicyVersion]:
    return list(session.scalars(select(PolicyVersion).where(PolicyVersion.tenant_id == tenant_id)
                                .order_by(PolicyVersion.version.desc())))
