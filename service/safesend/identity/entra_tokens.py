"""Microsoft Entra ID access tokens (Office SSO / Nested App Authentication).

A token is accepted when it is signed by a key of its tenant's JWKS, is
issued by `{authority}/{tid}/v2.0` for a tenant the district enrolled, is
for SafeSend's app registration (audience), carries the delegated scope,
and has not expired. The user is `tid`+`oid`: names and addresses change,
those do not.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import jwt
from jwt import PyJWKClient

from ..auth import AuthError, Principal

log = logging.getLogger("safesend.identity")

ALGORITHMS = ["RS256"]            # what Entra signs access tokens with
CLOCK_SKEW_SECONDS = 60
JWKS_CACHE_SECONDS = 3600         # keys roll over rarely; unknown kids trigger a refresh
JWKS_TIMEOUT_SECONDS = 5


@dataclass
class EntraVerifier:
    audiences: list[str]
    tenants: dict[str, str]                      # Entra tenant id -> SafeSend tenant id
    authority: str = "https://login.microsoftonline.com"
    scope: str = "access_as_user"
    _key_sets: dict[str, PyJWKClient] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, token: str) -> Principal | None:
        unverified = _peek(token)
        if unverified is None or not str(unverified.get("iss", "")).startswith(self.authority + "/"):
            return None  # not an Entra token from our authority: let another verifier try
        entra_tenant = str(unverified.get("tid", "")).lower()
        tenant = self.tenants.get(entra_tenant)
        if tenant is None:
            raise AuthError(401, "unknown_tenant",
                            "This Microsoft 365 organization is not enrolled in SafeSend.")
        claims = self._verified_claims(token, entra_tenant)
        if self.scope and self.scope not in str(claims.get("scp", "")).split():
            raise AuthError(401, "invalid_token",
                            f"The token does not carry the '{self.scope}' permission for SafeSend.")
        return Principal(tenant_id=tenant, subject=f"entra:{entra_tenant}:{claims['oid']}",
                         role="client", method="entra", email=_email(claims))

    def _verified_claims(self, token: str, entra_tenant: str) -> dict:
        try:
            key = self._key_set(entra_tenant).get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            log.warning("cannot fetch the signing keys of Entra tenant %s", entra_tenant)
            raise AuthError(503, "identity_unavailable",
                            "Microsoft's signing keys cannot be fetched right now; try again.") from None
        except jwt.PyJWTError:
            raise AuthError(401, "invalid_token", "The token is not signed by a known key.") from None
        try:
            return jwt.decode(
                token, key.key, algorithms=ALGORITHMS, audience=self.audiences,
                issuer=f"{self.authority}/{entra_tenant}/v2.0", leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud", "tid", "oid"]})
        except jwt.ExpiredSignatureError:
            raise AuthError(401, "token_expired", "The sign-in has expired; sign in again.") from None
        except jwt.InvalidAudienceError:
            raise AuthError(401, "invalid_token", "The token was issued for another application.") from None
        except jwt.InvalidIssuerError:
            raise AuthError(401, "invalid_token", "The token was issued by another authority.") from None
        except jwt.PyJWTError:
            raise AuthError(401, "invalid_token", "The token is not valid.") from None

    def _key_set(self, entra_tenant: str) -> PyJWKClient:
        # Only enrolled tenants reach here, so callers cannot make us fetch arbitrary URLs.
        with self._lock:
            client = self._key_sets.get(entra_tenant)
            if client is None:
                client = PyJWKClient(f"{self.authority}/{entra_tenant}/discovery/v2.0/keys",
                                     cache_jwk_set=True, lifespan=JWKS_CACHE_SECONDS,
                                     timeout=JWKS_TIMEOUT_SECONDS)
                self._key_sets[entra_tenant] = client
            return client


def _peek(token: str) -> dict | None:
    """Claims read without verification, only to route the token."""
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None


def _email(claims: dict) -> str:
    """The user's address: the optional `email` claim, else the sign-in name."""
    for name in ("email", "preferred_username", "upn"):
        value = str(claims.get(name) or "").strip().lower()
        if "@" in value:
            return value
    return ""
