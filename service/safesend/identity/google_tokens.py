"""Google ID tokens: the Gmail extension's signed-in user (issue 6).

A token is accepted when Google signed it (keys from the certificates URL),
accounts.google.com issued it for one of SafeSend's OAuth clients (audience),
it has not expired, its address is verified, and its Workspace domain (`hd`)
is one the district enrolled. The user checks as a client, as their own
address; the tenant comes from the domain, never from the client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import Flask
from google.auth import exceptions as google_exceptions
from google.auth import jwt as google_jwt
from google.oauth2 import id_token

from ..auth import AuthError, Principal
from ..config import Settings
from .google_certs import CachedCertsRequest

log = logging.getLogger("safesend.identity")

GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
CLOCK_SKEW_SECONDS = 60


def peek_claims(token: str) -> dict | None:
    """The claims of a JWT without checking it: only to choose a verifier."""
    try:
        claims = google_jwt.decode(token, verify=False)
    except (ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


def verify_google_token(token: str, audience: str | list[str], request: CachedCertsRequest,
                        certs_url: str) -> dict:
    """Claims of a token Google signed for `audience`; AuthError otherwise."""
    try:
        claims = _verify(token, audience, request, certs_url)
    except google_exceptions.TransportError:
        log.warning("cannot fetch Google's signing certificates from %s", certs_url)
        raise AuthError(503, "identity_unavailable",
                        "Google's signing keys cannot be fetched right now; try again.") from None
    except ValueError as exc:
        raise _token_error(str(exc)) from None
    if claims.get("iss") not in GOOGLE_ISSUERS:
        raise AuthError(401, "invalid_token", "The token was not issued by Google.")
    return claims


def _verify(token, audience, request, certs_url) -> dict:
    try:
        return id_token.verify_token(token, request, audience=audience, certs_url=certs_url,
                                     clock_skew_in_seconds=CLOCK_SKEW_SECONDS)
    except ValueError as exc:
        if "Certificate for key id" not in str(exc):
            raise
    # Google rotated its keys since we cached them: fetch once more.
    request.forget(certs_url)
    return id_token.verify_token(token, request, audience=audience, certs_url=certs_url,
                                 clock_skew_in_seconds=CLOCK_SKEW_SECONDS)


def _token_error(reason: str) -> AuthError:
    lowered = reason.lower()
    if "expired" in lowered:
        return AuthError(401, "token_expired", "The sign-in has expired; sign in again.")
    if "audience" in lowered:
        return AuthError(401, "invalid_token", "The token was issued for another application.")
    return AuthError(401, "invalid_token", "The token is not valid.")


@dataclass
class GoogleVerifier:
    """Token verifier (auth.TokenVerifier) for Google ID tokens of district users."""

    audiences: list[str]
    domains: dict[str, str]                  # Workspace domain (hd) -> SafeSend tenant id
    certs_url: str
    request: CachedCertsRequest = field(default_factory=CachedCertsRequest, repr=False)

    def __call__(self, token: str) -> Principal | None:
        unverified = peek_claims(token)
        if unverified is None or unverified.get("iss") not in GOOGLE_ISSUERS:
            return None  # not a Google token: let another verifier try
        claims = verify_google_token(token, self.audiences, self.request, self.certs_url)
        return self.principal_for(claims)

    def principal_for(self, claims: dict) -> Principal:
        email = str(claims.get("email", "")).strip().lower()
        if not email or claims.get("email_verified") not in (True, "true"):
            raise AuthError(401, "invalid_token", "The Google account has no verified address.")
        domain = str(claims.get("hd", "")).strip().lower()
        tenant = self.domains.get(domain) if domain else None
        if tenant is None:
            raise AuthError(403, "unknown_domain",
                            f"The Google account {email} is not in a school domain enrolled in SafeSend.")
        return Principal(tenant_id=tenant, subject=f"google:{claims.get('sub') or email}", role="client",
                         method="google", email=email)


def verifier_from(settings: Settings) -> GoogleVerifier:
    return GoogleVerifier(audiences=list(settings.google_client_ids),
                          domains=dict(settings.google_domains), certs_url=settings.google_certs_url)


def init_app(app: Flask, settings: Settings) -> None:
    """Accept Google ID tokens when an OAuth client id is configured."""
    if not settings.google_client_ids:
        return
    if not settings.google_domains:
        log.warning("SAFESEND_GOOGLE_CLIENT_IDS is set but SAFESEND_GOOGLE_DOMAINS is empty: "
                    "every Google token will be refused")
    verifier = verifier_from(settings)
    app.extensions["safesend_google_verifier"] = verifier   # the add-on identifies its users with it
    app.extensions["safesend_token_verifiers"].append(verifier)
