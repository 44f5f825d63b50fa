"""What the OpenAPI document promises, one answer at a time (schemathesis explores the rest)."""

from __future__ import annotations

import pytest

from messages import DISTRICT, check_request, parents
from safesend.api.limits import MAX_URI_BYTES


def test_the_document_states_what_a_check_needs(client):
    doc = client.get("/api/openapi.json").json
    schemas = doc["components"]["schemas"]
    request = schemas["CheckRequest"]
    assert request["required"] == ["sender"]
    assert request["properties"]["sender"]["format"] == "email"
    content = schemas["AttachmentIn"]["properties"]["content_base64"]  # a string (or null)
    assert content["contentEncoding"] == "base64" and content["pattern"].startswith("^")
    # A recipient object needs an address or (only that known) a name.
    assert [branch["required"] for branch in schemas["RecipientIn"]["anyOf"]] == [["address"], ["name"]]
    for path, method in (("/api/v1/policy", "put"), ("/api/v1/roster", "put")):
        assert doc["paths"][path][method]["requestBody"]["required"] is True
    responses = doc["paths"]["/api/v1/checks/{check_id}/overrides"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "414", "415", "422"} <= set(responses)
    assert {"415", "422"} <= set(doc["paths"]["/api/v1/policy"]["put"]["responses"])


def test_undeclared_methods_get_405_with_allow(client, auth):
    response = client.open("/api/v1/policy", method="TRACE", headers=auth["it"])
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "PUT"}


def test_a_long_url_gets_a_json_414(client, auth):
    response = client.get("/api/v1/checks?sender=" + "a" * MAX_URI_BYTES, headers=auth["admin"])
    assert response.status_code == 414
    assert response.json["error"]["code"] == "request_uri_too_long"


@pytest.mark.parametrize("body,ctype,status", [
    ({"rules": {"audience_size": {"warn_at": -1}}}, None, 400),  # breaks the schema
    ({"rules": {"audience_size": {"warn_at": "5"}}}, None, 400),  # a string is not a number
    ({"rules": {"audience_size": {"warn_at": 500, "confirm_at": 50}}}, None, 422),  # out of order
    ({"rules": {"audience_size": {"warn_at": 5.0}}}, None, 200),  # JSON's whole number
    ("rules: [unclosed", "application/yaml", 422),
    ("- a list\n", "application/yaml", 422),
    ("rules:\n  audience_size:\n    warn_at: -1\n", "application/yaml", 422),  # YAML: any mapping
    ("rules:\n  audience_size:\n    warn_at: 7\n", "application/yaml", 200),
    ("[1]", "application/json", 400),
    ("warn_at=5", "text/plain", 415),
])
def test_policy_400_for_malformed_422_for_unusable(client, auth, body, ctype, status):
    if ctype is None:
        response = client.put("/api/v1/policy", headers=auth["it"], json=body)
    else:
        response = client.put("/api/v1/policy", headers={**auth["it"], "Content-Type": ctype}, data=body)
    assert response.status_code == status, response.get_data(as_text=True)


def test_a_csv_that_is_not_a_roster_gets_422(client, auth):
    response = client.put("/api/v1/roster", headers={**auth["it"], "Content-Type": "text/csv"},
                          data=b"colour,size\nred,4\n")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_roster"


@pytest.mark.parametrize("query", ["limit=", "limit=+5", "limit=%D9%A5", "offset=99999999999",
                                   "format=xml", "since=2026-01-31T10", "sender=" + "a" * 321])
def test_query_values_outside_the_document_are_400(client, auth, query):
    path = "/api/v1/overrides" if query.startswith("format") else "/api/v1/checks"
    response = client.get(f"{path}?{query}", headers=auth["admin"])
    assert response.status_code == 400, query


def test_ids_outside_the_document_are_404(client, auth):
    assert client.post("/api/v1/checks/not-a-check-id/overrides", headers=auth["client"],
                       json={"justification": "x" * 20}).status_code == 404
    assert client.post(f"/api/v1/overrides/{2**40}/review", headers=auth["admin"],
                       json={"note": ""}).status_code == 404


def test_text_with_nul_is_stored_on_every_database(client, auth):
    """PostgreSQL refuses NUL in text; the API stores U+FFFD instead of answering 500."""
    client.put("/api/v1/policy?comment=a%00b", headers=auth["it"], json={"internal_domains": [DISTRICT]})
    verdict = client.post("/api/v1/checks", headers=auth["client"],
                          json=check_request(to=parents(12), client={"app": "a\x00b", "version": "1"}))
    assert verdict.status_code == 200
    override = client.post(f"/api/v1/checks/{verdict.json['check_id']}/overrides", headers=auth["client"],
                           json={"justification": "Parents asked\x00 to coordinate rides."})
    assert override.status_code == 201, override.json
    assert override.json["justification"] == "Parents asked\ufffd to coordinate rides."
    assert client.get("/api/v1/checks?sender=a%00b", headers=auth["admin"]).status_code == 200
    versions = client.get("/api/v1/policy/versions", headers=auth["it"]).json["items"]
    assert "a\ufffdb" in [v["comment"] for v in versions]


def test_strict_types_in_a_check(client, auth):
    def status(recipient: dict) -> int:
        payload = {**check_request(), "to": [recipient]}
        return client.post("/api/v1/checks", headers=auth["client"], json=payload).status_code

    assert status({"address": "p@gmail.com", "is_group": "yes"}) == 400
    assert status({"address": "list@gmail.com", "is_group": True, "group_size": "40"}) == 400
    assert status({"address": "list@gmail.com", "is_group": True, "group_size": 40.0}) == 200
    assert status({"address": "list@gmail.com", "is_group": True, "group_size": -1}) == 400
