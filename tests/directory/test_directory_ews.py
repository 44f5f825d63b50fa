"""Exchange (EWS) backend through exchangelib, against a local HTTP server that
answers the ExpandDL SOAP request the way Exchange 2016 does: ServerVersionInfo
header, DLExpansion with Mailbox elements (Mailbox, Contact, PublicDL,
PrivateDL), ErrorNameResolutionNoResults, ErrorServerBusy with a back-off."""

from __future__ import annotations

import base64
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import pytest
from directory.directory_fakes import Recorded, Reply

from safesend.directory import GroupInfo
from safesend.directory.base import ConfigReader, DirectoryConfigError
from safesend.directory.ews import EwsBackend, from_config

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
MESSAGES = "http://schemas.microsoft.com/exchange/services/2006/messages"
TYPES = "http://schemas.microsoft.com/exchange/services/2006/types"
USERNAME = "DISTRICT\\svc-safesend"
PASSWORD = "Corr3ct-Horse"
DISTRICT = frozenset({"district.org"})

ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
    "<s:Header>"
    '<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" '
    'Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" '
    'xmlns="http://schemas.microsoft.com/exchange/services/2006/types" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
    "</s:Header>"
    '<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
    '<m:ExpandDLResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
    "<m:ResponseMessages>{message}</m:ResponseMessages>"
    "</m:ExpandDLResponse>"
    "</s:Body>"
    "</s:Envelope>"
)

NO_RESULTS = (
    '<m:ExpandDLResponseMessage ResponseClass="Error">'
    "<m:MessageText>No results were found.</m:MessageText>"
    "<m:ResponseCode>ErrorNameResolutionNoResults</m:ResponseCode>"
    "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
    "</m:ExpandDLResponseMessage>"
)


def server_busy(milliseconds: int) -> str:
    """Throttling as a SOAP fault (HTTP 500), the shape in Microsoft's EWS throttling documentation."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        '<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy'
        "</faultcode>"
        '<faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.'
        "</faultstring>"
        "<detail>"
        '<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy'
        "</e:ResponseCode>"
        '<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot '
        "service this request right now. Try again later.</e:Message>"
        '<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
        f'<t:Value Name="BackOffMilliseconds">{milliseconds}</t:Value></t:MessageXml>'
        "</detail></s:Fault></s:Body></s:Envelope>")


def server_busy_message(milliseconds: int) -> str:
    """Throttling inside the ExpandDL response message, as Exchange 2013+ also sends it."""
    return ENVELOPE.format(message=(
        '<m:ExpandDLResponseMessage ResponseClass="Error">'
        "<m:MessageText>The server cannot service this request right now. Try again later., This operation "
        "exceeds the throttling budget for policy part 'ConcurrentSyncCalls', policy value '10',  Budget "
        f"type: 'Ews'.  Suggested backoff time {milliseconds} ms.</m:MessageText>"
        "<m:ResponseCode>ErrorServerBusy</m:ResponseCode>"
        "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
        f'<m:MessageXml><t:Value Name="BackOffMilliseconds">{milliseconds}</t:Value></m:MessageXml>'
        "</m:ExpandDLResponseMessage>"))


def person(email: str, name: str = "", kind: str = "Mailbox") -> dict:
    return {"name": name or email.split("@")[0].replace(".", " ").title(), "email": email, "type": kind}


def public_dl(email: str) -> dict:
    return {"name": email.split("@")[0], "email": email, "type": "PublicDL"}


def private_dl(item_id: str, name: str) -> dict:
    return {"name": name, "email": None, "type": "PrivateDL", "item_id": item_id}


def _mailbox_xml(member: dict) -> str:
    parts = [f"<t:Name>{escape(member['name'])}</t:Name>"]
    if member.get("email"):
        parts.append(f"<t:EmailAddress>{escape(member['email'])}</t:EmailAddress>")
    parts.append(f"<t:RoutingType>{'MAPIPDL' if member['type'] == 'PrivateDL' else 'SMTP'}</t:RoutingType>")
    parts.append(f"<t:MailboxType>{member['type']}</t:MailboxType>")
    if member.get("item_id"):
        parts.append(f'<t:ItemId Id="{member["item_id"]}" ChangeKey="EgAAABYAAAD2ZWlx"/>')
    return "<t:Mailbox>" + "".join(parts) + "</t:Mailbox>"


class ExchangeFake:
    """EWS on Exchange 2016, as far as ExpandDL goes, with basic authentication."""

    def __init__(self):
        self.lists: dict[str, list[dict]] = {}
        self.partial: set[str] = set()
        self.faults: list[Reply] = []
        self.expanded: list[str] = []

    def add_list(self, key: str, members: list[dict]) -> None:
        self.lists[key.lower() if "@" in key else key] = members

    def __call__(self, request: Recorded) -> Reply:
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if request.path != "/EWS/Exchange.asmx" or request.method != "POST":
            return Reply(404, "")
        if request.headers.get("Authorization") != expected:
            return Reply(401, "", {"WWW-Authenticate": 'Basic realm="mail.district.org"'})
        mailbox = ET.fromstring(request.body).find(f".//{{{MESSAGES}}}ExpandDL/{{{MESSAGES}}}Mailbox")
        email = mailbox.findtext(f"{{{TYPES}}}EmailAddress")
        item = mailbox.find(f"{{{TYPES}}}ItemId")
        key = email.lower() if email else item.get("Id")
        self.expanded.append(key)
        if self.faults:
            return self.faults.pop(0)
        if key not in self.lists:
            return self._xml(ENVELOPE.format(message=NO_RESULTS))
        members = self.lists[key]
        shown = members[: max(1, len(members) // 2)] if key in self.partial else members
        message = (
            '<m:ExpandDLResponseMessage ResponseClass="Success">'
            "<m:ResponseCode>NoError</m:ResponseCode>"
            f'<m:DLExpansion TotalItemsInView="{len(members)}" '
            f'IncludesLastItemInRange="{"false" if key in self.partial else "true"}">'
            + "".join(_mailbox_xml(m) for m in shown)
            + "</m:DLExpansion></m:ExpandDLResponseMessage>")
        return self._xml(ENVELOPE.format(message=message))

    @staticmethod
    def _xml(text: str, status: int = 200) -> Reply:
        return Reply(status, text.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8"})


@pytest.fixture
def exchange(responder):
    fake = ExchangeFake()
    fake.server = responder(fake)
    return fake


@pytest.fixture
def ews(exchange):
    from exchangelib import Credentials

    made = []

    def make(**kwargs) -> EwsBackend:
        waits = kwargs.pop("waits", [])
        options = dict(service_endpoint=f"{exchange.server.url}/EWS/Exchange.asmx",
                       credentials=Credentials(USERNAME, PASSWORD), auth_type="basic", sleep=waits.append)
        options.update(kwargs)
        made.append(EwsBackend(**options))
        return made[-1]

    yield make
    for backend in made:
        backend.close()


def test_a_two_thousand_member_list_of_nested_lists_is_counted(exchange, ews):
    grades = [f"grade{n}-parents@district.org" for n in range(1, 5)]
    exchange.add_list("all-parents@district.org", [public_dl(g) for g in grades])
    for n, grade in enumerate(grades):
        exchange.add_list(grade, [person(f"parent{n}-{i}@gmail.com") for i in range(450)]
                          + [person(f"staff{n}-{i}@district.org") for i in range(50)])

    info = ews().lookup("All-Parents@district.org", DISTRICT)

    assert info == GroupInfo("all-parents@district.org", True, 2000, 1800, "ews")
    assert exchange.expanded == ["all-parents@district.org", *grades]


def test_the_request_is_a_plain_expanddl_with_the_configured_version_and_account(exchange, ews):
    exchange.add_list("staff@district.org", [person("ann@district.org")])

    ews().lookup("staff@district.org", DISTRICT)

    (request,) = exchange.server.requests            # no autodiscover, no version guessing
    assert request.headers["Content-Type"].startswith("text/xml")
    body = ET.fromstring(request.body)
    assert body.find(f".//{{{TYPES}}}RequestServerVersion").get("Version") == "Exchange2016"
    assert body.findtext(f".//{{{MESSAGES}}}ExpandDL/{{{MESSAGES}}}Mailbox/{{{TYPES}}}EmailAddress") == \
        "staff@district.org"


def test_cycles_end_and_people_on_two_lists_count_once(exchange, ews):
    exchange.add_list("a@district.org", [public_dl("b@district.org"), person("ann@district.org"),
                                         person("grandpa@yahoo.com", kind="Contact")])
    exchange.add_list("b@district.org", [public_dl("a@district.org"), person("Ann@district.org"),
                                         person("bo@district.org")])

    info = ews().lookup("a@district.org", DISTRICT)

    assert (info.member_count, info.external_count, info.error) == (3, 1, None)
    assert exchange.expanded == ["a@district.org", "b@district.org"]


def test_a_contact_group_nested_by_item_id_is_expanded(exchange, ews):
    item = "AAMkADk0N2E4OGVjLTEwZWMtNDQ0Ny04YTg0LWE2ZGQ0OTI1ZTBhZQBGAAAAAADnsVQXAAA="
    exchange.add_list("book-club@district.org", [private_dl(item, "Book Club Parents"),
                                                 person("librarian@district.org")])
    exchange.add_list(item, [person("pat@gmail.com", kind="Contact"),
                             person("sam@outlook.com", kind="OneOff")])

    info = ews().lookup("book-club@district.org", DISTRICT)

    assert (info.member_count, info.external_count) == (3, 2)
    assert exchange.expanded[1] == item


def test_an_address_that_is_not_a_list_is_not_a_group(exchange, ews):
    assert ews().lookup("teacher@district.org", DISTRICT) is None


def test_an_empty_expansion_is_not_taken_for_a_list(exchange, ews):
    exchange.add_list("empty@district.org", [])

    assert ews().lookup("empty@district.org", DISTRICT) is None


def test_a_nested_list_that_cannot_be_expanded_gives_a_lower_bound(exchange, ews):
    exchange.add_list("staff@district.org", [public_dl("hidden@district.org"), person("ann@district.org"),
                                             person("bo@district.org")])

    info = ews().lookup("staff@district.org", DISTRICT)

    assert info.is_group and info.member_count == 2 and info.external_count is None
    assert info.error == "1 nested list(s) could not be expanded; it has at least 2 members"


def test_a_list_exchange_returns_only_in_part_is_flagged(exchange, ews):
    exchange.add_list("everyone@district.org", [person(f"p{i}@district.org") for i in range(10)])
    exchange.partial.add("everyone@district.org")

    info = ews().lookup("everyone@district.org", DISTRICT)

    assert info.member_count == 5
    assert info.error == "Exchange listed only part of the list; it has at least 5 members"


def test_throttling_waits_the_back_off_exchange_asks_for(exchange, ews):
    exchange.add_list("staff@district.org", [person("ann@district.org")])
    exchange.faults.append(ExchangeFake._xml(server_busy(1500), status=500))
    waits: list[float] = []

    info = ews(waits=waits).lookup("staff@district.org", DISTRICT)

    assert info.member_count == 1 and info.error is None
    assert waits == [1.5]


def test_throttling_in_the_response_message_waits_exchangelibs_back_off(exchange, ews):
    exchange.add_list("staff@district.org", [person("ann@district.org")])
    exchange.faults.append(ExchangeFake._xml(server_busy_message(1500)))
    waits: list[float] = []

    info = ews(waits=waits).lookup("staff@district.org", DISTRICT)

    assert info.member_count == 1 and info.error is None
    assert len(waits) == 1 and waits[0] > 0     # exchangelib's own back-off: it reads no time from here


def test_throttling_beyond_the_budget_is_an_error(exchange, ews):
    exchange.add_list("staff@district.org", [person("ann@district.org")])
    exchange.faults.append(ExchangeFake._xml(server_busy(297_749), status=500))
    waits: list[float] = []

    info = ews(waits=waits, lookup_budget_seconds=30).lookup("staff@district.org", DISTRICT)

    assert info.member_count is None
    assert info.error == ("Exchange is throttling requests and asked to wait 297.749 s; "
                          "gave up after 1 tries")
    assert waits == []


def test_a_wrong_password_is_a_sign_in_error(exchange, ews):
    from exchangelib import Credentials

    info = ews(credentials=Credentials(USERNAME, "wrong")).lookup("staff@district.org", DISTRICT)

    assert info.member_count is None
    assert info.error == ("Exchange refused the sign-in (check the EWS account's user name, password and "
                          "auth_type)")


def test_a_slow_exchange_times_out(exchange, ews):
    exchange.add_list("staff@district.org", [person("ann@district.org")])
    exchange.faults.append(Reply(200, b"", delay=3.0))

    started = time.monotonic()
    info = ews(timeout_seconds=0.3).lookup("staff@district.org", DISTRICT)

    assert time.monotonic() - started < 2.5
    assert info.error == "Exchange did not answer in time"


def test_an_unreachable_exchange_is_an_error():
    from exchangelib import Credentials

    backend = EwsBackend(service_endpoint="http://127.0.0.1:1/EWS/Exchange.asmx",
                         credentials=Credentials(USERNAME, PASSWORD), auth_type="basic")
    try:
        info = backend.lookup("staff@district.org", DISTRICT)
    finally:
        backend.close()

    assert info.error == "could not connect to Exchange"


def test_addresses_outside_the_internal_domains_are_not_expanded(exchange, ews):
    assert ews().lookup("parent@gmail.com", DISTRICT) is None
    assert exchange.server.requests == []


def test_configured_from_the_policy_with_the_password_in_the_environment(exchange, monkeypatch):
    monkeypatch.setenv("SAFESEND_EWS_PASSWORD", PASSWORD)
    exchange.add_list("staff@district.org", [person("ann@district.org"), person("pat@gmail.com")])
    backend = from_config(ConfigReader({
        "type": "ews", "service_endpoint": f"{exchange.server.url}/EWS/Exchange.asmx",
        "username": USERNAME, "password_env": "SAFESEND_EWS_PASSWORD", "auth_type": "basic",
        "version": "Exchange2013_SP1",
    }, "directory.backends[0]"), None)
    try:
        info = backend.lookup("staff@district.org", DISTRICT)
    finally:
        backend.close()

    assert (info.member_count, info.external_count) == (2, 1)
    body = ET.fromstring(exchange.server.requests[0].body)
    assert body.find(f".//{{{TYPES}}}RequestServerVersion").get("Version") == "Exchange2013_SP1"


@pytest.mark.parametrize("settings, key, why", [
    ({"service_endpoint": "https://mail.district.org/EWS/Exchange.asmx", "username": "svc",
      "password": "x"}, "password", "do not put the password in the policy"),
    ({"username": "svc", "password_env": "SAFESEND_EWS_PASSWORD"}, "service_endpoint", "is required"),
    ({"service_endpoint": "mail.district.org", "username": "svc", "password_env": "SAFESEND_EWS_PASSWORD"},
     "service_endpoint", "must be an http"),
    ({"service_endpoint": "https://mail.district.org/EWS/Exchange.asmx", "username": "svc",
      "password_env": "SAFESEND_EWS_PASSWORD", "auth_type": "kerberos"}, "auth_type", "must be one of"),
    ({"service_endpoint": "https://mail.district.org/EWS/Exchange.asmx", "username": "svc",
      "password_env": "SAFESEND_EWS_PASSWORD", "version": "2019"}, "version", "must be one of"),
    ({"service_endpoint": "https://mail.district.org/EWS/Exchange.asmx", "username": "svc",
      "password_env": "SAFESEND_UNSET_VARIABLE"}, "password_env", "is not set"),
    ({"service_endpoint": "https://mail.district.org/EWS/Exchange.asmx",
      "password_env": "SAFESEND_EWS_PASSWORD"}, "username", "is required"),
])
def test_bad_settings_name_the_key(monkeypatch, settings, key, why):
    monkeypatch.setenv("SAFESEND_EWS_PASSWORD", PASSWORD)
    monkeypatch.delenv("SAFESEND_UNSET_VARIABLE", raising=False)

    with pytest.raises(DirectoryConfigError, match=why) as caught:
        from_config(ConfigReader({"type": "ews", **settings}, "directory.backends[2]"), None)
    assert caught.value.key == f"directory.backends[2].{key}"


def test_oauth2_credentials_are_built_for_exchange_online(monkeypatch):
    from exchangelib import OAuth2Credentials

    monkeypatch.setenv("SAFESEND_EWS_SECRET", "app-secret")
    backend = from_config(ConfigReader({
        "type": "ews", "service_endpoint": "https://outlook.office365.com/EWS/Exchange.asmx",
        "auth_type": "oauth2", "tenant_id": "6f1c2e0a-5b7d-4c1e-9a42-0d8f3b2c7e11",
        "client_id": "3e9a7c51-2d4b-4f08-8c6e-71b5a0d2f934", "client_secret_env": "SAFESEND_EWS_SECRET",
        "impersonate": "svc-safesend@district.org",
    }, "directory.backends[0]"), None)

    assert isinstance(backend._credentials, OAuth2Credentials)
    assert backend._credentials.identity.primary_smtp_address == "svc-safesend@district.org"
    assert backend.auth_type == "oauth2"
