"""Google ID tokens of the extension's signed-in users, on the JSON API."""

from __future__ import annotations

import pytest
from gmail.google_fakes import EXTENSION_CLIENT, TEACHER, SigningKey, user_token

from messages import check_request, parents


def check(client, token, **kwargs):
    return client.post("/api/v1/checks", json=check_request(to=parents(12), sender=TEACHER, **kwargs),
                       headers={"Authorization": f"Bearer {token}"})


def test_a_district_user_checks_as_themselves(gmail_client, google_key, admin_headers):
    response = check(gmail_client, user_token(google_key))
    assert response.status_code == 200, response.get_data(as_text=True)
    verdict = response.get_json()
    assert verdict["action"] == "warn"
    override = gmail_client.post(f"/api/v1/checks/{verdict['check_id']}/overrides",
                                 json={"justification": ""},
                                 headers={"Authorization": f"Bearer {user_token(google_key)}"})
    assert override.status_code == 201
    stored = gmail_client.get("/api/v1/overrides", headers=admin_headers).get_json()["items"]
    assert stored[0]["actor"] == TEACHER


@pytest.mark.parametrize("case,status,code", [
    ("wrong_audience", 401, "invalid_token"),
    ("expired", 401, "token_expired"),
    ("forged", 401, "invalid_token"),
    ("no_domain", 403, "unknown_domain"),
    ("other_domain", 403, "unknown_domain"),
    ("unverified_email", 401, "invalid_token"),
    ("other_issuer", 401, "unauthorized"),
])
def test_bad_tokens_are_refused(gmail_client, google_key, stranger_key, case, status, code):
    token = {
        "wrong_audience": lambda: user_token(google_key, audience="9999-other.apps.googleusercontent.com"),
        "expired": lambda: user_token(google_key, iat=1_600_000_000, exp=1_600_003_600),
        "forged": lambda: user_token(stranger_key),
        "no_domain": lambda: user_token(google_key, email="teacher@gmail.com", hd=None),
        "other_domain": lambda: user_token(google_key, email="t@other.example.net", hd="other.example.net"),
        "unverified_email": lambda: user_token(google_key, email_verified=False),
        "other_issuer": lambda: user_token(google_key, iss="https://evil.example.com"),
    }[case]()
    response = check(gmail_client, token)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == code


def test_certificates_are_fetched_once_and_again_after_a_key_rotation(gmail_client, google_key, certs):
    for _ in range(3):
        assert check(gmail_client, user_token(google_key)).status_code == 200
    assert certs.fetches == 1
    rotated = SigningKey("google-key-2")
    certs.publish(rotated)
    assert check(gmail_client, user_token(rotated)).status_code == 200
    assert certs.fetches == 2


def test_google_tokens_are_ignored_until_configured(make_app, google_key):
    client = make_app().test_client()
    response = check(client, user_token(google_key, audience=EXTENSION_CLIENT))
    assert response.status_code == 401


def test_a_user_checks_only_as_their_own_address(gmail_client, google_key):
    response = gmail_client.post("/api/v1/checks",
                                 json=check_request(to=parents(2), sender="principal@district.example.org"),
                                 headers={"Authorization": f"Bearer {user_token(google_key)}"})
    assert response.status_code == 403
