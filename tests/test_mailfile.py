"""Reading .eml and .msg files: synthetic ones exactly, real ones without crashing."""

import pytest

from messages import eml_bytes, parents
from safesend.mailfile import MailFileError, parse_message_bytes


def test_eml_fields_and_attachments():
    data = eml_bytes(to=parents(2), cc=["c@x.org"], bcc=["b@y.org"], subject="Re: Trip",
                     body="Hello", attachments=[("list.csv", "text/csv", b"a,b\n1,2\n")])
    message = parse_message_bytes(data, "m.eml")
    assert message.sender == "teacher@district.example.org"
    assert [r.address for r in message.to] == parents(2)
    assert message.cc[0].field == "cc" and message.bcc[0].field == "bcc"
    assert message.is_reply and message.body_text.strip() == "Hello"
    (attachment,) = message.attachments
    assert attachment.name == "list.csv" and attachment.data == b"a,b\n1,2\n"


def test_nested_message_becomes_an_eml_attachment():
    inner = eml_bytes(to=["x@y.org"], subject="inner")
    outer = eml_bytes(to=["z@y.org"], attachments=[("fwd.eml", "message/rfc822", inner)])
    (attachment,) = parse_message_bytes(outer, "outer.eml").attachments
    assert attachment.name.endswith(".eml") and b"Subject: inner" in attachment.data


def test_broken_header_addresses_are_kept_not_dropped():
    data = b"From: t@x.org\r\nTo: good@x.org, \"Bad\" <bad@@x>, Nameonly\r\nSubject: s\r\n\r\nbody"
    message = parse_message_bytes(data, "m.eml")
    assert len(message.to) == 3
    assert message.to[0].address == "good@x.org"
    assert not message.to[1].address


@pytest.mark.parametrize("data,name", [(b"", "e.eml"), (b"\x00\x01garbage", "g.eml"),
                                       (b"not outlook", "x.msg"),
                                       (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "t.msg")])
def test_unreadable_files_raise_mail_file_error(data, name):
    with pytest.raises(MailFileError):
        parse_message_bytes(data, name)


def _pasted_and_attached() -> bytes:
    """Apple Mail's and Thunderbird's shape for a screenshot pasted into the body beside an
    attached picture: alternative > related holds the HTML and the cid: picture (below the
    top level, where iter_attachments() does not look); the other is an attachment."""
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "teacher@district.example.org", "p@example.com", "List"
    mail.set_content("See the list below.")
    mail.add_alternative("<p>See the list below.</p><img src='cid:image001.png@01DB'>", subtype="html")
    html = mail.get_payload()[1]
    html.add_related(b"\x89PNG pasted", maintype="image", subtype="png", cid="<image001.png@01DB>",
                     filename="image001.png", disposition="inline")
    mail.add_attachment(b"\x89PNG attached", maintype="image", subtype="png", filename="chart.png")
    return mail.as_bytes()


def test_a_picture_pasted_into_the_body_is_marked_inline_on_both_parsers():
    from safesend.incident.mime import parse_sent

    raw = _pasted_and_attached()
    for message in (parse_message_bytes(raw, "list.eml"), parse_sent(raw).message):
        marked = {a.name: a.inline for a in message.attachments}
        assert marked == {"image001.png": True, "chart.png": False}, marked


def _nested(levels: int, leaf: bytes) -> bytes:
    """A message whose only file sits `levels` multipart levels below the top: a CSV of
    student IDs that a parser reading 20 levels would never see."""
    boundary = [f"b{n}" for n in range(levels)]
    head = (b"From: teacher@district.example.org\r\nTo: p@example.com\r\nSubject: Notes\r\n"
            b"MIME-Version: 1.0\r\n")
    opening = b"".join(f'Content-Type: multipart/mixed; boundary="{b}"\r\n\r\n--{b}\r\n'.encode()
                       for b in boundary)
    closing = b"".join(f"\r\n--{b}--\r\n".encode() for b in reversed(boundary))
    return (head + opening + b'Content-Type: text/csv; name="ids.csv"\r\n'
            b'Content-Disposition: attachment; filename="ids.csv"\r\n\r\n' + leaf + closing)


IDS_CSV = b"student_id,name\r\n" + b"".join(f"{30000001 + n},Student {n}\r\n".encode()
                                            for n in range(40))


def test_a_file_nested_deeper_than_the_limit_is_reported_not_skipped(tmp_path, monkeypatch):
    """25 levels of multipart/mixed around a CSV of student IDs: both parsers report
    the subtree they did not read, and the check warns that it was not checked."""
    import json

    from click.testing import CliRunner

    from safesend.cli import main
    from safesend.incident.mime import parse_sent
    from safesend.mailfile import MAX_MIME_DEPTH, TOO_DEEP

    raw = _nested(25, IDS_CSV)
    for message in (parse_message_bytes(raw, "deep.eml"), parse_sent(raw).message):
        (attachment,) = message.attachments
        assert attachment.unread == TOO_DEEP and attachment.data == b""
        assert attachment.content_type == "multipart/mixed"
    assert f"more than {MAX_MIME_DEPTH} levels deep" in TOO_DEEP
    from safesend.scanproc.wire import message_from_wire, message_to_wire

    carried, _ = message_from_wire(*message_to_wire(message, ""))  # to a scan process
    assert carried.attachments[0].unread == TOO_DEEP
    shallow = parse_message_bytes(_nested(MAX_MIME_DEPTH, IDS_CSV), "ok.eml")
    assert [(a.name, a.data) for a in shallow.attachments] == [("ids.csv", IDS_CSV)]

    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SAFESEND_SECRET_KEY", "deep-secret")
    (tmp_path / "deep.eml").write_bytes(raw)
    done = CliRunner().invoke(main, ["check", "--json", str(tmp_path / "deep.eml")])
    verdict = json.loads(done.output.splitlines()[-1])
    assert done.exit_code == 1 and verdict["action"] == "warn"
    (finding,) = [f for f in verdict["findings"] if f["rule"] == "unscannable_attachment"]
    assert "nested more than 20 levels deep" in finding["detail"]


def test_parts_that_cannot_be_walked_are_reported_not_dropped():
    """A part tree the walk trips over (here a multipart holding something that is not a
    part) gave no attachments at all, silently; now one unread entry says so."""
    from email.message import EmailMessage

    from safesend.mailfile import UNWALKABLE, _eml_attachments

    broken = EmailMessage()
    broken.set_type("multipart/mixed")
    broken.set_payload(["not a MIME part"])
    (attachment,) = _eml_attachments(broken, {})
    assert attachment.unread == UNWALKABLE and attachment.data == b""
