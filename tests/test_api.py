"""The JSON API end to end, on SQLite and on PostgreSQL."""

import base64

import pytest

from messages import DISTRICT, check_request, parents

POLICY = {"internal_domains": [DISTRICT]}


@pytest.fixture
def configured(client, auth):
    response = client.put("/api/v1/policy", json=POLICY, headers=auth["it"])
    assert response.status_code == 200, response.json
    return client


def test_health_needs_no_auth(client):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    assert client.get("/api/v1/healthz").status_code == 200


def test_check_override_review_round_trip(configured, auth):
    client = configured
    verdict = client.post("/api/v1/checks", headers=auth["client"],
                          json=check_request(to=parents(40), subject="504 plan meetings")).json
    assert verdict["action"] == "confirm"
    assert verdict["policy_version"] == 1
    assert verdict["findings"][0]["rule"] == "visible_recipients"
    check_id = verdict["check_id"]

    missing = client.post(f"/api/v1/checks/{check_id}/overrides", headers=auth["client"],
                          json={"justification": "  "})
    assert missing.status_code == 422
    assert missing.json["error"]["field"] == "justification"

    made = client.post(f"/api/v1/checks/{check_id}/overrides", headers=auth["client"],
                       json={"justification": "Parents asked to coordinate rides together."})
    assert made.status_code == 201
    assert made.json["sender"] == "teacher@district.example.org"

    again = client.post(f"/api/v1/checks/{check_id}/overrides", headers=auth["client"],
                        json={"justification": "Parents asked to coordinate rides together."})
    assert again.status_code == 409

    listed = client.get("/api/v1/overrides", headers=auth["admin"]).json
    assert listed["total"] == 1
    item = listed["items"][0]
    assert item["check_id"] == check_id and item["rules"] == ["visible_recipients"]
    assert item["visible_recipients"] == 40

    reviewed = client.post(f"/api/v1/overrides/{item['id']}/review", headers=auth["admin"],
                           json={"note": "Talked to the teacher."})
    assert reviewed.json["reviewed_by"] and reviewed.json["review_note"] == "Talked to the teacher."

    csv = client.get("/api/v1/overrides?format=csv", headers=auth["admin"])
    assert csv.mimetype == "text/csv"
    assert "Parents asked to coordinate rides together." in csv.get_data(as_text=True)


def test_block_cannot_be_overridden_and_allow_has_nothing_to_override(configured, auth):
    client = configured
    policy = {**POLICY, "rules": {"visible_recipients": {"warn_at": 5, "block_at": 30}}}
    client.put("/api/v1/policy", json=policy, headers=auth["it"])
    blocked = client.post("/api/v1/checks", headers=auth["client"],
                          json=check_request(to=parents(40))).json
    assert blocked["action"] == "block"
    refused = client.post(f"/api/v1/checks/{blocked['check_id']}/overrides",
                          headers=auth["client"], json={"justification": "I really must send it"})
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "override_not_allowed"
    allowed = client.post("/api/v1/checks", headers=auth["client"],
                          json=check_request(to=parents(1))).json
    assert allowed["action"] == "allow"
    nothing = client.post(f"/api/v1/checks/{allowed['check_id']}/overrides",
                          headers=auth["client"], json={"justification": "x" * 20})
    assert nothing.status_code == 409


def test_warn_override_needs_no_justification(configured, auth):
    verdict = configured.post("/api/v1/checks", headers=auth["client"],
                              json=check_request(to=parents(12))).json
    assert verdict["action"] == "warn"
    made = configured.post(f"/api/v1/checks/{verdict['check_id']}/overrides",
                           headers=auth["client"], json={})
    assert made.status_code == 201


def test_list_filters_and_paging(configured, auth):
    client = configured
    for count in (1, 12, 40):
        client.post("/api/v1/checks", headers=auth["client"],
                    json=check_request(to=parents(count), subject="IEP" if count == 40 else "Trip"))
    everything = client.get("/api/v1/checks", headers=auth["admin"]).json
    assert everything["total"] == 3
    assert client.get("/api/v1/checks?action=confirm", headers=auth["admin"]).json["total"] == 1
    assert client.get("/api/v1/checks?rule=visible_recipients",
                      headers=auth["admin"]).json["total"] == 2
    assert client.get("/api/v1/checks?sender=Teacher@district.example.org",
                      headers=auth["admin"]).json["total"] == 3
    assert client.get("/api/v1/checks?sender=other@x.org", headers=auth["admin"]).json["total"] == 0
    page = client.get("/api/v1/checks?limit=2&offset=2", headers=auth["admin"]).json
    assert len(page["items"]) == 1 and page["total"] == 3
    assert client.get("/api/v1/checks?since=2000-01-01&until=2999-01-01",
                      headers=auth["admin"]).json["total"] == 3
    assert client.get("/api/v1/checks?until=2000-01-01", headers=auth["admin"]).json["total"] == 0
    for bad in ("limit=0", "limit=x", "offset=-1", "action=maybe", "since=yesterday"):
        response = client.get(f"/api/v1/checks?{bad}", headers=auth["admin"])
        assert response.status_code == 400, bad
        assert response.json["error"]["field"] == bad.split("=")[0]


def test_check_records_hold_no_content(configured, auth, app):
    secret_words = "Zanzibar-Quokka"
    configured.post("/api/v1/checks", headers=auth["client"],
                    json=check_request(to=parents(40), subject=secret_words, body=secret_words))
    from sqlalchemy import text

    with app.extensions["safesend"].engine.connect() as conn:
        for table in ("checks", "check_findings"):
            rows = conn.execute(text(f"SELECT * FROM {table}")).fetchall()
            assert rows and secret_words not in repr(rows)


def test_policy_versions_and_validation(configured, auth):
    client = configured
    bad = client.put("/api/v1/policy", headers=auth["it"],
                     json={"rules": {"audience_size": {"warn_at": -1}}})
    assert bad.status_code == 400
    assert bad.json["error"]["field"] == "rules.audience_size.warn_at"
    yaml_put = client.put("/api/v1/policy?comment=lower", headers={
        **auth["it"], "Content-Type": "application/yaml"},
        data="internal_domains: [district.example.org]\nrules:\n  audience_size:\n    warn_at: 50\n")
    assert yaml_put.json["version"] == 2
    current = client.get("/api/v1/policy", headers=auth["admin"]).json
    assert current["version"] == 2
    assert current["policy"]["rules"]["audience_size"]["warn_at"] == 50
    versions = client.get("/api/v1/policy/versions", headers=auth["it"]).json["items"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["comment"] == "lower" and versions[0]["created_by"].startswith("key:")


@pytest.mark.parametrize("role,method,path,allowed", [
    ("client", "get", "/api/v1/overrides", False),
    ("client", "get", "/api/v1/checks", False),
    ("client", "get", "/api/v1/policy", False),
    ("client", "put", "/api/v1/policy", False),
    ("auditor", "put", "/api/v1/policy", False),
    ("auditor", "post", "/api/v1/checks", False),
    ("auditor", "get", "/api/v1/overrides", True),
    ("admin", "put", "/api/v1/policy", False),
    ("admin", "get", "/api/v1/overrides", True),
    ("it", "get", "/api/v1/overrides", False),
    ("it", "put", "/api/v1/policy", True),
])
def test_roles(client, auth, role, method, path, allowed):
    kwargs = {"json": POLICY} if method == "put" else {}
    if method == "post":
        kwargs = {"json": check_request(to=parents(1))}
    response = getattr(client, method)(path, headers=auth[role], **kwargs)
    if allowed:
        assert response.status_code in (200, 201)
    else:
        assert response.status_code == 403
        assert response.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer ss_not-a-key"},
                                     {"Authorization": "Basic abc"},
                                     {"Authorization": "Bearer eyJhbGciOi.fake.token"}])
def test_every_route_needs_authentication(client, headers):
    for method, path in (("post", "/api/v1/checks"), ("get", "/api/v1/checks"),
                         ("get", "/api/v1/overrides"), ("get", "/api/v1/policy"),
                         ("put", "/api/v1/policy"), ("post", "/api/v1/checks/x/overrides"),
                         ("post", "/api/v1/overrides/1/review")):
        response = getattr(client, method)(path, headers=headers, json={})
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_is_refused(app, client, make_key):
    from safesend.store.apikeys import find_active_key, revoke_key
    from safesend.store.db import transaction

    key = make_key("admin")
    with transaction(app.extensions["safesend"].sessions) as session:
        revoke_key(session, "default", find_active_key(session, key).id)
    assert client.get("/api/v1/checks", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_tenants_see_only_their_own_data(client, auth, make_key):
    other = {"Authorization": f"Bearer {make_key('admin', tenant='other-district')}"}
    other_client = {"Authorization": f"Bearer {make_key('client', tenant='other-district')}"}
    mine = client.post("/api/v1/checks", headers=auth["client"],
                       json=check_request(to=parents(12))).json
    assert client.get("/api/v1/checks", headers=other).json["total"] == 0
    stolen = client.post(f"/api/v1/checks/{mine['check_id']}/overrides", headers=other_client,
                         json={"justification": "not my tenant at all"})
    assert stolen.status_code == 404
    client.put("/api/v1/policy", headers=auth["it"], json=POLICY)
    assert client.get("/api/v1/policy", headers=other).json["version"] == 0


def test_openapi_document(client):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert "CheckRequest" in doc["components"]["schemas"]
    assert {"/api/v1/checks", "/api/v1/roster", "/api/v1/client-config"} <= set(doc["paths"])
    required = doc["components"]["schemas"]["CheckRequest"]["required"]
    assert required == ["sender"]


BAD_REQUESTS = [
    ("not json", "text/plain", 415, None),
    ("[1, 2]", "application/json", 400, None),
    ("{broken", "application/json", 400, None),
    ("[" * 50000 + "]" * 50000, "application/json", 400, None),
    ({"to": []}, None, 400, "sender"),
    ({"sender": 42}, None, 400, "sender"),
    ({"sender": "not-an-address@"}, None, 400, "sender"),
    ({"sender": "t@x.org", "to": "parent@gmail.com"}, None, 400, "to"),
    ({"sender": "t@x.org", "to": [{"address": "bad@@x"}]}, None, 400, "to.0.address"),
    ({"sender": "t@x.org", "to": [{"address": 7}]}, None, 400, None),
    ({"sender": "t@x.org", "to": [{}]}, None, 400, "to.0"),
    ({"sender": "t@x.org", "to": [{"address": "a@b.org", "group_size": -5}]}, None, 400, None),
    ({"sender": "t@x.org", "body": "text"}, None, 400, "body"),
    ({"sender": "t@x.org", "attachments": [{"name": "a.txt", "content_base64": "%%%"}]}, None,
     400, "attachments.0.content_base64"),
    ({"sender": "t@x.org", "attachments": [{"content_base64": "YQ=="}]}, None, 400, None),
    ({"sender": "t@x.org", "subject": ["x"]}, None, 400, "subject"),
]


@pytest.mark.parametrize("payload,ctype,status,field", BAD_REQUESTS)
def test_malformed_requests_get_json_4xx(client, auth, payload, ctype, status, field):
    if ctype is None:
        response = client.post("/api/v1/checks", headers=auth["client"], json=payload)
    else:
        response = client.post("/api/v1/checks", headers={**auth["client"], "Content-Type": ctype},
                               data=payload)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.json["error"]
    assert error["message"]
    if field:
        assert error["field"] == field


def test_too_many_recipients(client, auth):
    payload = check_request(bcc=[f"p{i}@gmail.com" for i in range(10_001)])
    response = client.post("/api/v1/checks", headers=auth["client"], json=payload)
    assert response.status_code == 400 and "10000" in response.json["error"]["message"]


def test_oversize_body_gets_413_with_the_limit(client, auth):
    body = b'{"sender": "t@x.org", "subject": "' + b"a" * (50 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/checks", headers={**auth["client"],
                           "Content-Type": "application/json"}, data=body)
    assert response.status_code == 413
    assert "40 MB" in response.json["error"]["message"]


def test_unknown_routes_and_methods_are_json(client, auth):
    assert client.get("/api/v1/nope", headers=auth["admin"]).json["error"]["code"] == "not_found"
    assert client.delete("/api/v1/checks", headers=auth["admin"]).status_code == 405


def test_attachment_round_trip_is_accepted(client, auth):
    payload = check_request(to=parents(1))
    payload["attachments"] = [{"name": "note.txt", "content_type": "text/plain",
                               "content_base64": base64.b64encode(b"hello").decode()},
                              {"name": "cloud.docx", "content_type": "application/octet-stream"}]
    response = client.post("/api/v1/checks", headers=auth["client"], json=payload)
    assert response.status_code == 200


def test_cors_for_configured_origins(make_app):
    app = make_app(cors_origins="https://addin.example.org")
    response = app.test_client().options("/api/v1/checks", headers={
        "Origin": "https://addin.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://addin.example.org"
    other = app.test_client().options("/api/v1/checks", headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_every_api_route_is_in_the_openapi_document(app, client):
    import re

    documented = client.get("/api/openapi.json").json["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in documented, f"{path} is served but not documented"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in documented[path], f"{method} {path} is not documented"
