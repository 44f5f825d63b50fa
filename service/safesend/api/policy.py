"""GET/PUT /policy: the tenant's current policy, validated and versioned."""

from __future__ import annotations

import yaml
from flask import current_app, jsonify, request

from ..auth import current_principal, require
from ..policy import PolicyError, parse_policy
from ..sections import validate_sections
from ..store.db import transaction
from ..store.policies import list_versions, save_policy
from . import bp
from .errors import ApiError, error_response
from .json_values import normalized


def _sessions():
    return current_app.extensions["safesend"].sessions


@bp.get("/policy")
@require("policy:read")
def get_policy():
    principal = current_principal()
    with transaction(_sessions()) as session:
        policy = current_app.extensions["safesend"].policy_for(session, principal.tenant_id)
    return jsonify({"version": policy.version, "policy": policy.document()})


@bp.get("/policy/versions")
@require("policy:read")
def get_policy_versions():
    principal = current_principal()
    with transaction(_sessions()) as session:
        rows = list_versions(session, principal.tenant_id)
        items = [{"version": r.version, "created_at": r.created_at.isoformat(),
                  "created_by": r.created_by, "comment": r.comment} for r in rows]
    return jsonify({"items": items})


@bp.put("/policy")
@require("policy:write")
def put_policy():
    principal = current_principal()
    policy = _policy_from_request()
    comment = normalized(request.args.get("comment", ""))[:500]
    with transaction(_sessions()) as session:
        saved = save_policy(session, principal.tenant_id, policy,
                            author=principal.email or principal.subject, comment=comment)
    return jsonify({"version": saved.version, "policy": saved.document()}), 200


def _policy_from_request():
    yaml_types = ("application/yaml", "application/x-yaml", "text/yaml")
    if request.mimetype not in yaml_types and not request.is_json:
        raise ApiError(415, "unsupported_media_type",
                       "Send the policy as application/json or application/yaml.")
    as_yaml = request.mimetype in yaml_types
    try:
        if as_yaml:
            data = _yaml_mapping(request.get_data(as_text=True))
        else:
            data = _json_document()
            if not isinstance(data, dict):
                raise ApiError(400, "invalid_policy", "The policy must be a JSON object.")
        if isinstance(data.get("policy"), dict):
            data = data["policy"]
        policy = parse_policy(normalized(data), strict=True)
        validate_sections(policy, current_app.extensions["safesend"].settings.instance_path)
        return policy
    except PolicyError as exc:
        # JSON: 400 when the document breaks the Policy schema the OpenAPI document gives, 422
        # when it fits but cannot be used (thresholds out of order, a regex that does not
        # compile). YAML is documented as any mapping, so every unusable one is a 422.
        raise _PolicyInvalid(exc, 400 if exc.malformed and not as_yaml else 422) from None


def _yaml_mapping(text: str) -> dict:
    """The YAML document as a mapping; anything else is content that cannot be used (422),
    naming the line of a syntax error when it can."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise ApiError(422, "invalid_policy", f"The body is not valid YAML{line}.") from None
    except RecursionError:
        raise ApiError(422, "invalid_policy", "The YAML document is nested too deeply.") from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_policy", "The YAML document must be a mapping of settings.")
    return data


def _json_document():
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise ApiError(400, "invalid_json", "The request body is nested too deeply.") from None


class _PolicyInvalid(ApiError):
    def __init__(self, exc: PolicyError, status: int):
        key, reason = exc.errors[0]
        super().__init__(status, "invalid_policy", f"{key}: {reason}", key)
        self.errors = exc.errors


@bp.errorhandler(_PolicyInvalid)
def _policy_invalid(exc: _PolicyInvalid):
    response = error_response(exc.status, exc.code, str(exc), exc.field)
    body = response.get_json()
    body["error"]["errors"] = [{"field": k, "message": m} for k, m in exc.errors]
    return jsonify(body), exc.status
