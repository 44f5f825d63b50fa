"""OpenAPI 3.1 document built from the same pydantic models that validate."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .. import __version__
from ..incident.api_models import ScanStartRequest
from ..schemas import CheckRequest, ErrorOut, OverrideRequest, ReviewRequest, VerdictOut

REF = "#/components/schemas/{model}"
MODELS: tuple[type[BaseModel], ...] = (CheckRequest, VerdictOut, OverrideRequest, ReviewRequest,
                                       ErrorOut, ScanStartRequest)
ERRORS = {str(code): {"description": text, "content": {"application/json": {
    "schema": {"$ref": REF.format(model="ErrorOut")}}}}
    for code, text in ((400, "Invalid request"), (401, "Not authenticated"),
                       (403, "Role not allowed"), (413, "Request too large"))}


def _body(model: str) -> dict:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": REF.format(model=model)}}}}


def _ok(model: str | None, description: str = "OK") -> dict:
    if model is None:
        return {"description": description, "content": {"application/json": {}}}
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": REF.format(model=model)}}}}


def _list_params() -> list[dict]:
    names = {"sender": "string", "rule": "string", "action": "string", "since": "string",
             "until": "string", "limit": "integer", "offset": "integer"}
    return [{"name": n, "in": "query", "required": False, "schema": {"type": t}}
            for n, t in names.items()]


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    _, schemas = models_json_schema([(m, "validation") for m in MODELS], ref_template=REF)
    secured = [{"bearer": []}]
    paths = {
        "/api/v1/checks": {
            "post": {"summary": "Check an outgoing message", "security": secured,
                     "requestBody": _body("CheckRequest"),
                     "responses": {"200": _ok("VerdictOut", "The verdict"), **ERRORS}},
            "get": {"summary": "List checks (reviewers)", "security": secured,
                    "parameters": _list_params(), "responses": {"200": _ok(None), **ERRORS}},
        },
        "/api/v1/checks/{check_id}/overrides": {
            "post": {"summary": "Record a justified override", "security": secured,
                     "parameters": [{"name": "check_id", "in": "path", "required": True,
                                     "schema": {"type": "string"}}],
                     "requestBody": _body("OverrideRequest"),
                     "responses": {"201": _ok(None, "The stored override"), **ERRORS,
                                   "404": ERRORS["400"] | {"description": "No such check"},
                                   "409": ERRORS["400"] | {"description": "Not overridable"},
                                   "422": ERRORS["400"] | {"description": "Justification missing"}}},
        },
        "/api/v1/overrides": {
            "get": {"summary": "List overrides (administrators); format=csv for CSV",
                    "security": secured, "parameters": _list_params(),
                    "responses": {"200": _ok(None), **ERRORS}},
        },
        "/api/v1/overrides/{override_id}/review": {
            "post": {"summary": "Mark an override reviewed", "security": secured,
                     "parameters": [{"name": "override_id", "in": "path", "required": True,
                                     "schema": {"type": "integer"}}],
                     "requestBody": _body("ReviewRequest"),
                     "responses": {"200": _ok(None), **ERRORS}},
        },
        "/api/v1/policy": {
            "get": {"summary": "The current policy", "security": secured,
                    "responses": {"200": _ok(None), **ERRORS}},
            "put": {"summary": "Save a new policy version (JSON or YAML)", "security": secured,
                    "responses": {"200": _ok(None), **ERRORS}},
        },
        "/api/v1/policy/versions": {
            "get": {"summary": "Policy versions", "security": secured,
                    "responses": {"200": _ok(None), **ERRORS}},
        },
        "/api/v1/roster": {
            "get": {"summary": "Summary of the imported roster (counts only)", "security": secured,
                    "responses": {"200": _ok(None), **ERRORS}},
            "put": {"summary": "Import the SIS export (text/csv or multipart 'file'); "
                               "query map.<field>=<header> names unrecognized columns",
                    "security": secured,
                    "parameters": [{
                        "name": "replace", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": ["true"]},
                        "description": "Confirm a replacement that would leave more than 10% "
                                       "fewer students, or fewer students with a plan, than the "
                                       "current roster. Without it such an import is refused "
                                       "(409 roster_would_shrink, with the counts before and "
                                       "after) and nothing changes."}],
                    "responses": {"200": _ok(None), **ERRORS,
                                  "409": ERRORS["400"] | {
                                      "description": "Would shrink the roster: send replace=true"}}},
            "delete": {"summary": "Remove the roster (it stays restorable)", "security": secured,
                       "responses": {"200": _ok(None), **ERRORS}},
        },
        "/api/v1/roster/restore": {
            "post": {"summary": "Bring back the roster the last import or removal replaced",
                     "security": secured,
                     "responses": {"200": _ok(None), **ERRORS,
                                   "404": ERRORS["400"] | {"description": "No previous roster"}}},
        },
        "/api/v1/client-config": {
            "get": {"summary": "What the add-ins need: fail mode, timeout, attachment size cap",
                    "security": secured, "responses": {"200": _ok(None), **ERRORS}},
        },
        # Incident response (issue 12): sent-mail scans.
        "/api/v1/scans": {
            "post": {"summary": "Start a sent-mail scan (administrators); its jobs go to the workers",
                     "security": secured, "requestBody": _body("ScanStartRequest"),
                     "responses": {"202": _ok(None, "The scan, queued"), **ERRORS}},
            "get": {"summary": "Recent scans and their progress (auditors: counts only)",
                    "security": secured, "responses": {"200": _ok(None), **ERRORS}},
        },
        "/api/v1/scans/{scan_id}": {
            "get": {"summary": "A scan's progress per mailbox and its flagged messages, worst first "
                               "(auditors: counts only)", "security": secured,
                    "parameters": [{"name": "scan_id", "in": "path", "required": True,
                                    "schema": {"type": "string"}},
                                   {"name": "offset", "in": "query", "required": False,
                                    "schema": {"type": "integer"}}],
                    "responses": {"200": _ok(None), **ERRORS,
                                  "404": ERRORS["400"] | {"description": "No such scan"}}},
        },
        "/api/v1/healthz": {"get": {"summary": "Health", "responses": {"200": _ok(None)}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "SafeSend rules service", "version": __version__},
        "paths": paths,
        "components": {"schemas": schemas["$defs"],
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
