"""Google's side, played locally: RSA keys we generate, their certificates served
over real HTTP (as https://www.googleapis.com/oauth2/v1/certs serves them), and
ID tokens signed with them in the shapes Google issues."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt
from google.auth import jwt as google_jwt

PUBLIC_URL = "https://safesend.example.org"
DOMAIN = "district.example.org"
TEACHER = f"teacher@{DOMAIN}"
EXTENSION_CLIENT = "1111-extension.apps.googleusercontent.com"
ADDON_CLIENT = "2222-addon.apps.googleusercontent.com"
ADDON_ACCOUNT = "service-123456789@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"


class SigningKey:
    def __init__(self, kid: str):
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
        self.signer = crypt.RSASigner.from_string(pem, key_id=kid)

    def certificate_pem(self) -> str:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "securetoken.system.gserviceaccount.com")])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.private.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=7))
                .sign(self.private, hashes.SHA256()))
        return cert.public_bytes(serialization.Encoding.PEM).decode()


class CertsServer:
    """Serves {kid: PEM certificate} like Google's v1 certs endpoint, and counts fetches."""

    def __init__(self):
        self.published: dict[str, str] = {}
        self.fetches = 0
        self.failing = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.fetches += 1
                if server.failing:
                    self.send_response(500)
                    self.end_headers()
                    return
                body = json.dumps(server.published).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=300")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/oauth2/v1/certs"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def publish(self, key: SigningKey) -> None:
        self.published[key.kid] = key.certificate_pem()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def sign(key: SigningKey, **claims) -> str:
    now = int(time.time())
    payload = {"iss": "https://accounts.google.com", "iat": now, "exp": now + 3600, **claims}
    return google_jwt.encode(key.signer, payload).decode()


def user_token(key: SigningKey, audience: str = EXTENSION_CLIENT, email: str = TEACHER,
               hd: str | None = DOMAIN, **claims) -> str:
    """An ID token for a signed-in Workspace user, as Google's OAuth server issues it."""
    base = {"aud": audience, "azp": audience, "sub": "109876543210987654321", "email": email,
            "email_verified": True, "hd": hd}
    if hd is None:
        base.pop("hd")
    return sign(key, **{**base, **claims})


def system_token(key: SigningKey, endpoint: str, email: str = ADDON_ACCOUNT, **claims) -> str:
    """The add-on system's ID token: audience is the endpoint URL Google calls."""
    return sign(key, **{"aud": endpoint, "azp": "104857600000000000000", "sub": "104857600000000000000",
                        "email": email, "email_verified": True, **claims})
