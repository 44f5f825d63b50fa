"""Sign-in with Microsoft Entra ID: msal's authorization code flow (confidential client).

msal builds the authorization request (state, nonce, PKCE) and redeems the
code. Since msal 1.38 it no longer validates the ID token, so we do: the
signature against the authority's published keys, the audience, the issuer
of an enrolled organization, and the expiry. Every HTTP call goes through
one `http_client` (msal's own seam), so tests replay recorded responses.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import warnings

import jwt
import msal

from ..config import Settings
from .signin import ExternalIdentity, SignInRefused

log = logging.getLogger("safesend.accounts")

KEYS_CACHE_SECONDS = 3600
CLOCK_SKEW_SECONDS = 120


class _NoTokenCache(msal.TokenCache):
    """The console needs the ID token once; keeping tokens would only grow memory."""

    def add(self, event, now=None):  # noqa: D401 - msal's interface
        return None


class EntraSignIn:
    def __init__(self, settings: Settings, http_client=None):
        self.client_id = settings.signin_entra_client_id
        self.client_secret = settings.signin_entra_client_secret
        self.authority = f"{settings.entra_authority}/{settings.signin_entra_tenant}"
        self.authority_base = settings.entra_authority
        self.tenants = dict(settings.entra_tenants)   # Entra tenant id -> SafeSend tenant
        self.http_client = http_client                # None: msal's requests session
        self._app: msal.ConfidentialClientApplication | None = None
        self._keys: tuple[float, dict] | None = None
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def start(self, redirect_uri: str) -> dict:
        """The flow to keep in the session; send the browser to flow['auth_uri']."""
        try:
            client = self._msal()
        except Exception as exc:  # msal raises ValueError or requests' errors on discovery
            log.error("Entra sign-in unavailable: %s", exc)
            raise SignInRefused("Microsoft sign-in cannot be reached right now; try again.") from None
        # The code comes back in the query (msal's default), not by form_post: a
        # cross-site POST would not carry the SameSite=Lax session that holds the
        # flow, and the code is useless without its PKCE verifier and our secret.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended")
            return client.initiate_auth_code_flow(scopes=[], redirect_uri=redirect_uri,
                                                  prompt="select_account")

    def finish(self, flow: dict, response: dict) -> ExternalIdentity:
        try:
            result = self._msal().acquire_token_by_auth_code_flow(flow, response)
        except (ValueError, RuntimeError):
            # State or nonce mismatch (a forged or replayed callback): msal refuses, so do we.
            raise SignInRefused("The sign-in could not be completed. Please try again.") from None
        if "error" in result:
            log.warning("Entra sign-in error: %s", result.get("error"))
            raise SignInRefused("Microsoft did not complete the sign-in "
                                f"({result.get('error', 'error')}). Please try again.")
        claims = self.verified_claims(result.get("id_token", ""))
        tid = str(claims["tid"]).lower()
        email = _address(claims)
        if not email:
            raise SignInRefused("Your Microsoft account has no email address SafeSend can use.")
        if "groups" in (claims.get("_claim_names") or {}):
            log.warning("Entra sign-in of %s: too many groups for the token (group overage); "
                        "assign groups to the application or use app roles", email)
        groups = tuple(str(g) for g in (*claims.get("groups", ()), *claims.get("roles", ())))
        return ExternalIdentity(provider="entra", external_id=f"entra:{tid}:{claims['oid']}",
                                tenant_id=self.tenants[tid], email=email,
                                name=str(claims.get("name", ""))[:200], groups=groups)

    def verified_claims(self, id_token: str) -> dict:
        try:
            header = jwt.get_unverified_header(id_token)
            tid = str(jwt.decode(id_token, options={"verify_signature": False}).get("tid", "")).lower()
        except jwt.PyJWTError:
            raise SignInRefused("Microsoft sent an ID token SafeSend cannot read.") from None
        if tid not in self.tenants:
            raise SignInRefused("Your Microsoft 365 organization is not enrolled in SafeSend.")
        try:
            return jwt.decode(
                id_token, self._signing_key(header.get("kid", "")), algorithms=["RS256"],
                audience=self.client_id, issuer=f"{self.authority_base}/{tid}/v2.0",
                leeway=CLOCK_SKEW_SECONDS, options={"require": ["exp", "iat", "iss", "aud", "tid", "oid"]})
        except jwt.PyJWTError as exc:
            log.warning("Entra ID token refused: %s", exc)
            raise SignInRefused("Microsoft's answer could not be verified. Please try again.") from None

    def _signing_key(self, kid: str):
        for refresh in (False, True):
            keys = self._key_set(refresh)
            if kid in keys:
                return keys[kid]
        raise SignInRefused("Microsoft's answer was signed by an unknown key. Please try again.")

    def _key_set(self, refresh: bool) -> dict:
        with self._lock:
            if not refresh and self._keys and time.monotonic() - self._keys[0] < KEYS_CACHE_SECONDS:
                return self._keys[1]
        config = self._get_json(f"{self.authority}/v2.0/.well-known/openid-configuration")
        jwks = jwt.PyJWKSet.from_dict(self._get_json(config["jwks_uri"]))
        keys = {key.key_id: key.key for key in jwks.keys if key.key_id}
        with self._lock:
            self._keys = (time.monotonic(), keys)
        return keys

    def _get_json(self, url: str) -> dict:
        if self.http_client is not None:
            response = self.http_client.get(url)
        else:
            import requests

            response = requests.get(url, timeout=10)
        if response.status_code != 200:
            raise SignInRefused("Microsoft's sign-in keys cannot be fetched right now; try again.")
        return json.loads(response.text)

    def _msal(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._app is None:
                options = {"http_client": self.http_client} if self.http_client is not None else {}
                self._app = msal.ConfidentialClientApplication(
                    self.client_id, client_credential=self.client_secret, authority=self.authority,
                    token_cache=_NoTokenCache(), **options)
            return self._app


def _address(claims: dict) -> str:
    for name in ("email", "preferred_username", "upn"):
        value = str(claims.get(name) or "").strip().lower()
        if "@" in value:
            return value
    return ""
