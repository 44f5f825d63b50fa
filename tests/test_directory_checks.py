"""Directory look-ups through a real check: list sizes, external members, slow directories."""

import time

from directory.directory_fakes import Reply, Responder

from messages import DISTRICT, check_request, parents

LISTS = {"backends": [{"type": "static", "lists": [
    {"address": f"all-parents@{DISTRICT}", "members": 2000, "external": 1900},
    {"address": f"team@{DISTRICT}", "members": [f"a@{DISTRICT}", f"b@{DISTRICT}"]},
]}]}


def put_policy(client, auth, directory):
    response = client.put("/api/v1/policy", headers=auth["it"],
                          json={"internal_domains": [DISTRICT], "directory": directory})
    assert response.status_code == 200, response.json


def findings(verdict):
    return {f["rule"]: f for f in verdict["findings"]}


def test_a_list_of_2000_is_judged_as_2000(client, auth):
    put_policy(client, auth, LISTS)
    verdict = client.post("/api/v1/checks", headers=auth["client"],
                          json=check_request(to=[f"all-parents@{DISTRICT}"])).json
    found = findings(verdict)
    assert found["audience_size"]["count"] == 2000
    assert found["audience_size"]["action"] == "confirm"
    assert found["visible_recipients"]["count"] == 1900
    assert "can reply to everyone" in found["visible_recipients"]["title"]


def test_external_members_count_for_external_recipients(client, auth):
    directory = {"backends": [{"type": "static", "lists": [
        {"address": f"pta@{DISTRICT}", "members": ["chair@gmail.com", f"t@{DISTRICT}"]}]}]}
    response = client.put("/api/v1/policy", headers=auth["it"], json={
        "internal_domains": [DISTRICT], "directory": directory,
        "rules": {"external_recipients": {"enabled": True}}})
    assert response.status_code == 200
    verdict = client.post("/api/v1/checks", headers=auth["client"],
                          json=check_request(to=[f"pta@{DISTRICT}"])).json
    assert findings(verdict)["external_recipients"]["count"] == 1


def test_a_bad_directory_section_is_refused_with_its_key(client, auth):
    response = client.put("/api/v1/policy", headers=auth["it"], json={
        "internal_domains": [DISTRICT], "directory": {"backends": [{"type": "ldap"}]}})
    assert response.status_code == 422
    assert response.json["error"]["field"] == "directory.backends[0].type"


def test_a_directory_that_takes_10_seconds_does_not_hold_the_check(client, auth, monkeypatch):
    slow = Responder(lambda request: Reply(200, b"", delay=10.0))
    monkeypatch.setenv("SAFESEND_TEST_EWS_PASSWORD", "not-a-real-password")
    try:
        put_policy(client, auth, {"budget_seconds": 0.5, "backends": [{
            "type": "ews", "service_endpoint": f"{slow.url}/EWS/Exchange.asmx",
            "auth_type": "basic", "username": "svc", "password_env": "SAFESEND_TEST_EWS_PASSWORD",
            "version": "Exchange2016"}]})
        started = time.monotonic()
        verdict = client.post("/api/v1/checks", headers=auth["client"],
                              json=check_request(to=[f"all-parents@{DISTRICT}"],
                                                 bcc=parents(3))).json
        elapsed = time.monotonic() - started
    finally:
        slow.close()
    assert elapsed < 5, f"the check waited {elapsed:.1f} s on the directory"
    audience = findings(verdict)["audience_size"]
    assert "unknown" in audience["detail"] and "did not answer in time" in audience["detail"]
    assert audience["title"].startswith("This message goes to at least")
