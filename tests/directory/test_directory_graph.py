"""Microsoft Graph backend, at its seams: msal's `http_client` for sign-in, and
a local HTTP responder answering Graph requests with the documented shapes
(`/groups?$filter`, `transitiveMembers/$count` as text/plain,
`transitiveMembers` pages with `@odata.nextLink`, 429 + Retry-After, errors)."""

from __future__ import annotations

import base64
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from directory.directory_fakes import Recorded, Reply

from safesend.directory import Directory, GroupInfo
from safesend.directory.base import ConfigReader, DirectoryConfigError
from safesend.directory.graph import GraphBackend, certificate_credential, from_config

TENANT = "6f1c2e0a-5b7d-4c1e-9a42-0d8f3b2c7e11"
CLIENT = "3e9a7c51-2d4b-4f08-8c6e-71b5a0d2f934"
DISTRICT = frozenset({"district.org"})
TOKEN = ("eyJ0eXAiOiJKV1QiLCJub25jZSI6IjEyMyIsImFsZyI6IlJTMjU2IiwieDV0IjoiYWJjIn0"
         ".eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJl")


# ---------------------------------------------------------------------- sign-in (msal's seam)


class _HttpResponse:
    def __init__(self, status: int, body: dict):
        self.status_code = status
        self.text = json.dumps(body)
        self.headers = {"Content-Type": "application/json; charset=utf-8"}

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(f"HTTP {self.status_code}")


class SignIn:
    """Answers msal the way login.microsoftonline.com does (recorded shapes)."""

    def __init__(self, host: str = "https://login.microsoftonline.com"):
        self.host = host
        self.token_posts: list[dict] = []
        self.token_error: dict | None = None
        self.tenant_missing = False
        self.unreachable = False
        self.tokens = iter(f"{TOKEN}{n}" for n in range(1000))
        self.last_token: str | None = None
        self.discovery_gets = 0

    def get(self, url, params=None, headers=None, **kwargs):
        if self.unreachable:
            raise requests.ConnectionError("connection refused")
        if url == f"{self.host}/common/discovery/instance":
            # msal asks for the cloud's host aliases after a failed token request.
            self.discovery_gets += 1
            return _HttpResponse(200, {
                "tenant_discovery_endpoint": f"{self.host}/common/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [
                    {"preferred_network": "login.microsoftonline.com", "preferred_cache": "login.windows.net",
                     "aliases": ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com",
                                 "sts.windows.net"]},
                    {"preferred_network": "login.partner.microsoftonline.cn",
                     "preferred_cache": "login.partner.microsoftonline.cn",
                     "aliases": ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"]},
                ],
            })
        if url == f"{self.host}/{TENANT}/v2.0/.well-known/openid-configuration" and not self.tenant_missing:
            return _HttpResponse(200, {
                "token_endpoint": f"{self.host}/{TENANT}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                          "client_secret_basic"],
                "jwks_uri": f"{self.host}/{TENANT}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{self.host}/{TENANT}/v2.0",
                "request_uri_parameter_supported": False,
                "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
                "authorization_endpoint": f"{self.host}/{TENANT}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{self.host}/{TENANT}/oauth2/v2.0/devicecode",
                "http_logout_supported": True,
                "frontchannel_logout_supported": True,
                "end_session_endpoint": f"{self.host}/{TENANT}/oauth2/v2.0/logout",
                "tenant_region_scope": "NA",
                "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net",
                "msgraph_host": "graph.microsoft.com",
                "rbac_url": "https://pas.windows.net",
            })
        return _HttpResponse(400, {
            "error": "invalid_tenant",
            "error_description": f"AADSTS90002: Tenant '{TENANT}' not found. Check to make sure you have "
                                 "the correct tenant ID and are signing into the correct cloud. "
                                 "Trace ID: 0f3a Correlation ID: 9b1c Timestamp: 2024-05-02 10:11:12Z",
            "error_codes": [90002],
            "timestamp": "2024-05-02 10:11:12Z",
            "trace_id": "0f3a5d1e-2b7c-4e11-a5b9-3c0d6e8f1200",
            "correlation_id": "9b1c7e22-4d3f-4a18-9f60-2e5b7c0d8a31",
            "error_uri": f"{self.host}/error?code=90002",
        })

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        if self.unreachable:
            raise requests.ConnectionError("connection refused")
        assert url == f"{self.host}/{TENANT}/oauth2/v2.0/token"
        self.token_posts.append(dict(data or {}))
        if self.token_error is not None:
            return _HttpResponse(401, self.token_error)
        self.last_token = next(self.tokens)
        return _HttpResponse(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                   "access_token": self.last_token})


INVALID_SECRET = {
    "error": "invalid_client",
    "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in "
                         "the request is the client secret value, not the client secret ID, for a secret "
                         f"added to app '{CLIENT}'. Trace ID: 5c2e Correlation ID: 7d1a "
                         "Timestamp: 2024-05-02 10:11:12Z",
    "error_codes": [7000215],
    "timestamp": "2024-05-02 10:11:12Z",
    "trace_id": "5c2e9a10-3f4b-4d2c-8e71-b6a0c9d41500",
    "correlation_id": "7d1a3b55-8c2e-4f90-a1d7-5e6b0c2f9e44",
    "error_uri": "https://login.microsoftonline.com/error?code=7000215",
}


# ---------------------------------------------------------------------- Graph (local responder)


def _inner_error() -> dict:
    return {"date": "2024-05-02T10:11:12", "request-id": "b7a4c1e2-5d3f-4a6b-9c8d-0e1f2a3b4c5d",
            "client-request-id": "b7a4c1e2-5d3f-4a6b-9c8d-0e1f2a3b4c5d"}


def users(count: int, domain: str, start: int = 0) -> list[dict]:
    return [{"@odata.type": "#microsoft.graph.user", "id": f"u-{domain}-{n:05d}",
             "mail": f"person{n}@{domain}", "userPrincipalName": f"person{n}@{domain}"}
            for n in range(start, start + count)]


class GraphFake:
    """Microsoft Graph v1.0 as far as the directory uses it."""

    def __init__(self, sign_in: SignIn):
        self.sign_in = sign_in
        self.groups: dict[str, dict] = {}
        self.faults: list[tuple[str, Reply]] = []
        self.base = ""

    def add_group(self, address: str, members: list[dict], *, aliases: tuple[str, ...] = (),
                  count: int | None = None) -> str:
        group_id = f"02bd9fd6-8f93-4758-87c3-{len(self.groups):012d}"
        self.groups[group_id] = {"mail": address, "aliases": aliases, "members": members, "count": count}
        return group_id

    def fail(self, path_part: str, reply: Reply, times: int = 1) -> None:
        self.faults.extend([(path_part, reply)] * times)

    def __call__(self, request: Recorded) -> Reply:
        if request.headers.get("Authorization") != f"Bearer {self.sign_in.last_token}":
            return Reply(401, {"error": {"code": "InvalidAuthenticationToken",
                                         "message": "Access token has expired or is not yet valid.",
                                         "innerError": _inner_error()}})
        for n, (part, reply) in enumerate(self.faults):
            if part in request.path:
                del self.faults[n]
                return reply
        if request.path == "/v1.0/groups":
            return self._find(request)
        match = re.fullmatch(r"/v1\.0/groups/([^/]+)/transitiveMembers(/\$count)?", request.path)
        if match and match.group(1) in self.groups:
            group = self.groups[match.group(1)]
            if match.group(2):
                if request.headers.get("ConsistencyLevel") != "eventual":
                    return Reply(400, {"error": {"code": "Request_BadRequest",
                                                 "message": "$count is not currently supported.",
                                                 "innerError": _inner_error()}})
                count = group["count"] if group["count"] is not None else len(group["members"])
                return Reply(200, "\ufeff" + str(count), {"Content-Type": "text/plain"})
            return self._page(request, match.group(1), group)
        return Reply(404, {"error": {"code": "Request_ResourceNotFound",
                                     "message": "Resource does not exist or one of its queried reference-"
                                                "property objects are not present.",
                                     "innerError": _inner_error()}})

    def _find(self, request: Recorded) -> Reply:
        assert request.headers.get("ConsistencyLevel") == "eventual"
        assert request.param("$count") == "true"
        match = re.search(r"mail eq '((?:[^']|'')*)'", request.param("$filter") or "")
        wanted = match.group(1).replace("''", "'").lower() if match else ""
        found = [{"id": gid, "displayName": g["mail"].split("@")[0], "mail": g["mail"], "groupTypes": [],
                  "mailEnabled": True, "securityEnabled": False}
                 for gid, g in self.groups.items()
                 if wanted == g["mail"].lower() or wanted in [a.lower() for a in g["aliases"]]]
        return Reply(200, {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups(id,displayName,"
                                             "mail,groupTypes,mailEnabled,securityEnabled)",
                           "@odata.count": len(found), "value": found})

    def _page(self, request: Recorded, group_id: str, group: dict) -> Reply:
        top = int(request.param("$top") or 100)
        start = int(request.param("$skiptoken") or 0)
        chunk = group["members"][start:start + top]
        selected = (request.param("$select") or "").split(",")
        value = [{k: v for k, v in m.items() if k in selected or k.startswith("@odata")} for m in chunk]
        body = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects"
                                  "(id,mail,userPrincipalName)", "value": value}
        if start + top < len(group["members"]):
            body["@odata.nextLink"] = (f"{self.base}/v1.0/groups/{group_id}/transitiveMembers"
                                       f"?$select=id,mail,userPrincipalName&$top={top}"
                                       f"&$skiptoken={start + top}")
        return Reply(200, body)


@pytest.fixture
def sign_in() -> SignIn:
    return SignIn()


@pytest.fixture
def graph(responder, sign_in):
    fake = GraphFake(sign_in)
    server = responder(fake)
    fake.base = server.url
    fake.server = server
    return fake


@pytest.fixture
def backend(graph, sign_in):
    made = []

    def make(**kwargs) -> GraphBackend:
        waits = kwargs.pop("waits", [])
        options = dict(tenant_id=TENANT, client_id=CLIENT, client_credential="s3cr3t-value",
                       http_client=sign_in, graph_base_url=f"{graph.base}/v1.0", sleep=waits.append)
        options.update(kwargs)
        made.append(GraphBackend(**options))
        return made[-1]

    yield make
    for item in made:
        item.close()


def throttled(seconds: int) -> Reply:
    return Reply(429, {"error": {"code": "TooManyRequests", "message": "Too many requests.",
                                 "innerError": _inner_error()}}, {"Retry-After": str(seconds)})


# ---------------------------------------------------------------------- counting


def test_a_two_thousand_member_list_is_counted_through_every_page(graph, backend):
    members = (users(1850, "gmail.com") + users(150, "district.org")
               + [{"@odata.type": "#microsoft.graph.group", "id": "g-grade5", "mail": "grade5@district.org"},
                  {"@odata.type": "#microsoft.graph.group", "id": "g-grade6", "mail": "grade6@district.org"},
                  {"@odata.type": "#microsoft.graph.device", "id": "d-kiosk"}])
    group_id = graph.add_group("all-parents@district.org", members)

    info = backend().lookup("All-Parents@District.org", DISTRICT)

    assert info == GroupInfo("all-parents@district.org", True, 2000, 1850, "graph")
    paths = [r.path for r in graph.server.requests]
    assert paths == ["/v1.0/groups", f"/v1.0/groups/{group_id}/transitiveMembers/$count"] + \
        [f"/v1.0/groups/{group_id}/transitiveMembers"] * 3
    find = graph.server.requests[0]
    assert find.param("$filter") == ("mail eq 'all-parents@district.org' or "
                                     "proxyAddresses/any(p:p eq 'smtp:all-parents@district.org')")
    assert graph.server.requests[2].param("$top") == "999"
    assert graph.server.requests[4].param("$skiptoken") == "1998"


def test_guests_and_mail_contacts_count_as_external_and_people_count_once(graph, backend):
    graph.add_group("pta@district.org", [
        {"@odata.type": "#microsoft.graph.user", "id": "u1", "mail": "chair@district.org",
         "userPrincipalName": "chair@district.org"},
        {"@odata.type": "#microsoft.graph.user", "id": "u2", "mail": None,
         "userPrincipalName": "pat_gmail.com#EXT#@district.onmicrosoft.com"},
        {"@odata.type": "#microsoft.graph.orgContact", "id": "c1", "mail": "grandma@yahoo.com"},
        {"@odata.type": "#microsoft.graph.user", "id": "u1", "mail": "chair@district.org",
         "userPrincipalName": "chair@district.org"},
        {"@odata.type": "#microsoft.graph.user", "id": "u3", "mail": "nurse@schools.district.org",
         "userPrincipalName": "nurse@schools.district.org"},
    ])

    info = backend().lookup("pta@district.org", DISTRICT)

    assert (info.member_count, info.external_count) == (4, 2)


def test_a_group_is_found_by_a_secondary_address(graph, backend):
    graph.add_group("all-parents@district.org", users(3, "gmail.com"), aliases=("parents@district.org",))

    info = backend().lookup("parents@district.org", DISTRICT)

    assert info.is_group and info.member_count == 3


def test_an_address_that_is_not_a_group_is_not_one(graph, backend):
    assert backend().lookup("teacher@district.org", DISTRICT) is None


def test_addresses_outside_the_tenant_domains_are_not_looked_up(graph, backend):
    graph_backend = backend(domains=frozenset({"district.org"}))

    assert graph_backend.lookup("parent@gmail.com", frozenset()) is None
    assert not graph_backend.covers("parent@gmail.com", frozenset())
    assert graph.server.requests == []


def test_a_list_too_large_to_list_keeps_graphs_count(graph, backend):
    graph.add_group("everyone@district.org", users(5, "district.org"), count=60_000)

    info = backend(max_members_to_list=50_000).lookup("everyone@district.org", DISTRICT)

    assert (info.member_count, info.external_count, info.error) == (60_000, None, None)
    assert len(graph.server.requests) == 2


def test_a_quote_in_the_address_is_escaped_in_the_filter(graph, backend):
    graph.add_group("o'brien-family@district.org", users(2, "gmail.com"))

    info = backend().lookup("o'brien-family@district.org", DISTRICT)

    assert info.member_count == 2
    assert "mail eq 'o''brien-family@district.org'" in graph.server.requests[0].param("$filter")


# ---------------------------------------------------------------------- sign-in


def test_the_token_is_reused_across_lookups(graph, backend, sign_in):
    graph.add_group("staff@district.org", users(3, "district.org"))
    graph_backend = backend()

    graph_backend.lookup("staff@district.org", DISTRICT)
    graph_backend.lookup("staff@district.org", DISTRICT)

    assert len(sign_in.token_posts) == 1
    post = sign_in.token_posts[0]
    assert post["grant_type"] == "client_credentials"
    assert post["scope"] == f"{graph.base}/.default"
    assert post["client_id"] == CLIENT


def test_a_bad_client_secret_is_a_sign_in_error_not_an_exception(graph, backend, sign_in):
    sign_in.token_error = INVALID_SECRET

    info = backend().lookup("staff@district.org", DISTRICT)

    assert info.member_count is None
    assert info.error == ("Microsoft sign-in failed (invalid_client: AADSTS7000215: Invalid client secret "
                          "provided. Ensure the secret being sent in the request is the client secret value, "
                          f"not the client secret ID, for a secret added to app '{CLIENT}'.); "
                          "check the client secret or certificate")
    assert graph.server.requests == []


def test_an_unknown_tenant_says_so(graph, backend, sign_in):
    sign_in.tenant_missing = True

    info = backend().lookup("staff@district.org", DISTRICT)

    assert info.error.startswith(f"Microsoft sign-in is not set up right for tenant {TENANT}")


def test_an_unreachable_sign_in_service_is_an_error(graph, backend, sign_in):
    sign_in.unreachable = True

    info = backend().lookup("staff@district.org", DISTRICT)

    assert info.error == "could not reach the Microsoft sign-in service (ConnectionError)"


def test_a_revoked_token_is_replaced_once(graph, backend, sign_in):
    graph.add_group("staff@district.org", users(3, "district.org"))
    graph_backend = backend()
    graph_backend.lookup("staff@district.org", DISTRICT)
    sign_in.last_token = "revoked"            # Graph no longer accepts the cached token

    info = graph_backend.lookup("staff@district.org", DISTRICT)

    assert info.member_count == 3
    assert len(sign_in.token_posts) == 2


def test_a_certificate_signs_in_with_a_signed_assertion(graph, backend, sign_in, tmp_path, rsa_key_pem,
                                                        certificate_pem):
    graph.add_group("staff@district.org", users(3, "district.org"))
    (tmp_path / "safesend-graph.pem").write_text(rsa_key_pem + certificate_pem)
    reader = ConfigReader({"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                           "certificate_path": "safesend-graph.pem"}, "directory.backends[0]")
    configured = from_config(reader, tmp_path)
    credential = certificate_credential(reader, "safesend-graph.pem", None, tmp_path)
    assert configured._credential == credential
    assert set(credential) == {"private_key", "public_certificate"}

    info = backend(client_credential=credential).lookup("staff@district.org", DISTRICT)

    assert info.member_count == 3, info.error
    post = sign_in.token_posts[0]
    assert post["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assertion = post["client_assertion"]
    assertion = assertion.decode() if isinstance(assertion, bytes) else assertion
    header = json.loads(base64.urlsafe_b64decode(assertion.split(".")[0] + "=="))
    assert "x5t#S256" in header
    assert "client_secret" not in post
    configured.close()


def test_a_certificate_file_without_a_key_is_refused(tmp_path, certificate_pem):
    pem = tmp_path / "cert-only.pem"
    pem.write_text(certificate_pem)

    with pytest.raises(DirectoryConfigError) as caught:
        from_config(ConfigReader({"type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
                                  "certificate_path": str(pem)}, "directory.backends[0]"), None)
    assert caught.value.key == "directory.backends[0].certificate_path"


# ---------------------------------------------------------------------- throttling, timeouts, refusals


def test_throttling_is_retried_after_retry_after(graph, backend):
    graph.add_group("staff@district.org", users(3, "district.org"))
    graph.fail("/transitiveMembers/$count", throttled(2))
    waits: list[float] = []

    info = backend(waits=waits).lookup("staff@district.org", DISTRICT)

    assert info.member_count == 3 and info.error is None
    assert waits == [2.0]


def test_throttling_longer_than_the_budget_gives_up_at_once(graph, backend):
    graph.add_group("staff@district.org", users(3, "district.org"))
    graph.fail("/transitiveMembers/$count", throttled(120))
    waits: list[float] = []

    info = backend(waits=waits, lookup_budget_seconds=10).lookup("staff@district.org", DISTRICT)

    assert info.is_group is True and info.member_count is None
    assert info.error == ("Microsoft Graph is throttling requests and asked to wait 120 s; "
                          "gave up after 1 tries")
    assert waits == []


def test_retries_are_bounded(graph, backend):
    graph.add_group("staff@district.org", users(3, "district.org"))
    busy = Reply(503, {"error": {"code": "serviceNotAvailable", "message": "Service unavailable",
                                 "innerError": _inner_error()}}, {"Retry-After": "1"})
    graph.fail("/v1.0/groups", busy, times=5)
    waits: list[float] = []

    info = backend(waits=waits, max_retries=2).lookup("staff@district.org", DISTRICT)

    assert info.error.startswith("Microsoft Graph is busy (HTTP 503)")
    assert "gave up after 3 tries" in info.error
    assert waits == [1.0, 1.0]


def test_throttled_while_paging_keeps_graphs_count(graph, backend):
    group_id = graph.add_group("all-parents@district.org", users(2000, "gmail.com"))
    graph.fail(f"/v1.0/groups/{group_id}/transitiveMembers", Reply(200, "unused"), times=0)
    graph.fail("/transitiveMembers/$count", Reply(200, "2000", {"Content-Type": "text/plain"}))
    graph.fail(f"/groups/{group_id}/transitiveMembers", throttled(300))

    info = backend(lookup_budget_seconds=5).lookup("all-parents@district.org", DISTRICT)

    assert info.is_group and info.member_count == 2000 and info.external_count is None
    assert "throttling" in info.error and "external members are unknown" in info.error


def test_a_slow_graph_times_out(graph, backend):
    graph.add_group("staff@district.org", users(3, "district.org"))
    graph.fail("/transitiveMembers/$count", Reply(200, "3", delay=3.0))

    started = time.monotonic()
    info = backend(timeout_seconds=0.3).lookup("staff@district.org", DISTRICT)

    assert time.monotonic() - started < 2.0
    assert info.error == "Microsoft Graph did not answer within 0.3 s"


def test_missing_permission_names_the_permission(graph, backend):
    graph.fail("/v1.0/groups", Reply(403, {"error": {"code": "Authorization_RequestDenied",
                                                     "message": "Insufficient privileges to complete the "
                                                                "operation.",
                                                     "innerError": _inner_error()}}))

    info = backend().lookup("staff@district.org", DISTRICT)

    assert info.error == ("Microsoft Graph refused access (HTTP 403 Authorization_RequestDenied: "
                          "Insufficient privileges to complete the operation.); the app needs the "
                          "Microsoft Graph application permission GroupMember.Read.All with admin consent")


def test_an_unreachable_graph_is_an_error(sign_in):
    graph_backend = GraphBackend(tenant_id=TENANT, client_id=CLIENT, client_credential="s3cr3t-value",
                                 http_client=sign_in, graph_base_url="http://127.0.0.1:1/v1.0")

    info = graph_backend.lookup("staff@district.org", DISTRICT)

    assert info.error == "could not connect to Microsoft Graph"


def test_a_next_page_link_to_another_host_is_not_followed(graph, backend):
    group_id = graph.add_group("staff@district.org", users(3, "district.org"))
    graph.fail(f"/groups/{group_id}/transitiveMembers", Reply(200, {
        "value": users(1, "district.org"),
        "@odata.nextLink": "https://evil.example/v1.0/groups/x/transitiveMembers?$skiptoken=1"}))
    graph.faults.insert(0, ("/$count", Reply(200, "3", {"Content-Type": "text/plain"})))

    info = backend().lookup("staff@district.org", DISTRICT)

    assert "next-page link to another host" in info.error


def test_through_the_directory_a_graph_failure_is_recorded_for_the_dashboard(graph, backend, sign_in):
    sign_in.token_error = INVALID_SECRET
    directory = Directory([backend()])
    try:
        info = directory.resolve(["staff@district.org"], DISTRICT, 5.0)["staff@district.org"]
    finally:
        directory.close()

    assert info.is_group is True and info.member_count is None
    (status,) = directory.status()
    assert status.kind == "graph" and status.last_error == info.error and status.last_error_at is not None


def test_the_request_urls_are_the_documented_ones(graph, backend):
    group_id = graph.add_group("staff@district.org", users(1, "district.org"))

    backend().lookup("staff@district.org", DISTRICT)

    count = graph.server.requests[1]
    assert count.path == f"/v1.0/groups/{group_id}/transitiveMembers/$count"
    assert count.headers["ConsistencyLevel"] == "eventual"
    page = graph.server.requests[2]
    assert parse_qs(urlsplit(f"http://x{page.path}?$select={page.param('$select')}").query)["$select"] == \
        ["id,mail,userPrincipalName"]
