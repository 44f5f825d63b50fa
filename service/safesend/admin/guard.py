"""Who may open which console page.

Console permissions extend the API's (auth.PERMISSIONS) with what only the
console has (dashboard, audit trail, keys and users). Only signed-in users
with a console role get in; API keys never open a page, whatever their role.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, redirect, render_template, request, url_for

from ..accounts import session as console_session
from ..auth import PERMISSIONS, Principal
from ..store.db import transaction
from ..store.models import Tenant
from ..store.users import CONSOLE_ROLES

CONSOLE_ONLY: dict[str, frozenset[str]] = {
    "it": frozenset({"dashboard", "audit:read", "access:read", "access:manage", "roster:read"}),
    "admin": frozenset({"dashboard", "audit:read", "incidents:read", "incidents"}),
    "auditor": frozenset({"dashboard", "audit:read", "access:read", "roster:read", "incidents:read"}),
}


@dataclass(frozen=True)
class ConsoleUser:
    id: int
    tenant_id: str
    tenant_name: str
    email: str
    name: str
    role: str
    method: str

    def can(self, permission: str) -> bool:
        return console_can(self.role, permission)

    @property
    def principal(self) -> Principal:
        return Principal(tenant_id=self.tenant_id, subject=f"user:{self.id}", role=self.role,
                         method="session", email=self.email)


def console_can(role: str, permission: str) -> bool:
    if role not in CONSOLE_ROLES:
        return False
    return permission in PERMISSIONS.get(role, frozenset()) | CONSOLE_ONLY.get(role, frozenset())


def services():
    return current_app.extensions["safesend"]


def load_user() -> ConsoleUser | None:
    with transaction(services().sessions) as db:
        user = console_session.signed_in_user(db, services().settings)
        if user is None:
            return None
        tenant = db.get(Tenant, user.tenant_id)
        return ConsoleUser(id=user.id, tenant_id=user.tenant_id,
                           tenant_name=tenant.name if tenant else user.tenant_id,
                           email=user.email, name=user.name, role=user.role,
                           method=str(console_session.cookie.get("method", "")))


def page(permission: str):
    """View decorator: a signed-in console user whose role has `permission`."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if request.headers.get("Authorization"):
                return render_template("admin/error.html", status=403, title="Not for API keys",
                                       message="API keys work with the API only. Sign in to use "
                                               "the console."), 403
            user = load_user()
            if user is None:
                if request.method == "GET":
                    return redirect(url_for("admin.signin", next=request.full_path.rstrip("?")))
                return render_template("admin/error.html", status=401, title="Signed out",
                                       message="Your session has ended. Sign in again."), 401
            g.user, g.principal = user, user.principal
            if not user.can(permission):
                return render_template("admin/error.html", status=403, title="Not for your role",
                                       message=role_refusal(user.role, permission)), 403
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorate


def role_refusal(role: str, permission: str) -> str:
    """Why this page or change is not for this role, and whose it is."""
    from ..accounts.roles import ROLE_LABELS

    allowed = [ROLE_LABELS.get(r, r) for r in CONSOLE_ROLES if console_can(r, permission)]
    what = "open this page" if request.method == "GET" else "make this change"
    whose = (f"Only the {' and '.join(allowed)} role{'s' if len(allowed) > 1 else ''} can."
             if allowed else "No console role can.")
    return (f"Your role ({ROLE_LABELS.get(role, role)}) cannot {what}. {whose} "
            "Ask IT if you need it.")


def current_user() -> ConsoleUser:
    return g.user
