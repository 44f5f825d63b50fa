"""Gmail sent mail through google-api-python-client, at its own seam:
`HttpMockSequence` under a real service-account `AuthorizedHttp` acting as the
mailbox, on the Gmail discovery document shipped with the package. Answers are
shaped like the Gmail API's: messages.list pages, multipart batch answers of
messages.get(format=raw), a throttled part with Retry-After."""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httplib2
import pytest
from click.testing import CliRunner
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.http import HttpMockSequence
from incident import sent_mail
from incident.conftest import expected_refs

from safesend.cli import main
from safesend.incident import jobs
from safesend.incident.exposure import find_exposure
from safesend.store.db import transaction

MAILBOX = sent_mail.STAFF[0]
JSON = {"status": "200", "content-type": "application/json; charset=UTF-8"}
TOKEN = ({"status": "200", "content-type": "application/json; charset=utf-8"},
         json.dumps({"access_token": "ya29.c.gmail-test-token", "expires_in": 3599, "token_type": "Bearer"}))
BOUNDARY = "batch_Zx9Lq2pV3sT8"


def listing(ids: list[str], next_token: str | None) -> tuple[dict, str]:
    body = {"messages": [{"id": i, "threadId": i} for i in ids], "resultSizeEstimate": len(ids)}
    if next_token:
        body["nextPageToken"] = next_token
    return JSON, json.dumps(body)


def batch_answer(parts: list[tuple[str, int, dict, dict]]) -> tuple[dict, str]:
    """parts: (request id, status, headers, JSON body) -> a multipart/mixed batch answer."""
    chunks = []
    for request_id, status, headers, body in parts:
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        chunks.append(f"--{BOUNDARY}\r\nContent-Type: application/http\r\n"
                      f"Content-ID: <response-b29c5de2-0db4-490b-b421-6a51b598bd22 + {request_id}>\r\n\r\n"
                      f"HTTP/1.1 {status} {'OK' if status == 200 else 'Too Many Requests'}\r\n"
                      f"Content-Type: application/json; charset=UTF-8\r\n{extra}\r\n{json.dumps(body)}\r\n")
    return ({"status": "200", "content-type": f"multipart/mixed; boundary={BOUNDARY}"},
            "".join(chunks) + f"--{BOUNDARY}--\r\n")


def raw_of(data: bytes) -> dict:
    return {"raw": base64.urlsafe_b64encode(data).decode().rstrip("="), "internalDate": "1788249600000"}


def gmail_answers(messages: list[bytes], throttle_one: bool = True) -> list:
    ids = [f"18c{n:013x}" for n in range(len(messages))]
    by_id = dict(zip(ids, messages, strict=True))
    answers: list = [TOKEN, (JSON, json.dumps({"messages": [{"id": ids[0], "threadId": ids[0]}],
                                                "resultSizeEstimate": len(ids), "nextPageToken": "x"}))]
    pages = [ids[n:n + 100] for n in range(0, len(ids), 100)]
    for number, page in enumerate(pages):
        answers.append(listing(page, f"page-{number + 1}" if number + 1 < len(pages) else None))
        for start in range(0, len(page), 50):
            chunk = page[start:start + 50]
            parts = [(i, 200, {}, {"id": i, **raw_of(by_id[i])}) for i in chunk]
            if throttle_one and number == 0 and start == 0:
                parts[3] = (chunk[3], 429, {"Retry-After": "2"},
                            {"error": {"code": 429, "message": "Too many concurrent requests for user",
                                       "errors": [{"reason": "rateLimitExceeded", "domain": "usageLimits"}]}})
                answers.append(batch_answer(parts))
                again = (chunk[3], 200, {}, {"id": chunk[3], **raw_of(by_id[chunk[3]])})
                answers.append(batch_answer([again]))
            else:
                answers.append(batch_answer(parts))
    return answers


@pytest.fixture
def gmail_policy(scan_env, service_account_info, tmp_path):
    _, services = scan_env
    from safesend.policy import parse_policy
    from safesend.store.policies import save_policy

    key = tmp_path / "service-account.json"
    key.write_text(json.dumps(service_account_info))
    policy = json.loads(json.dumps(sent_mail.POLICY))
    policy["directory"]["backends"].append({"type": "google", "service_account_file": str(key),
                                            "delegated_admin": "it-admin@district.example.org",
                                            "domains": ["nobody.example"]})
    with transaction(services.sessions) as session:
        save_policy(session, "default", parse_policy(policy), author="test")
    yield
    jobs.clear_source_seams()


def scan_gmail():
    return CliRunner().invoke(main, ["incident", "scan", "--source", "gmail", "--mailbox", MAILBOX, "--json"])


def use_answers(answers: list) -> tuple[HttpMockSequence, list]:
    http = HttpMockSequence(answers)
    waits: list[float] = []
    jobs.set_source_seams("gmail", http_factory=lambda credentials: AuthorizedHttp(credentials, http=http),
                          sleep=waits.append, pace=False)
    return http, waits


def test_a_gmail_scan_finds_the_seed_like_message_with_exactly_its_students(scan_env, gmail_policy, mail):
    _, services = scan_env
    http, waits = use_answers(gmail_answers(mail.messages))
    result = scan_gmail()
    *flagged, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert summary == {"scanned": 521, "flagged": 1, "failed": 0}, result.stderr
    assert flagged[0]["message_id"] == mail.seed_message_id
    with transaction(services.sessions) as session:
        exposure = find_exposure(session, "default", flagged[0]["incident"])
    assert set(exposure.roster_refs) == expected_refs(services, mail.exposed_ids)
    assert waits == [2.0]                                  # the throttled part waited its Retry-After
    token_post = http.request_sequence[0]
    form = parse_qs(token_post[2] if isinstance(token_post[2], str) else token_post[2].decode())
    claims = json.loads(base64.urlsafe_b64decode(form["assertion"][0].split(".")[1] + "=="))
    assert claims["sub"] == MAILBOX and claims["scope"] == "https://www.googleapis.com/auth/gmail.readonly"
    count = urlsplit(http.request_sequence[1][0])            # how much is there: one slice's worth
    assert parse_qs(count.query)["maxResults"] == ["1"]
    first_list = urlsplit(http.request_sequence[2][0])
    assert first_list.path == "/gmail/v1/users/me/messages"
    assert parse_qs(first_list.query)["q"] == ["in:sent"]
    batch = http.request_sequence[3]
    assert batch[0] == "https://gmail.googleapis.com/batch" and batch[1] == "POST"
    assert batch[2].count("format=raw") == 50


def test_the_dates_become_the_query(scan_env, gmail_policy):
    http, _ = use_answers([TOKEN, listing([], None), listing([], None)])
    result = CliRunner().invoke(main, ["incident", "scan", "--source", "gmail", "--mailbox", MAILBOX,
                                       "--since", "2026-09-01", "--until", "2026-09-30", "--json"])
    assert json.loads(result.stdout.splitlines()[-1]) == {"scanned": 0, "flagged": 0, "failed": 0}
    # A second to spare each side of [1 Sep, 1 Oct): each message's internalDate draws the exact line.
    for counted_then_listed in http.request_sequence[1:3]:
        query = parse_qs(urlsplit(counted_then_listed[0]).query)["q"][0]
        assert query == "in:sent after:1788220799 before:1790812801"


def test_a_mailbox_without_delegation_fails_and_is_reported(scan_env, gmail_policy):
    refused = ({"status": "400", "content-type": "application/json; charset=utf-8"},
               json.dumps({"error": "unauthorized_client",
                           "error_description": "Client is unauthorized to retrieve access tokens using this "
                                                "method, or client not authorized for any of the scopes "
                                                "requested."}))
    use_answers([refused])
    result = scan_gmail()
    assert result.exit_code == 2
    assert json.loads(result.stdout.splitlines()[-1]) == {"scanned": 0, "flagged": 0, "failed": 1}
    assert "domain-wide delegation" in result.stderr


class GmailMailbox(HttpMockSequence):
    """HttpMockSequence whose answers are worked out from each request, for a
    scan whose requests depend on how its dates are cut: token, messages.list
    (`in:sent after:S before:S`, newest first, resultSizeEstimate, page tokens)
    and batches of messages.get(format=raw). `edges` is how the fake reads
    after:/before: at their own second ("inclusive" or "exclusive"): Gmail
    does not document it, and the scan must be right either way."""

    def __init__(self, messages: list[bytes], edges: str):
        super().__init__([])
        start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
        self.items = [(f"18c{n:013x}", start + timedelta(minutes=37 * n), raw)
                      for n, raw in enumerate(messages)]
        self.edges = edges
        self.queries: list[str] = []
        self.fetched: Counter[str] = Counter()

    def request(self, uri, method="GET", body=None, headers=None, redirections=1, connection_type=None):
        self.request_sequence.append((uri, method, body, headers))
        url = urlsplit(uri)
        if url.netloc == "oauth2.googleapis.com":
            return httplib2.Response(TOKEN[0]), TOKEN[1].encode()
        if url.path == "/gmail/v1/users/me/messages":
            return self._list(parse_qs(url.query))
        assert url.path.startswith("/batch"), uri
        text = body.decode() if isinstance(body, bytes) else body
        ids = re.findall(r"GET /gmail/v1/users/me/messages/([^?/ ]+)\?", text)
        by_id = {i: (sent, raw) for i, sent, raw in self.items}
        parts = []
        for i in ids:
            self.fetched[i] += 1
            sent, raw = by_id[i]
            parts.append((i, 200, {}, {"id": i, "raw": base64.urlsafe_b64encode(raw).decode().rstrip("="),
                                       "internalDate": str(int(sent.timestamp() * 1000))}))
        head, content = batch_answer(parts)
        return httplib2.Response(head), content.encode()

    def _list(self, params) -> tuple:
        query = params["q"][0]
        self.queries.append(query)
        after = re.search(r"after:(\d+)", query)
        before = re.search(r"before:(\d+)", query)
        inclusive = self.edges == "inclusive"
        found = [i for i, sent, _ in sorted(self.items, key=lambda item: item[1], reverse=True)
                 if (after is None or (sent.timestamp() >= int(after[1]) if inclusive
                                       else sent.timestamp() > int(after[1])))
                 and (before is None or (sent.timestamp() <= int(before[1]) if inclusive
                                         else sent.timestamp() < int(before[1])))]
        start = int(params.get("pageToken", ["0"])[0])
        size = int(params.get("maxResults", ["100"])[0])
        page = {"messages": [{"id": i, "threadId": i} for i in found[start:start + size]],
                "resultSizeEstimate": len(found)}
        if start + size < len(found):
            page["nextPageToken"] = str(start + size)
        return httplib2.Response(JSON), json.dumps(page).encode()


@pytest.mark.parametrize("edges", ["inclusive", "exclusive"])
def test_a_large_mailbox_is_cut_into_date_slices_each_message_read_once(scan_env, gmail_policy, mail,
                                                                       monkeypatch, edges):
    _, services = scan_env
    from sqlalchemy import select

    from safesend.store.scans import ScanJob

    monkeypatch.setenv("SAFESEND_SCAN_SLICE_MESSAGES", "150")
    http = GmailMailbox(mail.messages, edges)
    jobs.set_source_seams("gmail", http_factory=lambda credentials: AuthorizedHttp(credentials, http=http),
                          sleep=lambda seconds: None, pace=False)
    # Gmail gives no first and last date cheaply, so the cuts start from the scan's dates: these put
    # the first cut on message 260 (1 Sep 00:00 + half of 14 days 40 minutes = 1 Sep 08:00 + 260 x 37 min).
    result = CliRunner().invoke(main, ["incident", "scan", "--source", "gmail", "--mailbox", MAILBOX,
                                       "--json", "--since", "2026-09-01", "--until", "2026-09-15T00:40:00"])
    *flagged, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert summary == {"scanned": 521, "flagged": 1, "failed": 0}, result.stderr
    assert [f["message_id"] for f in flagged] == [mail.seed_message_id]
    assert set(http.fetched) == {i for i, _, _ in http.items}
    with transaction(services.sessions) as session:
        slices = sorted(session.scalars(select(ScanJob)), key=lambda j: j.bounds.get("after") or "")
    assert len(slices) >= 4 and all(j.status == "done" for j in slices)
    assert all(a.bounds["before"] == b.bounds["after"] for a, b in zip(slices, slices[1:], strict=False))
    # A message sent on a cut is fetched by both neighbours (the spare second) and counted by one.
    cuts = {datetime.fromisoformat(j.bounds["after"]) for j in slices if j.bounds["after"]}
    on_a_cut = [i for i, sent, _ in http.items if sent in cuts]
    assert http.items[260][0] in on_a_cut and all(http.fetched[i] == 2 for i in on_a_cut)
    assert sum(j.scanned for j in slices) == 521
