"""Is this request really from Google's add-on system?

Every call to an HTTP-runtime add-on endpoint carries a system ID token
(in `Authorization: Bearer` and in `authorizationEventObject.systemIdToken`)
signed by Google, whose audience is the endpoint URL it was sent to and
whose email is the add-on's service account. Anything else is refused.
"""

from __future__ import annotations

from flask import current_app, request

from ..auth import AuthError, bearer_token
from ..identity.google_certs import CachedCertsRequest
from ..identity.google_tokens import verify_google_token


def endpoint_url() -> str:
    """The URL Google was told to call: the public URL when set, else this request's."""
    public = current_app.extensions["safesend"].settings.public_url
    base = public or request.url_root.rstrip("/")
    return base + request.path


def system_token(event: dict) -> str:
    header = bearer_token()
    body = str((event.get("authorizationEventObject") or {}).get("systemIdToken") or "")
    if header and body and header != body:
        raise AuthError(401, "invalid_token", "The request carries two different system tokens.")
    token = header or body
    if not token:
        raise AuthError(401, "unauthorized", "Add-on requests must carry Google's system ID token.")
    return token


def verify_from_google(event: dict) -> dict:
    """The system token's claims, or AuthError."""
    settings = current_app.extensions["safesend"].settings
    expected_account = settings.google_addon_service_account
    if not expected_account:
        raise AuthError(503, "not_configured",
                        "The Gmail add-on is not set up: SAFESEND_GOOGLE_ADDON_SERVICE_ACCOUNT is empty.")
    claims = verify_google_token(system_token(event), endpoint_url(), _certs_request(),
                                 settings.google_certs_url)
    if str(claims.get("email", "")).lower() != expected_account or not claims.get("email_verified"):
        raise AuthError(403, "forbidden", "The request was not sent by this add-on's service account.")
    return claims


def _certs_request() -> CachedCertsRequest:
    # One cache per app, shared by every request.
    return current_app.extensions.setdefault("safesend_google_certs", CachedCertsRequest())
