"""Console users. Every change is written to the audit trail by the actor given."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import audit
from .models import User, utcnow

CONSOLE_ROLES = ("it", "admin", "auditor")


class UserError(ValueError):
    """A user that cannot be created or changed as asked; `field` names the input."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def create_user(session: Session, tenant_id: str, email: str, role: str, actor: str, *,
                name: str = "", password_hash: str | None = None, external_id: str | None = None,
                role_source: str = "local") -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 320 or " " in email:
        raise UserError("Enter an email address like it-lead@district.org.", "email")
    _check_role(role)
    existing = find_by_email(session, email)
    if existing is not None and existing.tenant_id == tenant_id:
        raise UserError(f"{email} already has a SafeSend account.", "email")
    if existing is not None:
        # Another organization's user: say nothing about it (issue 10).
        raise UserError("This address cannot be added here. Ask your SafeSend operator.", "email")
    user = User(tenant_id=tenant_id, email=email, name=name.strip()[:200], role=role,
                role_source=role_source, password_hash=password_hash, external_id=external_id,
                created_by=actor)
    session.add(user)
    session.flush()
    audit.append(session, tenant_id, actor, "user.create", email,
                 {"role": role, "role_source": role_source,
                  "sign_in": "password" if password_hash else "identity provider"})
    return user


def get_user(session: Session, tenant_id: str, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.tenant_id == tenant_id else None


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def find_by_external_id(session: Session, external_id: str) -> User | None:
    return session.scalar(select(User).where(User.external_id == external_id))


def list_users(session: Session, tenant_id: str) -> list[User]:
    return list(session.scalars(select(User).where(User.tenant_id == tenant_id)
                                .order_by(User.disabled_at.is_not(None), User.email)))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0


def set_role(session: Session, user: User, role: str, actor: str, source: str = "local") -> bool:
    """Change the role; False when it already was that role (nothing recorded)."""
    _check_role(role)
    if user.role == role and user.role_source == source:
        return False
    audit.append(session, user.tenant_id, actor, "user.role", user.email,
                 {"from": user.role, "to": role, "role_source": source})
    user.role, user.role_source = role, source
    user.session_epoch += 1
    return True


def set_password(session: Session, user: User, password_hash: str, actor: str) -> None:
    user.password_hash = password_hash
    user.session_epoch += 1
    audit.append(session, user.tenant_id, actor, "user.password", user.email)


def rehash_password(user: User, password_hash: str) -> None:
    """A stronger hash of the same password at sign-in: not a change to audit."""
    user.password_hash = password_hash


def set_disabled(session: Session, user: User, disabled: bool, actor: str) -> bool:
    if (user.disabled_at is not None) == disabled:
        return False
    user.disabled_at = utcnow() if disabled else None
    user.session_epoch += 1
    audit.append(session, user.tenant_id, actor, "user.disable" if disabled else "user.enable",
                 user.email)
    return True


def link_identity(session: Session, user: User, external_id: str) -> None:
    """Remember the provider's stable id the first time a user signs in with it."""
    if user.external_id != external_id:
        audit.append(session, user.tenant_id, "sign-in", "user.link", user.email,
                     {"identity": external_id.split(":", 1)[0]})
        user.external_id = external_id


def record_sign_in(user: User, method: str) -> None:
    user.last_sign_in_at = utcnow()
    user.last_sign_in_method = method


def end_sessions(user: User) -> None:
    """Sign-out: every cookie issued before now stops working."""
    user.session_epoch += 1


def _check_role(role: str) -> None:
    if role not in CONSOLE_ROLES:
        raise UserError(f"Choose a role: {', '.join(CONSOLE_ROLES)}.", "role")
