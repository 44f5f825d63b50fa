"""The long-lived parts of a running service, built once per process."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings
from .facts import CheckContext
from .fingerprint import derive_key
from .policy import Policy, load_policy_file, parse_policy
from .store import db
from .store.policies import current_policy, save_policy
from .store.tenants import DEFAULT_TENANT, ensure_tenant

log = logging.getLogger("safesend")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    fingerprint_key: bytes
    roster_key: bytes
    # Per-tenant helpers filled by later parts (roster index, directory).
    extras: dict[str, Any] = field(default_factory=dict)

    def policy_for(self, session: Session, tenant_id: str) -> Policy:
        return current_policy(session, tenant_id)

    def context_for(self, session: Session, tenant_id: str, policy: Policy,
                    check_id: str | None = None) -> CheckContext:
        return CheckContext(check_id=check_id)


def build_services(settings: Settings, migrate: bool = True) -> Services:
    engine = db.make_engine(settings.database_url)
    if migrate:
        db.upgrade(engine)
    sessions = db.make_sessions(engine)
    services = Services(
        settings=settings, engine=engine, sessions=sessions,
        fingerprint_key=derive_key(settings.secret_key, "message-fingerprint"),
        roster_key=derive_key(settings.secret_key, "roster"),
    )
    if migrate:
        try:
            with db.transaction(sessions) as session:
                ensure_tenant(session, DEFAULT_TENANT)
                if settings.policy_file is not None:
                    sync_policy_file(session, DEFAULT_TENANT, settings.policy_file)
        except IntegrityError:
            log.info("another worker saved the tenant or policy file first")
    return services


def sync_policy_file(session: Session, tenant_id: str, path) -> Policy:
    """Save the policy file as a new version when it differs from the current one,
    so a file-managed policy is versioned like one edited in the console."""
    wanted = load_policy_file(path)
    current = current_policy(session, tenant_id)
    if current.version and current.document() == wanted.document():
        return current
    saved = save_policy(session, tenant_id, wanted, author=f"file:{path}")
    log.info("policy file %s saved as version %d", path, saved.version)
    return saved


__all__ = ["Services", "build_services", "parse_policy"]
