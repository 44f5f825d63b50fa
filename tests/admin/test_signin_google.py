"""Sign-in with Google: OIDC code flow; google-auth verifies tokens against a local cert endpoint."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from admin.idp_fakes import GoogleOnLoopback, SigningKey

from safesend.store import users
from safesend.store.db import transaction


@pytest.fixture(scope="module")
def google_idp():
    idp = GoogleOnLoopback(SigningKey.new())
    yield idp
    idp.close()


@pytest.fixture
def google(make_app, google_idp):
    google_idp.claims, google_idp.token_requests = {}, []
    app = make_app(google_client_id=GoogleOnLoopback.CLIENT_ID, google_client_secret="g-secret",
                   google_domains="district.example.org=default",
                   google_token_uri=f"{google_idp.url}/token",
                   google_certs_url=f"{google_idp.url}/certs")
    with transaction(app.extensions["safesend"].sessions) as session:
        users.create_user(session, "default", "casey.nguyen@district.example.org", "auditor", "test")
    return app, google_idp


def _sign_in(app, idp, code="google-code", state=None):
    client = app.test_client()
    started = client.get("/admin/signin/google")
    assert started.status_code == 302
    location = started.headers["Location"]
    assert location.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["hd"] == "district.example.org" and query["code_challenge_method"] == "S256"
    idp.nonce = query["nonce"]
    done = client.get("/admin/signin/google/callback",
                      query_string={"code": code, "state": state or query["state"]})
    return client, done


def test_a_user_added_by_it_signs_in_with_google(google):
    app, idp = google
    client, done = _sign_in(app, idp)
    assert done.status_code == 302 and done.headers["Location"] == "/admin/"
    assert client.get("/admin/audit").status_code == 200
    assert idp.token_requests[0]["code_verifier"] and idp.token_requests[0]["client_secret"] == "g-secret"
    with transaction(app.extensions["safesend"].sessions) as session:
        user = users.find_by_email(session, "casey.nguyen@district.example.org")
        assert user.external_id == "google:110248495921238986420" and user.last_sign_in_method == "google"


@pytest.mark.parametrize("claims, message", [
    ({"email": "stranger@district.example.org"}, b"do not have a SafeSend role"),
    ({"hd": "gmail.example"}, b"Google Workspace account"),
    ({"email_verified": False}, b"not verified"),
    ({"aud": "another-client"}, b"could not be verified"),
    ({"iss": "https://evil.example"}, b"could not be verified"),
    ({"nonce": "replayed"}, b"could not be completed"),
    ({"exp": 1_000_000_000, "iat": 999_990_000}, b"could not be verified"),
])
def test_tokens_that_do_not_fit_are_refused(google, claims, message):
    app, idp = google
    idp.claims = claims
    _, done = _sign_in(app, idp)
    assert done.status_code == 403 and message in done.data, done.data[:400]


def test_forged_state_and_bad_codes_are_refused(google):
    app, idp = google
    _, forged = _sign_in(app, idp, state="forged")
    assert forged.status_code == 403 and not idp.token_requests
    _, bad_code = _sign_in(app, idp, code="stolen")
    assert bad_code.status_code == 403 and b"did not accept" in bad_code.data


def test_a_disabled_user_is_refused(google):
    app, idp = google
    with transaction(app.extensions["safesend"].sessions) as session:
        user = users.find_by_email(session, "casey.nguyen@district.example.org")
        users.set_disabled(session, user, True, "test")
    _, done = _sign_in(app, idp)
    assert done.status_code == 403 and b"disabled" in done.data
