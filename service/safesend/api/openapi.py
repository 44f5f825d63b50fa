"""OpenAPI 3.1 document built from the same pydantic models that validate.

It states what each operation really takes (required fields and their formats, every request
body, every query parameter's range) and every answer it can give, so a client generated from
it, or schemathesis run against it, meets no surprise. 400 means the request is not what this
document describes; 422 means it is, but its content cannot be used (a policy whose thresholds
are out of order, a CSV that is not a roster): no schema can say that in advance.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .. import __version__
from ..actions import ACTIONS
from ..incident.api_models import ScanStartRequest
from ..policy import Policy
from ..schemas import CheckRequest, ErrorOut, OverrideRequest, ReviewRequest, VerdictOut
from .limits import CHECK_ID_PATTERN, MAX_ID, MAX_PAGE, MAX_TEXT_ARG, MAX_URI_BYTES

REF = "#/components/schemas/{model}"
MODELS: tuple[type[BaseModel], ...] = (CheckRequest, VerdictOut, OverrideRequest, ReviewRequest,
                                       ErrorOut, Policy, ScanStartRequest)
JSON = "application/json"


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": {"$ref": REF.format(model="ErrorOut")}}}}


# Answers any operation can give.
COMMON = {"401": _error("Not authenticated: no API key or token, or an unknown one"),
          "403": _error("This role may not do this"),
          "414": _error(f"The URL is longer than {MAX_URI_BYTES} bytes")}
# Answers of operations that read a body.
WITH_BODY = {"400": _error("The request is not what this document describes (the error names the field)"),
             "413": _error("The request is larger than the service's limit"),
             "415": _error("The body is not in one of the content types listed here")}
BAD_QUERY = {"400": _error("A query parameter is out of range or malformed (the error names it)")}


def _json_body(model: str) -> dict:
    return {"required": True, "content": {JSON: {"schema": {"$ref": REF.format(model=model)}}}}


def _ok(model: str | None = None, description: str = "OK", content_type: str = JSON) -> dict:
    schema = {"$ref": REF.format(model=model)} if model else {}
    return {"description": description, "content": {content_type: {"schema": schema} if schema else {}}}


def _empty_or(schema: dict) -> dict:
    """A filter: the value, or empty (no filter), as the API reads it."""
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _list_params() -> list[dict]:
    text = {"type": "string", "maxLength": MAX_TEXT_ARG}
    moment = {"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}
    return [
        _query("sender", text, "Only this sender's checks (empty: all)"),
        _query("rule", text, "Only checks with a finding of this rule (empty: all)"),
        _query("action", {"type": "string", "enum": [*ACTIONS, ""]}, "Only this verdict (empty: all)"),
        _query("since", _empty_or(moment), "From this date (ISO 8601, UTC unless an offset is given)"),
        _query("until", _empty_or(moment), "Up to this date-time, or the end of this day"),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 50}, "Page size"),
        _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0},
               "Items to skip"),
    ]


def _path_param(name: str, schema: dict) -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": schema}]


def _policy_body() -> dict:
    policy = {"$ref": REF.format(model="Policy")}
    # The document itself, or {"policy": ...} as GET /policy returns it; YAML holds the same.
    document = {"anyOf": [policy, {"type": "object", "required": ["policy"],
                                   "properties": {"policy": policy}}]}
    # YAML (also as application/x-yaml or text/yaml): any mapping is well formed, and one that
    # is not a usable policy (the Policy schema above) is refused with 422, naming each key.
    yaml_mapping = {"type": "object", "description": "The same document (or {policy: ...}) in YAML"}
    return {"required": True, "content": {JSON: {"schema": document},
                                          "application/yaml": {"schema": yaml_mapping}}}


def _roster_body() -> dict:
    csv = {"type": "string", "minLength": 1,
           "description": "The SIS export as CSV: a header row, then one row per student"}
    return {"required": True, "content": {
        "text/csv": {"schema": csv},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary", "minLength": 1}}}}}}


def _paths() -> dict:
    secured = [{"bearer": []}]

    def op(summary: str, responses: dict, **extra) -> dict:
        return {"summary": summary, "security": secured, "responses": {**responses, **COMMON}, **extra}

    override_id = _path_param("override_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID})
    check_id = _path_param("check_id", {"type": "string", "pattern": CHECK_ID_PATTERN})
    return {
        "/api/v1/checks": {
            "post": op("Check an outgoing message",
                       {"200": _ok("VerdictOut", "The verdict"), **WITH_BODY},
                       requestBody=_json_body("CheckRequest")),
            "get": op("List checks (reviewers)", {"200": _ok(), **BAD_QUERY}, parameters=_list_params()),
        },
        "/api/v1/checks/{check_id}/overrides": {
            "post": op("Record a justified override",
                       {"201": _ok(None, "The stored override"), **WITH_BODY,
                        "404": _error("No such check"),
                        "409": _error("This check cannot be overridden, or already was"),
                        "422": _error("The justification is missing or too short for the policy")},
                       parameters=check_id, requestBody=_json_body("OverrideRequest")),
        },
        "/api/v1/overrides": {
            "get": op("List overrides (administrators); format=csv for CSV",
                      {"200": {"description": "The overrides", "content": {JSON: {}, "text/csv": {}}},
                       **BAD_QUERY},
                      parameters=[*_list_params(),
                                  _query("format", {"type": "string", "enum": ["json", "csv", ""]},
                                         "csv for a spreadsheet (empty: JSON)")]),
        },
        "/api/v1/overrides/{override_id}/review": {
            "post": op("Mark an override reviewed",
                       {"200": _ok(), **WITH_BODY, "404": _error("No such override")},
                       parameters=override_id, requestBody=_json_body("ReviewRequest")),
        },
        "/api/v1/policy": {
            "get": op("The current policy", {"200": _ok()}),
            "put": op("Save a new policy version (JSON or YAML)",
                      {"200": _ok(), **WITH_BODY,
                       "422": _error("The policy cannot be used (the error names each bad key)")},
                      parameters=[_query("comment", {"type": "string"},
                                         "Why it changed, for the version history (first 500 characters)")],
                      requestBody=_policy_body()),
        },
        "/api/v1/policy/versions": {"get": op("Policy versions", {"200": _ok()})},
        "/api/v1/roster": {
            "get": op("Summary of the imported roster (counts only)", {"200": _ok()}),
            "put": op("Import the SIS export (text/csv or multipart 'file'); "
                      "query map.<field>=<header> names unrecognized columns",
                      {"200": _ok(), **WITH_BODY,
                       "409": _error("The import would shrink the roster: send replace=true"),
                       "422": _error("The file is not a roster SafeSend can read (the error says why)")},
                      parameters=[_query(
                          "replace", {"type": "string", "enum": ["true"]},
                          "Confirm a replacement that would leave more than 10% fewer students, or "
                          "fewer students with a plan, than the current roster. Without it such an "
                          "import is refused (409 roster_would_shrink, with the counts before and "
                          "after) and nothing changes.")],
                      requestBody=_roster_body()),
            "delete": op("Remove the roster (it stays restorable)", {"200": _ok()}),
        },
        "/api/v1/roster/restore": {
            "post": op("Bring back the roster the last import or removal replaced",
                       {"200": _ok(), "404": _error("No previous roster")}),
        },
        # Incident response: sent-mail scans.
        "/api/v1/scans": {
            "post": op("Start a sent-mail scan (administrators); its jobs go to the workers",
                       {"202": _ok(None, "The scan, queued"), **WITH_BODY,
                        "422": _error("The scan cannot start: no such export in the exports folder, "
                                      "no mailboxes for an API source, or until before since")},
                       requestBody=_json_body("ScanStartRequest")),
            "get": op("Recent scans and their progress (auditors: counts only)", {"200": _ok()}),
        },
        "/api/v1/scans/{scan_id}": {
            "get": op("A scan's progress per mailbox and its flagged messages, worst first "
                      "(auditors: counts only)",
                      {"200": _ok(), **BAD_QUERY, "404": _error("No such scan")},
                      parameters=[*_path_param("scan_id", {"type": "string", "maxLength": 64}),
                                  _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                                         "Flagged messages to skip")]),
        },
        "/api/v1/client-config": {
            "get": op("What the add-ins need: fail mode, timeout, attachment size cap", {"200": _ok()}),
        },
        "/api/v1/healthz": {"get": {"summary": "Health", "responses": {
            "200": _ok(), "503": _ok(None, "The database is unreachable"), "414": COMMON["414"]}}},
    }


def _components() -> dict:
    _, schemas = models_json_schema([(m, "validation") for m in MODELS], ref_template=REF)
    components = schemas["$defs"]
    # The service numbers policy versions itself: a `version` key is accepted and ignored.
    components["Policy"]["properties"]["version"] = {
        "description": "Ignored: the service numbers the versions it saves"}
    # The length a justification needs is each district's policy (overrides.justification_min_length);
    # a shorter one is refused with 422.
    components["OverrideRequest"]["required"] = ["justification"]
    return components


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "SafeSend rules service", "version": __version__},
        "paths": _paths(),
        "components": {"schemas": _components(),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
