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
