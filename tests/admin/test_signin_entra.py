"""Sign-in with Microsoft Entra ID: msal's auth code flow, replayed at msal's http_client seam."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from admin.idp_fakes import ENTRA, ENTRA_CLIENT, ENTRA_TENANT, STAFF_GROUP, EntraAtTheSeam, SigningKey

from safesend.store import audit, users
from safesend.store.db import transaction


@pytest.fixture(scope="module")
def entra_key():
    return SigningKey.new()


@pytest.fixture
def entra(make_app, entra_key):
    app = make_app(signin_entra_client_id=ENTRA_CLIENT, signin_entra_client_secret="test-secret",
                   entra_tenants=f"{ENTRA_TENANT}=default", role_groups=f"{STAFF_GROUP}=admin")
    seam = EntraAtTheSeam(key=entra_key)
    app.extensions["safesend_signin"].entra.http_client = seam
    return app, seam


def _sign_in(app, seam, code="recorded-code", state=None):
    client = app.test_client()
    assert b"Sign in with Microsoft" in client.get("/admin/signin").data
    started = client.get("/admin/signin/microsoft?next=/admin/policy")
    assert started.status_code == 302
    location = started.headers["Location"]
    assert location.startswith(f"{ENTRA}/organizations/oauth2/v2.0/authorize?")
    query = seam.expect_nonce_from(location)
    assert query["client_id"] == ENTRA_CLIENT and query["code_challenge_method"] == "S256"
    assert urlsplit(query["redirect_uri"]).path == "/admin/signin/microsoft/callback"
    done = client.get("/admin/signin/microsoft/callback",
                      query_string={"code": code, "state": state or query["state"],
                                    "session_state": "recorded"})
    return client, done


def test_group_member_signs_in_and_gets_the_mapped_role(entra):
    app, seam = entra
    client, done = _sign_in(app, seam)
    assert done.status_code == 302 and done.headers["Location"] == "/admin/policy"
    assert client.get("/admin/log").status_code == 200          # admin may read the log
    assert client.get("/admin/roster").status_code == 403       # but is not IT
    token_call = next(r for r in seam.requests if r[0] == "POST")
    assert token_call[2]["code"] == "recorded-code" and token_call[2]["client_secret"] == "test-secret"
    assert token_call[2]["code_verifier"]                         # PKCE
    with transaction(app.extensions["safesend"].sessions) as session:
        user = users.find_by_email(session, "jordan.ellis@district.example.org")
        assert (user.role, user.role_source, user.tenant_id) == ("admin", "groups", "default")
        assert user.external_id == f"entra:{ENTRA_TENANT}:0fbd1c6e-5b2c-4f1b-8b4a-8f9e7f0d1a2b"
        entries, _ = audit.list_entries(session, "default", 10)
        assert entries[0].action == "user.create" and entries[0].actor == "entra sign-in"


def test_role_follows_the_groups_at_each_sign_in(entra):
    app, seam = entra
    _sign_in(app, seam)
    seam.claims = {"groups": [], "roles": ["SafeSend.Auditors"]}
    app.extensions["safesend_signin"].role_groups["safesend.auditors"] = "auditor"
    client, done = _sign_in(app, seam)
    assert done.status_code == 302
    assert client.get("/admin/log").status_code == 200 and client.get("/admin/try").status_code == 403
    seam.claims = {"groups": []}
    _, refused = _sign_in(app, seam)
    assert refused.status_code == 403 and b"no longer in a SafeSend group" in refused.data


def test_a_state_that_does_not_match_is_refused(entra):
    app, seam = entra
    _, done = _sign_in(app, seam, state="forged-state")
    assert done.status_code == 403 and b"could not be completed" in done.data
    assert not any(r[0] == "POST" for r in seam.requests)    # the code was never redeemed


def test_an_id_token_signed_by_another_key_is_refused(entra):
    app, seam = entra
    seam.signer = SigningKey.new()
    seam.signer.kid = seam.key.kid        # same key id, wrong key
    _, done = _sign_in(app, seam)
    assert done.status_code == 403 and b"could not be verified" in done.data


@pytest.mark.parametrize("claims, message", [
    ({"tid": "00000000-0000-0000-0000-00000000dead"}, b"not enrolled in SafeSend"),
    ({"aud": "someone-elses-app"}, b"could not be verified"),
    ({"exp": 1_000_000_000, "iat": 999_990_000, "nbf": 999_990_000}, b"could not be verified"),
    ({"nonce": "replayed"}, b"could not be completed"),
])
def test_tokens_for_other_tenants_apps_times_or_requests_are_refused(entra, claims, message):
    app, seam = entra
    seam.claims = claims
    _, done = _sign_in(app, seam)
    assert done.status_code == 403 and message in done.data


def test_without_a_group_only_a_user_added_by_it_gets_in(entra, make_user):
    app, seam = entra
    seam.claims = {"groups": ["some-other-group"]}
    _, refused = _sign_in(app, seam)
    assert refused.status_code == 403 and b"do not have a SafeSend role" in refused.data
    with transaction(app.extensions["safesend"].sessions) as session:
        users.create_user(session, "default", "jordan.ellis@district.example.org", "it", "test")
    client, done = _sign_in(app, seam)
    assert done.status_code == 302 and client.get("/admin/roster").status_code == 200


def test_microsoft_button_is_hidden_until_configured(client):
    assert b"Sign in with Microsoft" not in client.get("/admin/signin").data
    assert client.get("/admin/signin/microsoft").status_code == 404
