"""From a verified identity-provider sign-in to a console user.

Entra ID users get their role from groups or app roles (SAFESEND_ROLE_GROUPS)
and are created on first sign-in; anyone else must have been added by IT
(Users page or `safesend user create`), and keeps the role set there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..accounts.roles import role_from_groups
from ..store import users
from ..store.models import User


class SignInRefused(Exception):
    """A sign-in that did not work; the message is shown to the person as is."""


@dataclass(frozen=True)
class ExternalIdentity:
    provider: str                  # "entra" or "google"
    external_id: str               # "entra:<tid>:<oid>" or "google:<sub>": never reassigned
    tenant_id: str                 # the SafeSend tenant the organization or domain maps to
    email: str
    name: str = ""
    groups: tuple[str, ...] = ()   # group ids and app roles, when the provider sends them


def user_for_identity(session: Session, identity: ExternalIdentity,
                      role_groups: dict[str, str]) -> User:
    role = role_from_groups(identity.groups, role_groups)
    user = users.find_by_external_id(session, identity.external_id)
    if user is None and identity.email:
        user = users.find_by_email(session, identity.email)
        if user is not None and user.external_id not in (None, identity.external_id):
            raise SignInRefused("This address is already linked to another sign-in. Ask IT.")
    if user is None:
        if role is None:
            raise SignInRefused("You do not have a SafeSend role. Ask IT to add you, or to add "
                                "you to one of the SafeSend groups.")
        return users.create_user(session, identity.tenant_id, identity.email, role,
                                 f"{identity.provider} sign-in", name=identity.name,
                                 external_id=identity.external_id, role_source="groups")
    if user.tenant_id != identity.tenant_id:
        raise SignInRefused("This account belongs to another organization in SafeSend.")
    if user.disabled_at is not None:
        raise SignInRefused("This SafeSend account is disabled. Ask IT.")
    users.link_identity(session, user, identity.external_id)
    if role is not None:
        users.set_role(session, user, role, f"{identity.provider} groups", source="groups")
    elif user.role_source == "groups":
        raise SignInRefused("You are no longer in a SafeSend group. Ask IT.")
    if identity.name and not user.name:
        user.name = identity.name[:200]
    return user
