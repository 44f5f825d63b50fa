import pytest

from messages import message
from safesend.message import AddressError, Recipient, is_internal, parse_address


def test_parse_address_forms():
    assert parse_address("Pat.Doe@Example.ORG") == ("pat.doe@example.org", "")
    assert parse_address("Pat Doe <Pat@X.org>") == ("pat@x.org", "Pat Doe")
    assert parse_address("", "Pat Doe") == ("", "Pat Doe")
    assert parse_address("Pat Doe") == ("", "Pat Doe")


@pytest.mark.parametrize("raw", ["pat@@x.org", "pat@", "@x.org", "a b@x.org", "pat@x..org"])
def test_parse_address_rejects_broken(raw):
    with pytest.raises(AddressError):
        parse_address(raw)


def test_duplicates_case_and_plus_tags_are_one_mailbox():
    msg = message(to=["Parent1@Gmail.com", "parent1+school@gmail.com"], bcc=["PARENT1@gmail.com"])
    recipients = msg.recipients()
    assert len(recipients) == 1
    assert recipients[0].field == "to"  # the most visible field wins


def test_bcc_and_to_duplicate_counts_as_visible():
    msg = message(bcc=["a@gmail.com"], to=["A@gmail.com"])
    assert [r.field for r in msg.recipients()] == ["to"]


def test_subdomains_are_internal_but_lookalikes_are_not():
    internal = frozenset({"district.org"})
    assert is_internal("district.org", internal)
    assert is_internal("mail.district.org", internal)
    assert not is_internal("district.org.evil.com", internal)
    assert not is_internal("notdistrict.org", internal)
    assert not is_internal("", internal)


def test_display_name_only_recipient_is_kept_apart():
    a = Recipient(address="", name="Pat  Doe")
    b = Recipient(address="", name="pat doe")
    msg = message(to=[a, b])
    assert len(msg.recipients()) == 1
    assert not msg.recipients()[0].is_resolved
