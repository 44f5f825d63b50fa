"""Who is calling, and what they may do.

Every API route except health declares a permission; `authenticate` turns
the Authorization header into a Principal. API keys are built in; identity
token verifiers (Entra ID, Google) register themselves in
`app.extensions["safesend_token_verifiers"]` and are tried in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request

from .store import apikeys
from .store.db import transaction

PERMISSIONS: dict[str, frozenset[str]] = {
    "client": frozenset({"check", "override"}),
    "it": frozenset({"check", "policy:read", "policy:write", "roster", "checks:read"}),
    "admin": frozenset({"check", "checks:read", "overrides:read", "review", "policy:read",
                        "scans:run", "scans:read"}),
    "auditor": frozenset({"checks:read", "overrides:read", "policy:read", "scans:read"}),
}


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    subject: str          # user id/email, or "key:<id>"
    role: str
    method: str           # "api_key", "entra", "google", "session"
    email: str = ""       # the signed-in user's address, when known

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


TokenVerifier = Callable[[str], "Principal | None"]


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate() -> Principal:
    token = bearer_token()
    if token is None:
        raise AuthError(401, "unauthorized", "Send 'Authorization: Bearer <API key or token>'.")
    if token.startswith(apikeys.KEY_PREFIX):
        principal = _from_api_key(token)
    else:
        principal = None
        for verify in current_app.extensions.get("safesend_token_verifiers", []):
            principal = verify(token)
            if principal is not None:
                break
    if principal is None:
        raise AuthError(401, "unauthorized", "The API key or token is not valid.")
    return principal


def _from_api_key(token: str) -> Principal | None:
    services = current_app.extensions["safesend"]
    # A key verified a moment ago is not read again (hot_reads.py: a revocation
    # through this process clears it at once, one elsewhere within seconds).
    digest = apikeys.hash_key(token)
    principal = services.verified_keys.get(digest)
    if principal is not None:
        return principal
    with transaction(services.reads or services.sessions) as session:  # one autocommit SELECT
        row = apikeys.find_active_key(session, token)
        if row is None:
            return None
        principal = Principal(tenant_id=row.tenant_id, subject=f"key:{row.id}", role=row.role,
                              method="api_key")
    services.verified_keys.put(digest, principal)
    return principal


def require(permission: str):
    """Route decorator: authenticate, then demand `permission`."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            principal = authenticate()
            if not principal.can(permission):
                raise AuthError(403, "forbidden",
                                f"The role '{principal.role}' may not do this ({permission}).")
            g.principal = principal
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorate


def current_principal() -> Principal:
    return g.principal
