"""Entra ID access tokens, with RSA keys made here and a local JWKS endpoint."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from messages import TEACHER, check_request, parents
from safesend.identity import EntraVerifier

CLIENT_ID = "6f1c2a3b-0000-4000-8000-00000000c1d0"
APP_ID_URI = f"api://safesend.district.example.org/{CLIENT_ID}"
TENANT = "11111111-aaaa-4bbb-8ccc-222222222222"      # enrolled, maps to "default"
TENANT_B = "33333333-aaaa-4bbb-8ccc-444444444444"    # enrolled, maps to "district-b"
STRANGER = "55555555-aaaa-4bbb-8ccc-666666666666"    # signs tokens, not enrolled
COLLEAGUE = "colleague@district.example.org"


class KeyServer:
    """Serves /{tenant}/discovery/v2.0/keys like login.microsoftonline.com does."""

    def __init__(self):
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                owner.hits.append(self.path)
                body = json.dumps(owner.jwks).encode()
                self.send_response(200 if self.path.endswith("/discovery/v2.0/keys") else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.authority = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, tenant=TENANT, key=None, kid=None, issuer=None, **claims) -> str:
        now = int(time.time())
        payload = {
            "iss": issuer or f"{self.authority}/{tenant}/v2.0", "aud": CLIENT_ID, "tid": tenant,
            "oid": claims.pop("oid", str(uuid.uuid5(uuid.NAMESPACE_DNS, TEACHER))),
            "scp": "access_as_user", "preferred_username": TEACHER, "ver": "2.0",
            "iat": now - 10, "nbf": now - 10, "exp": now + 3600, **claims,
        }
        return jwt.encode(payload, key or self.private, algorithm="RS256", headers={"kid": kid or self.kid})


@pytest.fixture(scope="module")
def keys():
    server = KeyServer()
    yield server
    server.server.shutdown()


@pytest.fixture
def entra_app(make_app, keys):
    return make_app(entra_client_id=CLIENT_ID, entra_audience=APP_ID_URI,
                    entra_tenants=f"{TENANT}=default,{TENANT_B}=district-b",
                    entra_authority=keys.authority)


@pytest.fixture
def api(entra_app):
    client = entra_app.test_client()

    def call(method, path, token, **kwargs):
        return client.open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    return call


def check_body(sender=TEACHER):
    return check_request(to=parents(40), subject="504 plan meetings", body="504 plan meetings next week.",
                         sender=sender)


def test_a_valid_token_is_mapped_to_tenant_and_user(keys):
    verifier = EntraVerifier(audiences=[CLIENT_ID, APP_ID_URI], tenants={TENANT: "default"},
                             authority=keys.authority)
    principal = verifier(keys.token(oid="0a0a0a0a-1111-2222-3333-444444444444",
                                    email="Pat.Teacher@District.example.org"))
    assert principal.tenant_id == "default"
    assert principal.subject == f"entra:{TENANT}:0a0a0a0a-1111-2222-3333-444444444444"
    assert principal.email == "pat.teacher@district.example.org"  # the email claim wins
    assert principal.role == "client" and principal.method == "entra"
    assert verifier(keys.token(aud=APP_ID_URI)).email == TEACHER    # App ID URI audience (v1-style aud)


def test_a_valid_token_checks_and_overrides_its_own_message(api, keys, entra_app):
    token = keys.token()
    checked = api("POST", "/api/v1/checks", token, json=check_body())
    assert checked.status_code == 200, checked.json
    assert checked.json["action"] == "confirm"
    override = api("POST", f"/api/v1/checks/{checked.json['check_id']}/overrides", token,
                   json={"justification": "Families asked for a shared thread."})
    assert override.status_code == 201, override.json
    assert override.json["actor"] == TEACHER
    config = api("GET", "/api/v1/client-config", token)
    assert config.status_code == 200 and config.json["fail_mode"] == "open"


def test_a_second_enrolled_tenant_gets_its_own_records(api, keys, entra_app):
    token = keys.token(tenant=TENANT_B)
    assert api("POST", "/api/v1/checks", token, json=check_body()).status_code == 200
    # The default tenant's reviewers do not see district B's check.
    from safesend.store.apikeys import create_key
    from safesend.store.db import transaction

    with transaction(entra_app.extensions["safesend"].sessions) as session:
        admin = create_key(session, "default", "admin").key
    listed = entra_app.test_client().get("/api/v1/checks", headers={"Authorization": f"Bearer {admin}"})
    assert listed.json["total"] == 0


@pytest.mark.parametrize("case", [
    "wrong_audience", "wrong_issuer", "foreign_issuer", "expired", "bad_signature", "unknown_key",
    "unknown_tenant", "missing_scope", "app_only", "not_a_jwt",
])
def test_bad_tokens_are_refused_with_401(api, keys, case):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = {
        "wrong_audience": lambda: keys.token(aud="api://someone-else"),
        "wrong_issuer": lambda: keys.token(issuer=f"{keys.authority}/{TENANT_B}/v2.0"),
        "foreign_issuer": lambda: keys.token(issuer=f"https://sts.example.net/{TENANT}/v2.0"),
        "expired": lambda: keys.token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200,
                                      nbf=int(time.time()) - 7200),
        "bad_signature": lambda: keys.token(key=other_key),
        "unknown_key": lambda: keys.token(key=other_key, kid="rotated-away"),
        "unknown_tenant": lambda: keys.token(tenant=STRANGER),
        "missing_scope": lambda: keys.token(scp="User.Read"),
        "app_only": lambda: keys.token(scp=None, roles=["Checks.All"]),
        "not_a_jwt": lambda: "definitely-not-a-token",
    }[case]()
    response = api("POST", "/api/v1/checks", token, json=check_body())
    assert response.status_code == 401, (case, response.json)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_tokens_say_so(api, keys):
    token = keys.token(exp=int(time.time()) - 3600)
    assert api("POST", "/api/v1/checks", token, json=check_body()).json["error"]["code"] == "token_expired"


def test_a_user_token_cannot_check_as_another_sender(api, keys):
    response = api("POST", "/api/v1/checks", keys.token(), json=check_body(sender=COLLEAGUE))
    assert response.status_code == 403
    assert TEACHER in response.json["error"]["message"]
    # Case and display-name forms of one's own address are fine.
    assert api("POST", "/api/v1/checks", keys.token(),
               json=check_body(sender=f"Ms Teacher <{TEACHER.upper()}>")).status_code == 200


def test_a_user_token_cannot_override_another_users_check(api, keys):
    colleague = keys.token(preferred_username=COLLEAGUE, oid=str(uuid.uuid4()))
    theirs = api("POST", "/api/v1/checks", colleague, json=check_body(sender=COLLEAGUE)).json["check_id"]
    refused = api("POST", f"/api/v1/checks/{theirs}/overrides", keys.token(),
                  json={"justification": "I want to send it anyway."})
    assert refused.status_code == 403
    assert api("POST", f"/api/v1/checks/{theirs}/overrides", colleague,
               json={"justification": "Parents agreed to share addresses."}).status_code == 201


def test_api_keys_still_check_for_any_sender(entra_app):
    from safesend.store.apikeys import create_key
    from safesend.store.db import transaction

    with transaction(entra_app.extensions["safesend"].sessions) as session:
        key = create_key(session, "default", "client").key
    client = entra_app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    checked = client.post("/api/v1/checks", json=check_body(sender=COLLEAGUE), headers=headers)
    assert checked.status_code == 200
    assert client.post(f"/api/v1/checks/{checked.json['check_id']}/overrides", headers=headers,
                       json={"justification": "Development key, any sender."}).status_code == 201


def test_the_key_set_is_fetched_once_and_cached(keys):
    verifier = EntraVerifier(audiences=[CLIENT_ID], tenants={TENANT: "default"}, authority=keys.authority)
    before = len(keys.hits)
    for _ in range(5):
        assert verifier(keys.token()) is not None
    assert len(keys.hits) - before == 1
    assert keys.hits[-1] == f"/{TENANT}/discovery/v2.0/keys"


def test_unreachable_key_set_is_a_503_not_a_crash(make_app, keys):
    app = make_app(entra_client_id=CLIENT_ID, entra_tenants=TENANT, entra_authority="http://127.0.0.1:9")
    token = jwt.encode({"iss": f"http://127.0.0.1:9/{TENANT}/v2.0", "aud": CLIENT_ID, "tid": TENANT,
                        "oid": "x", "scp": "access_as_user", "exp": int(time.time()) + 60},
                       keys.private, algorithm="RS256", headers={"kid": keys.kid})
    response = app.test_client().post("/api/v1/checks", json=check_body(),
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.json["error"]["code"] == "identity_unavailable"
