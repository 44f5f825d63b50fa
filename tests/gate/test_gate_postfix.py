"""The gate in front of a real Postfix (Debian's), relaying to a local SMTP server.

Each test counts what was sent and what the next hop received: nothing is
lost, nothing is delivered twice, and delivered mail is unchanged but for
the headers the MTA and the gate add.
"""

from __future__ import annotations

import base64
import email
import email.policy
import time

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gate.conftest import PUBLIC_URL, env_of
from gate.mail import build, plan_sheet, seed_message, send
from gate.postfix_harness import GateProcess, Postfix
from gate.release_helpers import add_user, give_reason, release_path, sign_in

from messages import DISTRICT, TEACHER, parents


def body_of(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[1]


def headers_named(data: bytes, name: str) -> list[str]:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    return [" ".join(str(value).split()) for value in parsed.get_all(name, [])]


def checks_recorded(app) -> int:
    from sqlalchemy import func, select

    from safesend.store.db import transaction
    from safesend.store.models import Check

    with transaction(app.extensions["safesend"].sessions) as session:
        return session.scalar(select(func.count()).select_from(Check))


def wait_in_log(instance: Postfix, text: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = instance.log()
        if text in log:
            return log
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in the Postfix log:\n{instance.log()[-3000:]}")


def test_an_allowed_message_is_delivered_once_with_the_gates_header_only(relay, receiver):
    to = [f"colleague@{DISTRICT}"]
    raw = build(to=to, extra_headers=[("X-SafeSend", "v1 " + "0" * 32 + " " + "f" * 64)])
    assert send(relay.port, raw, to) is None
    got = receiver.wait_for(1)
    assert len(got) == 1 and got[0].rcpt_tos == to
    stamps = headers_named(got[0].data, "X-SafeSend")
    assert len(stamps) == 1 and stamps[0].startswith("v1 ") and "0" * 32 not in stamps[0]
    assert body_of(got[0].data) == body_of(raw)


def test_seed_message_is_refused_then_released_then_delivered(relay, receiver, release_app):
    raw, to = seed_message()
    refusal = send(relay.port, raw, to)
    assert refusal is not None and refusal[0] == 550 and "5.7.1" in refusal[1]
    assert f"{PUBLIC_URL}/r/" in refusal[1] and "230 students" in refusal[1]
    assert receiver.wait_for(1, timeout=3) == []

    path = release_path(refusal[1])
    add_user(release_app, TEACHER)
    client = release_app.test_client()
    assert sign_in(client, path, TEACHER).status_code == 302
    assert give_reason(client, path, "The trip nurse needs every accommodation listed.").status_code == 200

    assert send(relay.port, raw, to) is None
    got = receiver.wait_for(1)
    assert len(got) == 1 and sorted(got[0].rcpt_tos) == sorted(to)
    assert body_of(got[0].data) == body_of(raw)
    # The delivered message names the released check.
    assert headers_named(got[0].data, "X-SafeSend")[0].split()[1] in checks_of_override(release_app)
    assert len(receiver.wait_for(2, timeout=2)) == 1   # sent twice, refused once, delivered once


def checks_of_override(app) -> set[str]:
    from sqlalchemy import select

    from safesend.store.db import transaction
    from safesend.store.models import Override

    with transaction(app.extensions["safesend"].sessions) as session:
        return set(session.scalars(select(Override.check_id)))


def _dkim_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_a_newsletter_in_bcc_arrives_unchanged_with_its_dkim_signature_valid(relay, receiver):
    private, record = _dkim_key()
    to = [f"newsletter@{DISTRICT}"]
    bcc = parents(120)
    raw = build(to=to, subject="October newsletter",
                body="Dear families,\n\nThe book fair opens Monday. Thank you!\n")
    signature = dkim.sign(raw, b"gate", DISTRICT.encode(), private,
                          include_headers=[b"from", b"to", b"subject", b"message-id"])
    signed = signature + raw
    assert send(relay.port, signed, to + bcc) is None

    def dns(name, timeout=5):
        return record if name == f"gate._domainkey.{DISTRICT}.".encode() else None

    got = receiver.wait_for(999, timeout=8)   # Postfix splits 121 recipients over deliveries
    assert sorted(r for d in got for r in d.rcpt_tos) == sorted(to + bcc)
    for delivery in got:
        assert body_of(delivery.data) == body_of(signed)
        assert dkim.verify(delivery.data, dnsfunc=dns), "DKIM signature broken in transit"
        assert headers_named(delivery.data, "X-SafeSend")


def test_a_stamped_message_from_the_add_in_is_not_checked_twice(relay, receiver, release_app):
    from safesend.store.apikeys import create_key
    from safesend.store.db import transaction

    with transaction(release_app.extensions["safesend"].sessions) as session:
        key = create_key(session, "default", "client").key
    api = release_app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    to = parents(40)
    subject, body = "Updated accommodations list", "Hello families,\nplease see the attached list.\n"
    sheet = plan_sheet()
    verdict = api.post("/api/v1/checks", headers=headers, json={
        "sender": TEACHER, "to": to, "subject": subject, "body": {"text": body},
        "attachments": [{"name": "accommodations.csv", "content_type": "text/csv",
                         "content_base64": base64.b64encode(sheet).decode()}],
        "client": {"app": "outlook", "version": "1"}}).get_json()
    assert verdict["action"] == "confirm" and verdict["stamp"].startswith(f"v1 {verdict['check_id']} ")
    raw = build(to=to, subject=subject, body=body, extra_headers=[("X-SafeSend", verdict["stamp"])],
                attachments=[("accommodations.csv", "text/csv", sheet)])

    # Not overridden yet: the stamp proves the content was checked, not that it may go.
    assert send(relay.port, raw, to)[0] == 550
    assert checks_recorded(release_app) == 2
    override = api.post(f"/api/v1/checks/{verdict['check_id']}/overrides", headers=headers,
                        json={"justification": "The trip nurse needs this list today."})
    assert override.status_code == 201
    assert send(relay.port, raw, to) is None
    assert checks_recorded(release_app) == 2          # no second check of the same content
    got = receiver.wait_for(1)
    assert len(got) == 1 and headers_named(got[0].data, "X-SafeSend") == [verdict["stamp"]]

    # The same stamp on other content is ignored: that message is checked, and held.
    copied = build(to=to, subject=subject, body=body + "PS: one more list.\n",
                   extra_headers=[("X-SafeSend", verdict["stamp"])],
                   attachments=[("accommodations.csv", "text/csv", sheet)])
    refusal = send(relay.port, copied, to)
    assert refusal[0] == 550 and "5.7.1" in refusal[1]
    assert checks_recorded(release_app) == 3
    assert len(receiver.wait_for(2, timeout=2)) == 1


def test_gate_down_fail_closed_defers_and_delivers_once_it_is_back(store, receiver):
    gate = GateProcess(env_of(store)).start()
    relay = Postfix(relay_port=receiver.port, milter=gate.milter, fail_mode="closed").start()
    # The sending server (Exchange Online's role): queues and retries on a 4xx.
    upstream = Postfix(relay_port=relay.port).start()
    try:
        assert "TCP_NODELAY not set" not in gate.log()   # found libmilter's TCP listener
        gate.stop()
        to = [f"colleague@{DISTRICT}"]
        raw = build(to=to, subject="Staff meeting moved")
        assert send(upstream.port, raw, to) is None
        log = wait_in_log(upstream, "status=deferred")
        assert "4.7.1" in log
        assert receiver.wait_for(1, timeout=2) == []
        gate.start()
        upstream.flush()
        got = receiver.wait_for(1)
        assert len(got) == 1 and body_of(got[0].data) == body_of(raw)
        assert headers_named(got[0].data, "X-SafeSend")   # checked once the gate was back
        assert len(receiver.wait_for(2, timeout=3)) == 1
    finally:
        upstream.stop()
        relay.stop()
        gate.close()


def test_gate_down_fail_open_accepts_unchecked(store, receiver):
    gate = GateProcess(env_of(store))   # never started: nothing listens on its port
    relay = Postfix(relay_port=receiver.port, milter=gate.milter, fail_mode="open").start()
    gate.close()
    try:
        to = [f"colleague@{DISTRICT}"]
        raw = build(to=to, subject="Bus schedule")
        assert send(relay.port, raw, to) is None
        got = receiver.wait_for(1)
        assert len(got) == 1 and headers_named(got[0].data, "X-SafeSend") == []
    finally:
        relay.stop()
