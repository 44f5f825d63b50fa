"""Exchange sent items through exchangelib, against a local SOAP responder
that answers GetFolder (sentitems), FindItem (an indexed page view ordered by
DateTimeSent) and GetItem (MimeContent: the real MIME, base64) the way
Exchange 2016 does, with impersonation and basic authentication."""

from __future__ import annotations

import base64
import json
import operator
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from directory.directory_fakes import Recorded, Reply
from incident import sent_mail
from incident.conftest import expected_refs

from safesend.cli import main
from safesend.incident import jobs
from safesend.incident.exposure import find_exposure
from safesend.store.db import transaction

MESSAGES = "http://schemas.microsoft.com/exchange/services/2006/messages"
TYPES = "http://schemas.microsoft.com/exchange/services/2006/types"
USERNAME = "DISTRICT\\svc-safesend"
PASSWORD = "Corr3ct-Horse"
MAILBOX = sent_mail.STAFF[0]

HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
    "<s:Header>"
    '<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" '
    'Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" '
    'xmlns="http://schemas.microsoft.com/exchange/services/2006/types" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
    "</s:Header>"
    '<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
)
TAIL = "</s:Body></s:Envelope>"
NS = (f'xmlns:m="{MESSAGES}" xmlns:t="{TYPES}"')


def envelope(operation: str, messages: str) -> str:
    return f"{HEAD}<m:{operation}Response {NS}><m:ResponseMessages>{messages}</m:ResponseMessages>" \
           f"</m:{operation}Response>{TAIL}"


class ExchangeSent:
    """EWS on Exchange 2016 as far as reading one mailbox's Sent Items goes."""

    def __init__(self, messages: list[bytes]):
        start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
        self.items = [(f"AAMkADk{n:08d}AAA=", start + timedelta(minutes=37 * n), raw)
                      for n, raw in enumerate(messages)]
        self.operations: list[str] = []
        self.impersonated: set[str] = set()
        self.fetched: Counter[str] = Counter()
        self.restrictions: list[str] = []

    def __call__(self, request: Recorded) -> Reply:
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if request.path != "/EWS/Exchange.asmx" or request.method != "POST":
            return Reply(404, "")
        if request.headers.get("Authorization") != expected:
            return Reply(401, "", {"WWW-Authenticate": 'Basic realm="mail.district.org"'})
        root = ET.fromstring(request.body)
        who = root.findtext(f".//{{{TYPES}}}ExchangeImpersonation//{{{TYPES}}}PrimarySmtpAddress")
        if who:
            self.impersonated.add(who)
        body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")[0]
        operation = body.tag.split("}")[1]
        self.operations.append(operation)
        if who != MAILBOX:
            return self._xml(envelope(operation, (
                f'<m:{operation}ResponseMessage ResponseClass="Error">'
                "<m:MessageText>The account does not have "
                "permission to impersonate the requested user.</m:MessageText>"
                "<m:ResponseCode>ErrorImpersonateUserDenied</m:ResponseCode>"
                f"<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:{operation}ResponseMessage>")))
        return self._xml(getattr(self, operation.lower())(body))

    def getfolder(self, body) -> str:
        wanted = body.find(f".//{{{TYPES}}}DistinguishedFolderId").get("Id")
        if wanted in ("root", "msgfolderroot"):
            folder = ('<t:FolderId Id="AAMkADkRoot" ChangeKey="AQAAAA=="/>'
                      "<t:DisplayName>Top of Information Store</t:DisplayName>"
                      "<t:TotalCount>0</t:TotalCount><t:ChildFolderCount>18</t:ChildFolderCount>"
                      "<t:UnreadCount>0</t:UnreadCount>")
        else:
            assert wanted == "sentitems"
            folder = ('<t:FolderId Id="AAMkADkSentItems" ChangeKey="AQAAABYAAAA="/>'
                      '<t:ParentFolderId Id="AAMkADkRoot" ChangeKey="AQAAAA=="/>'
                      "<t:FolderClass>IPF.Note</t:FolderClass><t:DisplayName>Sent Items</t:DisplayName>"
                      f"<t:TotalCount>{len(self.items)}</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount>"
                      "<t:UnreadCount>0</t:UnreadCount>")
        return envelope("GetFolder", (
            '<m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
            f"<m:Folders><t:Folder>{folder}</t:Folder></m:Folders></m:GetFolderResponseMessage>"))

    def finditem(self, body) -> str:
        view = body.find(f"{{{MESSAGES}}}IndexedPageItemView")
        offset, count = int(view.get("Offset")), int(view.get("MaxEntriesReturned"))
        for field in body.iter(f"{{{TYPES}}}FieldURI"):
            assert field.get("FieldURI") in ("item:DateTimeSent", "item:ItemId"), field.get("FieldURI")
        found = [item for item in self.items if _restricted(item[1], body.find(f"{{{MESSAGES}}}Restriction"))]
        self.restrictions.append(ET.tostring(body.find(f"{{{MESSAGES}}}Restriction"), encoding="unicode")
                                 if body.find(f"{{{MESSAGES}}}Restriction") is not None else "")
        order = body.find(f".//{{{TYPES}}}FieldOrder")
        found.sort(key=lambda item: item[1], reverse=order is not None and order.get("Order") == "Descending")
        chunk = found[offset:offset + count]
        last = offset + len(chunk) >= len(found)
        items = "".join(f'<t:Message><t:ItemId Id="{i}" ChangeKey="CQAAABYAAA{n:04d}"/>'
                        f"<t:DateTimeSent>{sent:%Y-%m-%dT%H:%M:%SZ}</t:DateTimeSent></t:Message>"
                        for n, (i, sent, _) in enumerate(chunk))
        return envelope("FindItem", (
            '<m:FindItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
            f'<m:RootFolder IndexedPagingOffset="{offset + len(chunk)}" TotalItemsInView="{len(found)}" '
            f'IncludesLastItemInRange="{"true" if last else "false"}">'
            f"<t:Items>{items}</t:Items></m:RootFolder>"
            "</m:FindItemResponseMessage>"))

    def getitem(self, body) -> str:
        by_id = {i: (sent, raw) for i, sent, raw in self.items}
        answers = []
        for item in body.iter(f"{{{TYPES}}}ItemId"):
            sent, raw = by_id[item.get("Id")]
            self.fetched[item.get("Id")] += 1
            answers.append(
                '<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
                "<m:Items><t:Message>"
                f'<t:MimeContent CharacterSet="UTF-8">{base64.b64encode(raw).decode()}</t:MimeContent>'
                f'<t:ItemId Id="{item.get("Id")}" ChangeKey="{item.get("ChangeKey")}"/>'
                f"<t:DateTimeSent>{sent:%Y-%m-%dT%H:%M:%SZ}</t:DateTimeSent>"
                "</t:Message></m:Items></m:GetItemResponseMessage>")
        return envelope("GetItem", "".join(answers))

    @staticmethod
    def _xml(text: str) -> Reply:
        return Reply(200, text.encode(), {"Content-Type": "text/xml; charset=utf-8"})


_COMPARE = {"IsGreaterThanOrEqualTo": operator.ge, "IsGreaterThan": operator.gt,
            "IsLessThanOrEqualTo": operator.le, "IsLessThan": operator.lt}


def _restricted(sent: datetime, restriction) -> bool:
    """A FindItem Restriction of comparisons on DateTimeSent, joined by And (what a date range sends)."""
    if restriction is None:
        return True
    for element in restriction.iter():
        name = element.tag.split("}")[1]
        if name in ("Restriction", "And", "FieldURI", "FieldURIOrConstant", "Constant"):
            continue
        assert name in _COMPARE, name
        value = element.find(f".//{{{TYPES}}}Constant").get("Value")
        if not _COMPARE[name](sent, datetime.fromisoformat(value.replace("Z", "+00:00"))):
            return False
    return True


@pytest.fixture
def exchange(scan_env, responder, mail, monkeypatch):
    _, services = scan_env
    from safesend.policy import parse_policy
    from safesend.store.policies import save_policy

    fake = ExchangeSent(mail.messages)
    server = responder(fake)
    monkeypatch.setenv("SAFESEND_EWS_PASSWORD", PASSWORD)
    policy = json.loads(json.dumps(sent_mail.POLICY))
    policy["directory"]["backends"].append({
        "type": "ews", "service_endpoint": f"{server.url}/EWS/Exchange.asmx", "username": USERNAME,
        "password_env": "SAFESEND_EWS_PASSWORD", "auth_type": "basic", "version": "Exchange2016",
        "domains": ["nobody.example"]})
    with transaction(services.sessions) as session:
        save_policy(session, "default", parse_policy(policy), author="test")
    jobs.set_source_seams("ews", sleep=lambda seconds: None)
    yield fake
    jobs.clear_source_seams()


def scan_ews(*mailboxes: str):
    args = ["incident", "scan", "--source", "ews", "--json"]
    for mailbox in mailboxes:
        args += ["--mailbox", mailbox]
    return CliRunner().invoke(main, args)


def test_an_ews_scan_finds_the_seed_like_message_with_exactly_its_students(scan_env, exchange, mail):
    _, services = scan_env
    result = scan_ews(MAILBOX)
    *flagged, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert summary == {"scanned": 521, "flagged": 1, "failed": 0}, result.stderr
    assert flagged[0]["message_id"] == mail.seed_message_id
    with transaction(services.sessions) as session:
        exposure = find_exposure(session, "default", flagged[0]["incident"])
    assert set(exposure.roster_refs) == expected_refs(services, mail.exposed_ids)
    assert exchange.impersonated == {MAILBOX}
    assert {"GetFolder", "FindItem", "GetItem"} <= set(exchange.operations)


def test_a_mailbox_the_account_may_not_impersonate_fails_and_is_reported(scan_env, exchange):
    result = scan_ews("principal@district.example.org")
    assert result.exit_code == 2
    assert json.loads(result.stdout.splitlines()[-1]) == {"scanned": 0, "flagged": 0, "failed": 1}
    assert "ApplicationImpersonation" in result.stderr


def test_a_large_mailbox_is_cut_into_date_slices_each_message_read_once(scan_env, exchange, mail,
                                                                       monkeypatch):
    _, services = scan_env
    from sqlalchemy import select

    from safesend.store.scans import ScanJob

    monkeypatch.setenv("SAFESEND_SCAN_SLICE_MESSAGES", "150")
    result = scan_ews(MAILBOX)
    *flagged, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert summary == {"scanned": 521, "flagged": 1, "failed": 0}, result.stderr
    assert [f["message_id"] for f in flagged] == [mail.seed_message_id]
    assert set(exchange.fetched) == {i for i, _, _ in exchange.items} and max(exchange.fetched.values()) == 1
    with transaction(services.sessions) as session:
        slices = sorted(session.scalars(select(ScanJob)), key=lambda j: j.bounds.get("after") or "")
    assert len(slices) >= 4 and all(j.scanned == j.expected <= 150 for j in slices)
    assert all(a.bounds["before"] == b.bounds["after"] for a, b in zip(slices, slices[1:], strict=False))
    # The item sent on the first cut (the middle second of the first and last) opens the newer slice.
    on_cut = exchange.items[260][1]
    assert on_cut.isoformat() in {j.bounds["after"] for j in slices}
    assert any("IsLessThan" in r and "IsGreaterThanOrEqualTo" in r for r in exchange.restrictions)
