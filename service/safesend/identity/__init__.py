"""Identity providers, both sides, one module per side and provider.

API tokens (the add-ins' users calling /api): entra_tokens.py, google_tokens.py
(with google_certs.py), ownership.py; `init_app` registers the verifiers.
Console sign-in (people signing in to /admin or the release page):
entra_signin.py, google_signin.py, and signin.py (a verified sign-in -> a console
user). Local passwords, roles and sessions are console accounts (accounts/).
"""

from __future__ import annotations

import logging

from flask import Flask

from ..config import Settings
from .entra_tokens import EntraVerifier
from .ownership import ensure_may_check_as, ensure_owns_check

log = logging.getLogger("safesend.identity")


def entra_audiences(settings: Settings) -> list[str]:
    """The client id, any configured App ID URIs, and the one Office SSO derives."""
    audiences = [settings.entra_client_id, *settings.entra_audiences]
    if settings.public_url:
        from ..addin.manifest import default_app_id_uri

        audiences.append(default_app_id_uri(settings.public_url, settings.entra_client_id))
    return list(dict.fromkeys(a for a in audiences if a))


def init_app(app: Flask, settings: Settings) -> None:
    """Accept Entra ID tokens when an app registration is configured."""
    if not settings.entra_client_id:
        return
    if not settings.entra_tenants:
        log.warning("SAFESEND_ENTRA_CLIENT_ID is set but SAFESEND_ENTRA_TENANTS is empty: "
                    "every Entra token will be refused")
    _ensure_tenants(app, set(settings.entra_tenants.values()))
    app.extensions["safesend_token_verifiers"].append(EntraVerifier(
        audiences=entra_audiences(settings), tenants=dict(settings.entra_tenants),
        authority=settings.entra_authority, scope=settings.entra_scope))


def _ensure_tenants(app: Flask, tenant_ids: set[str]) -> None:
    """Every tenant a token can map to exists, so its users' checks can be recorded."""
    from sqlalchemy.exc import IntegrityError

    from ..store.db import transaction
    from ..store.tenants import ensure_tenant

    try:
        with transaction(app.extensions["safesend"].sessions) as session:
            for tenant_id in sorted(tenant_ids):
                ensure_tenant(session, tenant_id)
    except IntegrityError:
        log.info("another worker created the Entra tenants first")


__all__ = ["EntraVerifier", "ensure_may_check_as", "ensure_owns_check", "init_app"]
