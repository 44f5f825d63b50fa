"""The release page: signed, single-message, expiring; only the sender; asks the reason."""

from __future__ import annotations

import time

import pytest
from gate.conftest import PUBLIC_URL
from gate.mail import build, plan_sheet, seed_message
from gate.release_helpers import add_user, give_reason, release_path, sign_in

from messages import DISTRICT, TEACHER


@pytest.fixture
def gate(release_app):
    from safesend.gate.decide import Gate

    return Gate(release_app.extensions["safesend"], public_url=PUBLIC_URL, fail_mode="closed")


@pytest.fixture
def held(gate):
    raw, to = seed_message()
    decision = gate.decide(raw, TEACHER, to)
    assert decision.reason == "confirm"
    return raw, to, decision


def override_of(app, check_id: str):
    from safesend.store.db import transaction
    from safesend.store.models import Check

    with transaction(app.extensions["safesend"].sessions) as session:
        override = session.get(Check, check_id).override
        return (override.actor, override.justification) if override else None


def test_the_sender_signs_in_gives_a_reason_and_the_same_message_then_passes(release_app, gate,
                                                                              held):
    raw, to, decision = held
    path = release_path(decision.lines)
    client = release_app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "Sign in as the sender" in page.get_data(as_text=True)
    assert "230 students" not in page.get_data(as_text=True)   # findings only for the sender
    add_user(release_app, TEACHER)
    assert sign_in(client, path, TEACHER).status_code == 302
    form = client.get(path).get_data(as_text=True)
    assert "230 students are identified" in form and 'name="reason"' in form

    short = give_reason(client, path, "ok")
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True)
    done = give_reason(client, path, "Families asked for the accommodations list for the trip.")
    assert done.status_code == 200 and "reason is recorded" in done.get_data(as_text=True)
    assert override_of(release_app, decision.check_id) == (
        TEACHER, "Families asked for the accommodations list for the trip.")

    again = gate.decide(raw, TEACHER, to)
    assert again.kind == "accept" and again.reason == "released"
    assert again.check_id == decision.check_id
    # Single message: a different message from the same sender is still held.
    other = build(to=to, subject="Another list", attachments=[("list.csv", "text/csv", plan_sheet(100))])
    assert gate.decide(other, TEACHER, to).reason != "released"


def test_someone_else_cannot_release_the_senders_message(release_app, held):
    path = release_path(held[2].lines)
    add_user(release_app, f"principal@{DISTRICT}")
    client = release_app.test_client()
    assert sign_in(client, path, f"principal@{DISTRICT}").status_code == 302
    page = client.get(path)
    assert page.status_code == 403 and "did not send this message" in page.get_data(as_text=True)
    assert client.post(path, data={"reason": "I want to send it anyway"}).status_code == 400  # no CSRF
    assert override_of(release_app, held[2].check_id) is None


def test_a_wrong_password_is_refused(release_app, held):
    path = release_path(held[2].lines)
    add_user(release_app, TEACHER)
    response = sign_in(release_app.test_client(), path, TEACHER, password="not the password")
    assert response.status_code == 401


def test_tampered_and_expired_links_are_refused(release_app, held, monkeypatch):
    path = release_path(held[2].lines)
    client = release_app.test_client()
    assert client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB")).status_code == 404
    assert client.get("/r/not-a-token").status_code == 404
    later = time.time() + 25 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert client.get(path).status_code == 404


def test_a_blocked_message_cannot_be_released(release_app, gate):
    from gate.conftest import POLICY, save_policy_doc

    save_policy_doc({"database_url": release_app.extensions["safesend"].settings.database_url,
                     "instance_path": str(release_app.extensions["safesend"].settings.instance_path),
                     "secret_key": "gate-test-secret"}, {**POLICY, "rules": {}})
    raw, to = seed_message()
    decision = gate.decide(raw, TEACHER, to)
    assert decision.reason == "block"
    from safesend.gate.tokens import release_token

    path = "/r/" + release_token("gate-test-secret", "default", decision.check_id)
    add_user(release_app, TEACHER)
    client = release_app.test_client()
    sign_in(client, path, TEACHER)
    page = client.get(path)
    assert page.status_code == 409 and "must be changed" in page.get_data(as_text=True)


def test_the_sender_can_sign_in_with_microsoft_without_a_console_role(store):
    """Entra sign-in replayed at msal's http_client seam; the teacher has no console role."""
    from urllib.parse import urlsplit

    from admin.idp_fakes import ENTRA_CLIENT, ENTRA_TENANT, EntraAtTheSeam, SigningKey

    from safesend.app import create_app
    from safesend.gate.decide import Gate
    from safesend.store import users
    from safesend.store.db import transaction

    app = create_app({**store, "signin_entra_client_id": ENTRA_CLIENT,
                      "signin_entra_client_secret": "test-secret",
                      "entra_tenants": f"{ENTRA_TENANT}=default"})
    try:
        seam = EntraAtTheSeam(key=SigningKey.new())
        app.extensions["safesend_signin"].entra.http_client = seam
        sender = "jordan.ellis@district.example.org"   # the identity the recorded sign-in returns
        raw, to = seed_message()
        gate = Gate(app.extensions["safesend"], public_url=PUBLIC_URL)
        decision = gate.decide(raw.replace(TEACHER.encode(), sender.encode()), sender, to)
        path = release_path(decision.lines)
        client = app.test_client()
        assert "Sign in with Microsoft" in client.get(path).get_data(as_text=True)
        started = client.get(f"{path}/signin/microsoft")
        assert started.status_code == 302
        query = seam.expect_nonce_from(started.headers["Location"])
        assert urlsplit(query["redirect_uri"]).path == "/r/signin/microsoft/callback"
        done = client.get("/r/signin/microsoft/callback",
                          query_string={"code": "recorded-code", "state": query["state"]})
        assert done.status_code == 302 and done.headers["Location"].endswith(path)
        assert 'name="reason"' in client.get(path).get_data(as_text=True)
        assert give_reason(client, path, "Families asked for the list for the trip.").status_code == 200
        assert override_of(app, decision.check_id) == (sender, "Families asked for the list for the trip.")
        assert client.get("/admin/").status_code == 302          # no console session came with it
        with transaction(app.extensions["safesend"].sessions) as session:
            assert users.find_by_email(session, sender) is None  # and no console account
    finally:
        app.extensions["safesend"].close()
