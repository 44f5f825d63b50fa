"""Identity providers at the seams their libraries offer.

- Entra ID: msal's `http_client` seam answers with recorded responses
  (tests/admin/recorded), the ID token signed here with a test key.
- Google: a local HTTP server plays the token and certificate endpoints that
  google-auth and our code call; its ID tokens are signed with a test key.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

RECORDED = Path(__file__).parent / "recorded"
ENTRA = "https://login.microsoftonline.com"
ENTRA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
ENTRA_CLIENT = "11111111-2222-3333-4444-555555555555"
STAFF_GROUP = "6f0a6c1e-3f61-4a4a-9d2f-2c2d9f1a0b7e"


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def new(cls) -> SigningKey:
        return cls(kid=uuid.uuid4().hex[:16], private=rsa.generate_private_key(65537, 2048))

    def sign(self, claims: dict) -> str:
        pem = self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": self.kid})

    def jwk(self) -> dict:
        key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**key, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def certificate_pem(self) -> str:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test signer")])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.private.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
                .sign(self.private, hashes.SHA256()))
        return cert.public_bytes(serialization.Encoding.PEM).decode()


# --- Entra ID through msal's http_client


class RecordedResponse:
    def __init__(self, status_code: int, body: dict | str):
        self.status_code = status_code
        self.text = body if isinstance(body, str) else json.dumps(body)
        self.headers = {"Content-Type": "application/json; charset=utf-8"}

    def raise_for_status(self):
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}")


@dataclass
class EntraAtTheSeam:
    """What msal (and our key fetch) asks login.microsoftonline.com, answered from recordings."""

    key: SigningKey
    claims: dict = field(default_factory=dict)     # extra/overriding ID token claims
    signer: SigningKey | None = None                # sign with another key than published
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    nonce: str = ""

    def get(self, url, params=None, headers=None, **kwargs):
        self.requests.append(("GET", url, params or {}))
        if url == f"{ENTRA}/organizations/v2.0/.well-known/openid-configuration":
            return RecordedResponse(200, (RECORDED / "entra_openid_configuration.json").read_text())
        if url == f"{ENTRA}/organizations/discovery/v2.0/keys":
            return RecordedResponse(200, {"keys": [self.key.jwk()]})
        return RecordedResponse(404, {"error": "not_found"})

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        self.requests.append(("POST", url, dict(data or {})))
        if url != f"{ENTRA}/organizations/oauth2/v2.0/token":
            return RecordedResponse(404, {"error": "not_found"})
        if (data or {}).get("code") != "recorded-code":
            return RecordedResponse(400, {"error": "invalid_grant",
                                          "error_description": "AADSTS70000: code is invalid"})
        oid = self.claims.get("oid", "0fbd1c6e-5b2c-4f1b-8b4a-8f9e7f0d1a2b")
        tid = self.claims.get("tid", ENTRA_TENANT)
        now = int(time.time())
        claims = {"aud": ENTRA_CLIENT, "iss": f"{ENTRA}/{tid}/v2.0", "iat": now, "nbf": now,
                  "exp": now + 3600, "name": "Jordan Ellis", "oid": oid,
                  "preferred_username": "jordan.ellis@district.example.org", "sub": "pairwise-sub",
                  "tid": tid, "ver": "2.0", "nonce": self.nonce, "groups": [STAFF_GROUP], **self.claims}
        client_info = base64.urlsafe_b64encode(json.dumps({"uid": oid, "utid": tid}).encode()).decode()
        body = (RECORDED / "entra_token_response.json").read_text()
        body = body.replace("{id_token}", (self.signer or self.key).sign(claims)) \
                   .replace("{client_info}", client_info.rstrip("="))
        return RecordedResponse(200, body)

    def expect_nonce_from(self, auth_uri: str) -> dict:
        """The browser went to Microsoft: the ID token must carry the request's nonce."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(auth_uri).query).items()}
        self.nonce = query["nonce"]
        return query


# --- Google through a local HTTP server


class GoogleOnLoopback:
    """Token endpoint and certificates, served on 127.0.0.1 for google-auth to fetch."""

    CLIENT_ID = "123456789-console.apps.googleusercontent.com"

    def __init__(self, key: SigningKey):
        self.key = key
        self.claims: dict = {}
        self.nonce = ""
        self.token_requests: list[dict] = []
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(5)

    @Request.application
    def _app(self, request: Request) -> Response:
        if request.path == "/certs":
            return Response(json.dumps({self.key.kid: self.key.certificate_pem()}),
                            mimetype="application/json")
        if request.path == "/token" and request.method == "POST":
            self.token_requests.append(request.form.to_dict())
            if request.form.get("code") != "google-code":
                return Response(json.dumps({"error": "invalid_grant"}), 400, mimetype="application/json")
            now = int(time.time())
            claims = {"iss": "https://accounts.google.com", "azp": self.CLIENT_ID, "aud": self.CLIENT_ID,
                      "sub": "110248495921238986420", "hd": "district.example.org",
                      "email": "casey.nguyen@district.example.org", "email_verified": True,
                      "name": "Casey Nguyen", "nonce": self.nonce, "iat": now, "exp": now + 3600,
                      **self.claims}
            body = (RECORDED / "google_token_response.json").read_text() \
                .replace("{id_token}", self.key.sign(claims))
            return Response(body, mimetype="application/json")
        return Response("not found", 404)
