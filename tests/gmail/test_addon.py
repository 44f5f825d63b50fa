"""The Workspace add-on endpoints, called as Google calls them."""

from __future__ import annotations

import pytest
from gmail.card_shape import assert_push_card, draft_markup
from gmail.google_fakes import ADDON_CLIENT, PUBLIC_URL, TEACHER, system_token, user_token

from messages import parents

HOMEPAGE = "/gmail/addon/homepage"
COMPOSE = "/gmail/addon/compose"
MOVE = "/gmail/addon/move-to-bcc"


def compose_event(key, to=(), cc=(), bcc=(), user=True, parameters=None) -> dict:
    """A compose-trigger event as Google sends it with draftAccess METADATA."""
    recipients = {"toRecipients": list(to), "ccRecipients": list(cc), "bccRecipients": list(bcc)}
    common = {"userLocale": "en", "hostApp": "GMAIL", "platform": "WEB",
              "timeZone": {"id": "America/Chicago", "offset": -21600000}}
    if parameters is not None:
        common["parameters"] = parameters
    auth = {"userOAuthToken": "ya29.a0-not-used", "systemIdToken": ""}
    if user:
        auth["userIdToken"] = user_token(key, audience=ADDON_CLIENT)
    return {"commonEventObject": common, "authorizationEventObject": auth, "gmail": recipients,
            # The original Gmail add-on fields Google still sends alongside.
            "draftMetadata": recipients, "clientPlatform": "web", "hostApp": "gmail",
            "userLocale": "en", "userTimezone": {"id": "America/Chicago", "offset": "-21600000"}}


def post(client, key, path, event, token=None, header=True, body=True):
    token = token if token is not None else system_token(key, PUBLIC_URL + path)
    if body:
        event["authorizationEventObject"]["systemIdToken"] = token
    headers = {"Authorization": f"Bearer {token}"} if header else {}
    return client.post(path, json=event, headers=headers)


def test_homepage_card(gmail_client, google_key):
    response = post(gmail_client, google_key, HOMEPAGE, compose_event(google_key))
    assert response.status_code == 200
    card = assert_push_card(response.get_json())
    assert card["header"]["title"] == "SafeSend"


def test_compose_card_shows_verdict_and_offers_move_to_bcc(gmail_client, google_key, admin_headers):
    event = compose_event(google_key, to=parents(30), cc=["colleague@district.example.org"])
    response = post(gmail_client, google_key, COMPOSE, event)
    assert response.status_code == 200, response.get_data(as_text=True)
    card = assert_push_card(response.get_json())
    text = str(card)
    assert "30 recipients outside" in text and "Move everyone to Bcc" in text
    buttons = [b for section in card["sections"] for widget in section["widgets"]
               for b in widget.get("buttonList", {}).get("buttons", [])]
    assert buttons[0]["onClick"]["action"]["function"] == PUBLIC_URL + MOVE
    checks = gmail_client.get("/api/v1/checks", headers=admin_headers).get_json()["items"]
    assert checks[0]["client"] == "gmail-addon" and checks[0]["sender"] == TEACHER
    assert checks[0]["action"] == "warn" and checks[0]["to"] == 30


def test_compose_card_for_a_safe_draft(gmail_client, google_key):
    event = compose_event(google_key, to=["parent1@gmail.com"], bcc=parents(50))
    card = assert_push_card(post(gmail_client, google_key, COMPOSE, event).get_json())
    assert "No problems with these recipients" in str(card)
    assert "Move everyone to Bcc" not in str(card)


def test_move_to_bcc_replaces_to_cc_and_bcc(gmail_client, google_key):
    event = compose_event(google_key, to=[*parents(3), TEACHER], cc=["Parent9@Gmail.com"],
                          bcc=["parent9@gmail.com", "office@district.example.org"])
    response = post(gmail_client, google_key, MOVE, event)
    assert response.status_code == 200
    markup = draft_markup(response.get_json())
    assert markup["updateToRecipients"]["toRecipients"] == [{"email": TEACHER}]
    assert markup["updateCcRecipients"]["ccRecipients"] == []
    assert [r["email"] for r in markup["updateBccRecipients"]["bccRecipients"]] == [
        "parent9@gmail.com", "office@district.example.org", *parents(3)]


def test_system_token_in_the_body_alone_is_accepted(gmail_client, google_key):
    response = post(gmail_client, google_key, HOMEPAGE, compose_event(google_key), header=False)
    assert response.status_code == 200


@pytest.mark.parametrize("case", ["wrong_audience", "wrong_account", "expired", "forged", "unverified",
                                  "two_tokens", "missing"])
def test_requests_not_from_this_addon_are_refused(gmail_client, google_key, stranger_key, case):
    endpoint = PUBLIC_URL + COMPOSE
    tokens = {
        "wrong_audience": system_token(google_key, PUBLIC_URL + HOMEPAGE),
        "wrong_account": system_token(google_key, endpoint,
                                      email="service-999@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"),
        "expired": system_token(google_key, endpoint, iat=1_600_000_000, exp=1_600_003_600),
        "forged": system_token(stranger_key, endpoint),
        "unverified": system_token(google_key, endpoint, email_verified=False),
        "two_tokens": system_token(google_key, endpoint),
        "missing": "",
    }
    event = compose_event(google_key, to=parents(30))
    if case == "two_tokens":
        event["authorizationEventObject"]["systemIdToken"] = system_token(google_key, endpoint, jti="other")
        response = post(gmail_client, google_key, COMPOSE, event, token=tokens[case], body=False)
    else:
        response = post(gmail_client, google_key, COMPOSE, event, token=tokens[case],
                        header=bool(tokens[case]))
    expected = {"wrong_account": 403, "unverified": 403}.get(case, 401)
    assert response.status_code == expected, response.get_data(as_text=True)
    error = response.get_json()["error"]
    if case == "expired":
        assert error["code"] == "token_expired"
    assert "pushCard" not in response.get_data(as_text=True)


def test_user_from_another_domain_gets_an_explaining_card(gmail_client, google_key):
    event = compose_event(google_key, to=parents(30))
    event["authorizationEventObject"]["userIdToken"] = user_token(
        google_key, audience=ADDON_CLIENT, email="someone@gmail.com", hd=None)
    card = assert_push_card(post(gmail_client, google_key, COMPOSE, event).get_json())
    assert "not in a school domain enrolled" in str(card)


def test_event_without_user_token_gets_an_explaining_card(gmail_client, google_key):
    event = compose_event(google_key, to=parents(30), user=False)
    card = assert_push_card(post(gmail_client, google_key, COMPOSE, event).get_json())
    assert "did not say who you are" in str(card)


def test_certificates_unreachable_is_a_503(gmail_client, google_key, certs):
    certs.failing = True
    response = post(gmail_client, google_key, HOMEPAGE, compose_event(google_key))
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "identity_unavailable"


def test_addon_refuses_everything_until_its_service_account_is_set(make_app, certs, google_key):
    client = make_app(public_url=PUBLIC_URL, google_certs_url=certs.url).test_client()
    response = post(client, google_key, HOMEPAGE, compose_event(google_key))
    assert response.status_code == 503
    assert "SAFESEND_GOOGLE_ADDON_SERVICE_ACCOUNT" in response.get_json()["error"]["message"]
