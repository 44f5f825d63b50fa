"""Google Workspace backend through google-api-python-client, with its own
seam: `HttpMockSequence` under a real service-account `AuthorizedHttp`, on the
Admin SDK discovery document shipped with the package. Responses are shaped
like the Directory API's (members pages, 404 notFound, 403, 429, token errors)."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlsplit

import httplib2
import pytest
from directory.directory_fakes import Reply
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.http import HttpMockSequence

from safesend.directory import GroupInfo
from safesend.directory.base import ConfigReader, DirectoryConfigError
from safesend.directory.google import GROUP_SCOPE, MEMBER_SCOPE, GoogleBackend, from_config

ADMIN = "it-admin@district.org"
DISTRICT = frozenset({"district.org"})
JSON = {"status": "200", "content-type": "application/json; charset=UTF-8"}
TOKEN = ({"status": "200", "content-type": "application/json; charset=utf-8"},
         json.dumps({"access_token": "ya29.c.c0ASRK0GZ-test-token", "expires_in": 3599,
                     "token_type": "Bearer"}))
NOT_FOUND = ({"status": "404", "content-type": "application/json; charset=UTF-8"}, json.dumps({
    "error": {"code": 404, "message": "Resource Not Found: groupKey",
              "errors": [{"message": "Resource Not Found: groupKey", "domain": "global",
                          "reason": "notFound"}]}}))


def member(email: str, n: int, kind: str = "USER") -> dict:
    return {"kind": "admin#directory#member", "etag": f"\"h2kd8N3q/{n:06d}\"", "id": f"1{n:020d}",
            "email": email, "role": "MEMBER", "type": kind, "status": "ACTIVE"}


def page(members: list[dict], next_token: str | None = None) -> tuple[dict, str]:
    body = {"kind": "admin#directory#members", "etag": "\"h2kd8N3q/Zq1sB2cD3eF4gH5iJ6kL7mN8oP9\"",
            "members": members}
    if next_token:
        body["nextPageToken"] = next_token
    return JSON, json.dumps(body)


def error(status: int, reason: str, message: str, **headers: str) -> tuple[dict, str]:
    return ({"status": str(status), "content-type": "application/json; charset=UTF-8", **headers},
            json.dumps({"error": {"code": status, "message": message,
                                  "errors": [{"message": message, "domain": "global", "reason": reason}]}}))


@pytest.fixture
def google(service_account_info):
    """google(responses, **options) -> (backend, http, waits)."""

    def make(responses: list, scopes: tuple[str, ...] = (MEMBER_SCOPE,), **options):
        credentials = service_account.Credentials.from_service_account_info(
            service_account_info, scopes=list(scopes), subject=ADMIN)
        http = HttpMockSequence(list(responses))
        waits: list[float] = []
        backend = GoogleBackend(credentials=credentials,
                                http_factory=lambda: AuthorizedHttp(credentials, http=http),
                                sleep=waits.append, check_group_first=GROUP_SCOPE in scopes, **options)
        return backend, http, waits

    return make


def uris(http: HttpMockSequence) -> list[str]:
    return [uri for uri, *_ in http.request_sequence]


def test_a_two_thousand_member_group_is_counted_across_pages(google):
    people = [member(f"parent{n}@gmail.com", n) for n in range(1800)] + \
        [member(f"teacher{n}@district.org", 5000 + n) for n in range(200)]
    pages = [people[n:n + 200] for n in range(0, 2000, 200)]
    pages[0] = pages[0] + [member("grade1-parents@district.org", 9001, "GROUP")]
    pages[3] = pages[3] + [people[5]]                  # a parent on two nested groups
    responses = [TOKEN] + [page(chunk, f"token-{n + 1}" if n < 9 else None) for n, chunk in enumerate(pages)]
    backend, http, _ = google(responses)

    info = backend.lookup("All-Parents@district.org", DISTRICT)

    assert info == GroupInfo("all-parents@district.org", True, 2000, 1800, "google")
    calls = uris(http)
    assert calls[0] == "https://oauth2.googleapis.com/token"
    first = urlsplit(calls[1])
    assert first.path == "/admin/directory/v1/groups/all-parents%40district.org/members"
    assert parse_qs(first.query) == {"includeDerivedMembership": ["true"], "maxResults": ["200"],
                                     "alt": ["json"]}
    assert [parse_qs(urlsplit(u).query).get("pageToken") for u in calls[2:]] == \
        [[f"token-{n}"] for n in range(1, 10)]


def test_the_service_account_acts_as_the_delegated_admin_with_the_member_scope(google):
    backend, http, _ = google([TOKEN, page([member("ann@district.org", 1)])])

    backend.lookup("staff@district.org", DISTRICT)

    _, method, body, _ = http.request_sequence[0]
    form = parse_qs(body if isinstance(body, str) else body.decode())
    assert method == "POST" and form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = json.loads(base64.urlsafe_b64decode(form["assertion"][0].split(".")[1] + "=="))
    assert claims["sub"] == ADMIN and claims["scope"] == MEMBER_SCOPE
    assert http.request_sequence[1][3]["authorization"] == "Bearer ya29.c.c0ASRK0GZ-test-token"


def test_an_address_that_is_not_a_group_answers_404(google):
    backend, http, _ = google([TOKEN, NOT_FOUND])

    assert backend.lookup("teacher@district.org", DISTRICT) is None


def test_with_the_group_scope_groups_get_tells_a_group_from_a_user_first(google):
    group = {"kind": "admin#directory#group", "id": "03x8tuzt1abcdef", "etag": "\"h2kd8N3q/abc\"",
             "email": "staff@district.org", "name": "Staff", "directMembersCount": "2", "description": "",
             "adminCreated": True, "nonEditableAliases": ["staff@district.org.test-google-a.com"]}
    backend, http, _ = google([TOKEN, (JSON, json.dumps(group)), page([member("ann@district.org", 1),
                                                                       member("bo@gmail.com", 2)]),
                               NOT_FOUND], scopes=(MEMBER_SCOPE, GROUP_SCOPE))

    assert backend.lookup("staff@district.org", DISTRICT) == GroupInfo("staff@district.org", True, 2, 1,
                                                                       "google")
    assert backend.lookup("teacher@district.org", DISTRICT) is None
    paths = [urlsplit(u).path for u in uris(http)[1:]]
    assert paths == ["/admin/directory/v1/groups/staff%40district.org",
                     "/admin/directory/v1/groups/staff%40district.org/members",
                     "/admin/directory/v1/groups/teacher%40district.org"]


def test_an_empty_group_has_no_members(google):
    backend, _, _ = google([TOKEN, (JSON, json.dumps({"kind": "admin#directory#members", "etag": "\"x\""}))])

    assert backend.lookup("empty@district.org", DISTRICT) == GroupInfo("empty@district.org", True, 0, 0,
                                                                       "google")


def test_a_group_of_the_whole_organization_has_no_listed_size(google):
    backend, _, _ = google([TOKEN, page([{"kind": "admin#directory#member", "id": "C01abcd23",
                                          "role": "MEMBER", "type": "CUSTOMER"}])])

    info = backend.lookup("everyone@district.org", DISTRICT)

    assert info.is_group and info.member_count is None
    assert info.error == "the group includes everyone in the organization, so its size is not listed"


def test_rate_limits_are_retried_with_back_off(google):
    quota = error(429, "rateLimitExceeded",
                  "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of "
                  "service 'admin.googleapis.com' for consumer 'project_number:123456789'.")
    backend, _, waits = google([TOKEN, quota, page([member("ann@district.org", 1)])])

    info = backend.lookup("staff@district.org", DISTRICT)

    assert info.member_count == 1 and info.error is None
    assert waits == [1.0]


def test_a_retry_after_longer_than_the_budget_gives_up(google):
    quota = error(403, "userRateLimitExceeded", "User Rate Limit Exceeded", **{"retry-after": "120"})
    backend, _, waits = google([TOKEN, quota], lookup_budget_seconds=10)

    info = backend.lookup("staff@district.org", DISTRICT)

    assert info.error == "Google is throttling requests and asked to wait 120 s; gave up after 1 tries"
    assert waits == []


def test_missing_delegation_is_a_sign_in_error(google):
    refused = ({"status": "401", "content-type": "application/json; charset=utf-8"}, json.dumps({
        "error": "unauthorized_client",
        "error_description": "Client is unauthorized to retrieve access tokens using this method, or client "
                             "not authorized for any of the scopes requested."}))
    backend, http, _ = google([refused])

    info = backend.lookup("staff@district.org", DISTRICT)

    assert info.member_count is None
    assert info.error == ("Google sign-in for the service account failed (unauthorized_client); check "
                          "domain-wide delegation and the scope")
    assert len(http.request_sequence) == 1


def test_an_admin_without_rights_is_refused(google):
    backend, _, _ = google([TOKEN, error(403, "forbidden", "Not Authorized to access this resource/api")])

    info = backend.lookup("staff@district.org", DISTRICT)

    assert info.error == ("Google refused access (HTTP 403: Not Authorized to access this resource/api); "
                          "check the service account's domain-wide delegation, its scope and that "
                          "delegated_admin is an administrator")


def test_a_slow_google_times_out(responder):
    server = responder(lambda request: Reply(200, {"kind": "admin#directory#members"}, delay=3.0))
    backend = GoogleBackend(http_factory=lambda: httplib2.Http(timeout=0.3), api_endpoint=server.url + "/")

    started = time.monotonic()
    info = backend.lookup("staff@district.org", DISTRICT)

    assert time.monotonic() - started < 2.5
    assert info.error == "Google did not answer in time"
    assert server.requests[0].path == "/admin/directory/v1/groups/staff%40district.org/members"


def test_addresses_outside_the_workspace_domains_are_not_looked_up(google):
    backend, http, _ = google([], domains=frozenset({"district.org"}))

    assert backend.lookup("parent@gmail.com", frozenset()) is None
    assert http.request_sequence == []


def test_configured_from_the_policy_with_a_key_file(tmp_path, service_account_info):
    key = tmp_path / "safesend-directory.json"
    key.write_text(json.dumps(service_account_info))

    backend = from_config(ConfigReader({"type": "google", "service_account_file": "safesend-directory.json",
                                        "delegated_admin": ADMIN, "customer": "C01abcd23"},
                                       "directory.backends[3]"), tmp_path)

    assert backend._credentials._subject == ADMIN
    assert backend._credentials.scopes == [MEMBER_SCOPE]
    assert backend.check_group_first is False and backend.customer == "C01abcd23"


@pytest.mark.parametrize("settings, key, why", [
    ({"delegated_admin": ADMIN}, "service_account_file", "is required"),
    ({"service_account_file": "missing.json", "delegated_admin": ADMIN}, "service_account_file",
     "does not exist"),
    ({"service_account_file": "key.json"}, "delegated_admin", "is required"),
    ({"service_account_file": "key.json", "delegated_admin": "admin"}, "delegated_admin",
     "not an administrator"),
    ({"service_account_file": "key.json", "delegated_admin": ADMIN,
      "scopes": ["https://www.googleapis.com/auth/admin.directory.user.readonly"]}, "scopes", "must include"),
    ({"service_account_file": "not-a-key.json", "delegated_admin": ADMIN}, "service_account_file",
     "not a service-account key file"),
])
def test_bad_settings_name_the_key(tmp_path, service_account_info, settings, key, why):
    (tmp_path / "key.json").write_text(json.dumps(service_account_info))
    (tmp_path / "not-a-key.json").write_text(json.dumps({"installed": {"client_id": "x"}}))

    with pytest.raises(DirectoryConfigError, match=why) as caught:
        from_config(ConfigReader({"type": "google", **settings}, "directory.backends[1]"), tmp_path)
    assert caught.value.key == f"directory.backends[1].{key}"
