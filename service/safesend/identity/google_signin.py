"""Sign-in with Google: OpenID Connect authorization code flow, ID token checked by google-auth.

The browser goes to Google with state, nonce and a PKCE challenge; the code
comes back and is redeemed at the token endpoint; google-auth verifies the
ID token's signature against Google's certificates (a local endpoint in
tests) and its audience and expiry; we check the issuer, the nonce, that the
address is verified and that it belongs to an enrolled Workspace domain.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from urllib.parse import urlencode

import google.auth.exceptions
import google.auth.transport.requests
import requests
from google.oauth2 import id_token as google_id_token

from ..config import Settings
from .signin import ExternalIdentity, SignInRefused

log = logging.getLogger("safesend.accounts")

ISSUERS = ("accounts.google.com", "https://accounts.google.com")
CLOCK_SKEW_SECONDS = 60
TIMEOUT_SECONDS = 10


class GoogleSignIn:
    def __init__(self, settings: Settings):
        self.client_id = settings.google_client_id
        self.client_secret = settings.google_client_secret
        self.auth_uri = settings.google_auth_uri
        self.token_uri = settings.google_token_uri
        self.certs_url = settings.google_certs_url
        self.domains = dict(settings.google_domains)   # Workspace domain -> SafeSend tenant
        self.http = requests.Session()

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret and self.domains)

    def start(self, redirect_uri: str) -> dict:
        """The flow to keep in the session; send the browser to flow['auth_uri']."""
        flow = {"state": secrets.token_urlsafe(24), "nonce": secrets.token_urlsafe(24),
                "verifier": secrets.token_urlsafe(48), "redirect_uri": redirect_uri}
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(flow["verifier"].encode("ascii")).digest()).rstrip(b"=").decode("ascii")
        params = {"client_id": self.client_id, "redirect_uri": redirect_uri, "response_type": "code",
                  "scope": "openid email profile", "state": flow["state"], "nonce": flow["nonce"],
                  "code_challenge": challenge, "code_challenge_method": "S256",
                  "prompt": "select_account"}
        if len(self.domains) == 1:
            params["hd"] = next(iter(self.domains))    # Google shows only that domain's accounts
        flow["auth_uri"] = f"{self.auth_uri}?{urlencode(params)}"
        return flow

    def finish(self, flow: dict, response: dict) -> ExternalIdentity:
        if not flow.get("state") or not hmac.compare_digest(str(flow["state"]),
                                                            str(response.get("state", ""))):
            raise SignInRefused("The sign-in could not be completed. Please try again.")
        if response.get("error") or not response.get("code"):
            raise SignInRefused(f"Google did not complete the sign-in ({response.get('error', 'no code')}).")
        claims = self.verified_claims(self._redeem(flow, response["code"]), flow["nonce"])
        return ExternalIdentity(provider="google", external_id=f"google:{claims['sub']}",
                                tenant_id=self.domains[claims["hd"].lower()],
                                email=claims["email"].strip().lower(),
                                name=str(claims.get("name", ""))[:200])

    def verified_claims(self, token: str, nonce: str) -> dict:
        try:
            claims = google_id_token.verify_token(
                token, google.auth.transport.requests.Request(session=self.http),
                audience=self.client_id, certs_url=self.certs_url,
                clock_skew_in_seconds=CLOCK_SKEW_SECONDS)
        except google.auth.exceptions.TransportError:
            raise SignInRefused("Google's certificates cannot be fetched right now; try again.") from None
        except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
            log.warning("Google ID token refused: %s", exc)
            raise SignInRefused("Google's answer could not be verified. Please try again.") from None
        if claims.get("iss") not in ISSUERS:
            raise SignInRefused("Google's answer could not be verified. Please try again.")
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInRefused("The sign-in could not be completed. Please try again.")
        if not claims.get("email") or claims.get("email_verified") is not True:
            raise SignInRefused("Your Google account's address is not verified.")
        if str(claims.get("hd", "")).lower() not in self.domains:
            raise SignInRefused("Sign in with your district's Google Workspace account.")
        return claims

    def _redeem(self, flow: dict, code: str) -> str:
        try:
            answer = self.http.post(self.token_uri, timeout=TIMEOUT_SECONDS, data={
                "code": code, "client_id": self.client_id, "client_secret": self.client_secret,
                "redirect_uri": flow["redirect_uri"], "grant_type": "authorization_code",
                "code_verifier": flow["verifier"]})
        except requests.RequestException as exc:
            log.error("Google token endpoint unreachable: %s", exc)
            raise SignInRefused("Google cannot be reached right now; try again.") from None
        if answer.status_code != 200:
            log.warning("Google token endpoint answered %s", answer.status_code)
            raise SignInRefused("Google did not accept the sign-in. Please try again.")
        token = (answer.json() or {}).get("id_token")
        if not token:
            raise SignInRefused("Google did not send an ID token. Please try again.")
        return token
