"""Request bodies are read in one pass (api/requests.py): whole floats become
ints while parsing, and only a body that can hold a NUL is walked for one,
including a UTF-16 or UTF-32 body, whose NULs are not written as \\u0000."""

from __future__ import annotations

import json

import pytest

from messages import check_request, parents


def _post(client, headers, path, payload, encoding="utf-8"):
    return client.post(path, headers={**headers, "Content-Type": "application/json"},
                       data=json.dumps(payload, ensure_ascii=False).encode(encoding))


def test_a_whole_float_is_an_integer_and_a_fraction_is_refused(client, auth):
    payload = check_request(to=parents(3))
    payload["to"].append({"address": "", "name": "Grade 4 families", "is_group": True,
                          "group_size": 145.0})
    assert _post(client, auth["client"], "/api/v1/checks", payload).status_code == 200
    payload["to"][-1]["group_size"] = 145.5
    refused = _post(client, auth["client"], "/api/v1/checks", payload)
    assert refused.status_code == 400 and refused.json["error"]["field"].endswith("group_size")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32-le"])
def test_a_nul_becomes_the_replacement_character_in_every_encoding(client, auth, encoding):
    check = _post(client, auth["client"], "/api/v1/checks", check_request(to=parents(12)), encoding)
    assert check.status_code == 200, check.json
    override = _post(client, auth["client"], f"/api/v1/checks/{check.json['check_id']}/overrides",
                     {"justification": "Parents asked\x00 to coordinate rides."}, encoding)
    assert override.status_code == 201, override.json
    assert override.json["justification"] == "Parents asked\ufffd to coordinate rides."


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,                           # too deep for the parser
    b'{"a": ' + b"[" * 900 + b'"\\u0000"' + b"]" * 900 + b"}",   # parsed, too deep to walk for NULs
])
def test_a_body_nested_too_deeply_is_400(client, auth, body):
    response = client.post("/api/v1/checks", headers={**auth["client"], "Content-Type": "application/json"},
                           data=body)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe{", b"null", b'"text"', b"[1]"])
def test_a_body_that_is_not_a_json_object_is_400(client, auth, body):
    response = client.post("/api/v1/checks", headers={**auth["client"], "Content-Type": "application/json"},
                           data=body)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"
