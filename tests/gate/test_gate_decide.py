"""The gate's decisions in process: verdicts in SMTP terms, stamps, fail modes."""

from __future__ import annotations

import pytest
from gate.conftest import PUBLIC_URL, SECRET
from gate.mail import build, plan_sheet, seed_message

from messages import DISTRICT, TEACHER, parents


@pytest.fixture
def services(store):
    from safesend.config import load_settings
    from safesend.services import build_services

    built = build_services(load_settings(store))
    yield built
    built.close()


@pytest.fixture
def gate(services):
    from safesend.gate.decide import Gate

    return Gate(services, public_url=PUBLIC_URL, fail_mode="closed")


def checks_recorded(services) -> int:
    from sqlalchemy import func, select

    from safesend.store.db import transaction
    from safesend.store.models import Check

    with transaction(services.sessions) as session:
        return session.scalar(select(func.count()).select_from(Check))


def test_allowed_message_is_accepted_with_a_stamp_naming_the_check(gate, services):
    to = [f"colleague@{DISTRICT}"]
    decision = gate.decide(build(to=to), TEACHER, to)
    assert decision.kind == "accept" and decision.reason == "allow"
    assert decision.header == f"v1 {decision.check_id} " + decision.header.split()[2]
    assert checks_recorded(services) == 1


def test_seed_message_is_held_with_a_release_link_and_counts_only(gate):
    raw, to = seed_message()
    decision = gate.decide(raw, TEACHER, to)
    assert (decision.kind, decision.code, decision.status) == ("reject", "550", "5.7.1")
    text = "\n".join(decision.lines)
    assert f"{PUBLIC_URL}/r/" in text and "230 students" in text
    # Postfix logs the reply: no file name, no student name, no address.
    assert "accommodations.csv" not in text and "@" not in text.replace(PUBLIC_URL, "")
    assert all(line.isascii() and len(line) < 500 for line in decision.lines)


def test_plan_list_under_the_default_policy_is_blocked_with_what_to_fix(store, gate):
    from gate.conftest import POLICY, save_policy_doc

    save_policy_doc(store, {**POLICY, "rules": {}})
    to = parents(3)
    raw = build(to=to, subject="List", attachments=[("plans.csv", "text/csv", plan_sheet())])
    decision = gate.decide(raw, TEACHER, to)
    assert (decision.kind, decision.code, decision.status) == ("reject", "550", "5.7.1")
    assert "blocked" in decision.lines[0]
    assert any("remove the attachment" in line for line in decision.lines)
    assert "/r/" not in "\n".join(decision.lines)


def test_envelope_recipients_missing_from_the_headers_are_bcc(gate):
    from safesend.gate.decide import envelope_message

    to = [f"office@{DISTRICT}"]
    message = envelope_message(build(to=to), TEACHER, [*to, *parents(3)])
    assert [r.field for r in message.recipients()] == ["to", "bcc", "bcc", "bcc"]
    assert message.client.app == "gate"


def test_a_message_without_headers_is_refused_as_unreadable(gate):
    decision = gate.decide(b"\x00\x01 not mail at all", TEACHER, [f"x@{DISTRICT}"])
    assert (decision.kind, decision.code, decision.status) == ("reject", "554", "5.6.0")


def test_a_valid_stamp_passes_without_a_second_check_and_a_copied_one_is_ignored(gate, services):
    to = [f"colleague@{DISTRICT}"]
    raw = build(to=to, body="The agenda for Monday.\n")
    first = gate.decide(raw, TEACHER, to)
    assert checks_recorded(services) == 1
    again = gate.decide(raw, TEACHER, to, stamp_value=first.header)
    assert again.reason == "stamp" and again.check_id == first.check_id
    assert checks_recorded(services) == 1
    # The same stamp on other content (another body, another recipient) proves nothing.
    other = build(to=to, body="A different message.\n")
    assert gate.decide(other, TEACHER, to, stamp_value=first.header).reason == "allow"
    assert gate.decide(raw, TEACHER, [*to, "parent1@gmail.com"],
                       stamp_value=first.header).reason != "stamp"
    seed, seed_to = seed_message()
    assert gate.decide(seed, TEACHER, seed_to, stamp_value=first.header).reason == "confirm"
    assert checks_recorded(services) == 4   # every check but the stamped one


def test_stamp_ignores_what_an_mta_adds_but_not_a_changed_attachment():
    from safesend.gate.decide import envelope_message
    from safesend.gate.stamp import make_stamp, stamp_key, verified_check_id

    key = stamp_key(SECRET)
    to = [f"colleague@{DISTRICT}"]
    raw = build(to=to, attachments=[("a.pdf", "application/pdf", b"%PDF-1.4 one")])
    stamp = make_stamp(envelope_message(raw, TEACHER, to), "a" * 32, key)
    relayed = (b"Received: from mx.example by relay.example; Wed, 2 Dec 2026 10:00:00 +0000\r\n"
               + raw.replace(b"\r\n", b"\n"))
    assert verified_check_id(stamp, envelope_message(relayed, TEACHER, to), key) == "a" * 32
    changed = build(to=to, attachments=[("a.pdf", "application/pdf", b"%PDF-1.4 two")])
    assert verified_check_id(stamp, envelope_message(changed, TEACHER, to), key) is None
    assert verified_check_id(stamp.replace("v1 a", "v1 b"), envelope_message(raw, TEACHER, to),
                             key) is None


@pytest.mark.parametrize("fail_mode,kind", [("closed", "tempfail"), ("open", "accept")])
def test_store_unavailable_gives_the_fail_mode(tmp_path, fail_mode, kind):
    from safesend.config import load_settings
    from safesend.gate.decide import Gate
    from safesend.services import build_services

    missing = tmp_path / "gone" / "safesend.db"   # the folder does not exist: SQLite cannot open it
    services = build_services(load_settings({"instance_path": str(tmp_path / "instance"),
                                             "database_url": f"sqlite:///{missing}",
                                             "secret_key": SECRET}), migrate=False)
    try:
        to = [f"colleague@{DISTRICT}"]
        decision = Gate(services, fail_mode=fail_mode).decide(build(to=to), TEACHER, to)
    finally:
        services.close()
    assert decision.kind == kind and decision.reason == "unavailable"
    if kind == "tempfail":
        assert (decision.code, decision.status) == ("451", "4.7.1")


def _statements(services):
    """Every SQL statement the engine runs from now on (an event listener, not a mock)."""
    from sqlalchemy import event

    seen: list[str] = []
    event.listen(services.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


def test_an_allowed_message_reads_no_release_and_a_held_one_looks_its_release_up(gate, services):
    to = [f"colleague@{DISTRICT}"]
    gate.decide(build(to=to, body="Warm-up.\n"), TEACHER, to)   # policy and roster loaded
    seen = _statements(services)
    assert gate.decide(build(to=to, body="Lunch at noon.\n"), TEACHER, to).reason == "allow"
    # The record's write; no release lookup (and the versions only once the 2 s cache expires).
    assert not [s for s in seen if "overrides" in s]
    assert any(s.lstrip().upper().startswith("INSERT INTO CHECKS") for s in seen)
    seen.clear()
    raw, seed_to = seed_message()
    assert gate.decide(raw, TEACHER, seed_to).reason == "confirm"
    assert len([s for s in seen if "overrides" in s]) == 1


def test_the_milter_asks_postfix_for_one_answer_per_message():
    """No reply for the envelope, headers and body; no callback at all for connect,
    HELO, DATA and unknown commands: Postfix waits only for the end-of-message answer."""
    import Milter

    from safesend.gate.milter import GateMilter

    offered = 0x1FFFFF   # every protocol step and no-reply bit an MTA may offer
    milter = GateMilter()
    opts = [Milter.ADDHDRS | Milter.CHGHDRS, offered, 0, 0]
    assert milter.negotiate(opts) == Milter.CONTINUE
    negotiated = opts[1]
    for no_reply in (Milter.P_NR_MAIL, Milter.P_NR_RCPT, Milter.P_NR_HDR, Milter.P_NR_EOH,
                     Milter.P_NR_BODY):
        assert negotiated & no_reply
    for skipped in (Milter.P_NOCONNECT, Milter.P_NOHELO, Milter.P_NODATA, Milter.P_NOUNKNOWN):
        assert negotiated & skipped
    for needed in (Milter.P_NOMAIL, Milter.P_NORCPT, Milter.P_NOHDRS, Milter.P_NOEOH, Milter.P_NOBODY):
        assert not negotiated & needed
    assert milter.envfrom_bytes(b"<t@x.org>") == Milter.NOREPLY
    assert milter.envrcpt_bytes(b"<p@x.org>") == Milter.NOREPLY
    assert milter.header_bytes("Subject", b"Hi") == Milter.NOREPLY
    assert milter.eoh() == Milter.NOREPLY and milter.body(b"Hello\r\n") == Milter.NOREPLY
    assert bytes(milter.raw) == b"Subject: Hi\r\n\r\nHello\r\n" and milter.rcpt_to == ["<p@x.org>"]
