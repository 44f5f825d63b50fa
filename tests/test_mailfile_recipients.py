"""Recipients of .eml/.msg files: parsed from the raw headers (names decoded),
and the 10,000-recipient limit applied before any address is parsed, on
every path that reads a file (the CLI here; the console in tests/admin)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from safesend.cli import main
from safesend.mailfile import MailFileError, count_address_items, parse_message_bytes


def eml(to: list[str], cc: str = "") -> bytes:
    lines = ["From: Ms. Teacher <teacher@district.example.org>", "To: " + ",\r\n ".join(to)]
    if cc:
        lines.append(f"Cc: {cc}")
    lines += ["Subject: Field trip", "", "See you Friday.", ""]
    return "\r\n".join(lines).encode()


def addresses(count: int) -> list[str]:
    return [f"parent{i}@example.com" for i in range(count)]


def test_ten_thousand_recipients_are_read():
    message = parse_message_bytes(eml(addresses(10_000)), "big.eml")
    assert len(message.to) == 10_000
    assert message.to[0].address == "parent0@example.com"
    assert message.to[-1].address == "parent9999@example.com"


def test_one_more_than_the_limit_is_refused_before_parsing():
    with pytest.raises(MailFileError, match=r"too many recipients: 10,001 \(the limit is 10,000\)"):
        parse_message_bytes(eml(addresses(10_000), cc="one.more@example.com"), "big.eml")
    with pytest.raises(MailFileError, match="the limit is 20"):
        parse_message_bytes(eml(addresses(21)), "x.eml", max_recipients=20)


def test_names_quotes_groups_and_encoded_words():
    cc = ('"Doe, Pat" <PAT@x.org>, =?utf-8?q?Zo=C3=AB_Parent?= <zoe@x.org>, '
          "Team: a@x.org, b@x.org;, (a comment) c@x.org, Just A Name")
    message = parse_message_bytes(eml(["one@x.org"], cc=cc), "x.eml")
    assert [(r.address, r.name) for r in message.cc] == [
        ("pat@x.org", "Doe, Pat"), ("zoe@x.org", "Zoë Parent"), ("a@x.org", ""), ("b@x.org", ""),
        ("c@x.org", "a comment"), ("", "Just A Name")]


def test_counting_respects_quotes_comments_and_brackets():
    assert count_address_items(['"Doe, Pat" <p@x.org>, (x, y) q@x.org, <a,b@x.org>']) == 3
    assert count_address_items(["a@x.org,, ,b@x.org", "c@x.org"]) == 3


def test_cli_refuses_a_file_over_the_policy_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    policy = tmp_path / "policy.yaml"
    policy.write_text("limits:\n  max_recipients: 50\n")
    (tmp_path / "many.eml").write_bytes(eml(addresses(51)))
    (tmp_path / "ok.eml").write_bytes(eml(addresses(50)))
    runner = CliRunner()
    refused = runner.invoke(main, ["check", "--policy", str(policy), str(tmp_path / "many.eml")])
    assert refused.exit_code == 2
    assert "too many recipients: 51 (the limit is 50)" in refused.output
    accepted = runner.invoke(main, ["check", "--policy", str(policy), str(tmp_path / "ok.eml")])
    assert accepted.exit_code in (0, 1), accepted.output
