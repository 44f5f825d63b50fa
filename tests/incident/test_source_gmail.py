"""Gmail sent mail through google-api-python-client, at its own seam:
`HttpMockSequence` under a real service-account `AuthorizedHttp` acting as the
mailbox, on the Gmail discovery document shipped with the package. Answers are
shaped like the Gmail API's: messages.list pages, multipart batch answers of
messages.get(format=raw), a throttled part with Retry-After."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

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
    answers: list = [TOKEN]
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
    first_list = urlsplit(http.request_sequence[1][0])
    assert first_list.path == "/gmail/v1/users/me/messages"
    assert parse_qs(first_list.query)["q"] == ["in:sent"]
    batch = http.request_sequence[2]
    assert batch[0] == "https://gmail.googleapis.com/batch" and batch[1] == "POST"
    assert batch[2].count("format=raw") == 50


def test_the_dates_become_the_query(scan_env, gmail_policy):
    http, _ = use_answers([TOKEN, listing([], None)])
    result = CliRunner().invoke(main, ["incident", "scan", "--source", "gmail", "--mailbox", MAILBOX,
                                       "--since", "2026-09-01", "--until", "2026-09-30", "--json"])
    assert json.loads(result.stdout.splitlines()[-1]) == {"scanned": 0, "flagged": 0, "failed": 0}
    query = parse_qs(urlsplit(http.request_sequence[1][0]).query)["q"][0]
    assert query == "in:sent after:1788220800 before:1790812800"


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
