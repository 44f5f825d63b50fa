"""The gate in front of a real Postfix, relaying to a local SMTP server."""

from __future__ import annotations

import re

from gate.conftest import PUBLIC_URL
from gate.mail import build, seed_message, send

from messages import DISTRICT

RELEASE_LINK = re.compile(re.escape(PUBLIC_URL) + r"/r/[A-Za-z0-9._-]+")


def test_smoke_allowed_message_is_delivered_with_a_header(relay, receiver):
    raw = build(to=[f"colleague@{DISTRICT}"])
    assert send(relay.port, raw, [f"colleague@{DISTRICT}"]) is None
    got = receiver.wait_for(1)
    assert len(got) == 1
    assert b"X-SafeSend: v1 " in got[0].data


def test_seed_message_is_refused_with_a_link(relay, receiver):
    raw, to = seed_message()
    refusal = send(relay.port, raw, to)
    assert refusal is not None, "the seed message was accepted"
    code, text = refusal
    print(text)
    assert code == 550 and "5.7.1" in text
    assert RELEASE_LINK.search(text.replace("\n", "")), text
    assert receiver.wait_for(1, timeout=2) == []
