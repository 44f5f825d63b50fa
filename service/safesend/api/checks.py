"""POST /checks, overrides, and the reviewers' lists."""

from __future__ import annotations

from flask import Response, current_app, g, jsonify, request

from ..auth import current_principal, require
from ..checking import prepare_check, run_check
from ..gate.stamp import stamp_key
from ..identity import ensure_may_check_as, ensure_owns_check
from ..schemas import CheckRequest, OverrideRequest, RequestError, ReviewRequest, to_message
from ..store import check_log
from ..store import checks as check_store
from ..store import overrides as override_store
from ..store.db import transaction
from . import bp
from .errors import ApiError
from .limits import MAX_ID, is_check_id
from .requests import check_filter, json_body, paging


def _services():
    return current_app.extensions["safesend"]


@bp.post("/checks")
@require("check")
def create_check():
    payload = json_body(CheckRequest)
    principal = current_principal()
    policy, context = prepare_check(_services(), principal.tenant_id)
    try:
        message = to_message(payload, policy.limits.max_recipients)
    except RequestError as exc:
        raise ApiError(400, "invalid_request", str(exc), exc.field) from None
    # A user token checks only its own messages (API keys: any sender).
    ensure_may_check_as(principal, message.sender)
    # Evaluated outside any transaction, then recorded (see checking.py).
    # Mail-flow gate (issue 14): the add-in sets the verdict's stamp so the gate does not check again.
    verdict = run_check(_services(), principal, message, policy, context,
                        stamp_key=stamp_key(_services().settings.secret_key))
    g.safesend_check = verdict.check_id
    return jsonify(verdict.to_json()), 200


@bp.post("/checks/<check_id>/overrides")
@require("override")
def create_override(check_id: str):
    payload = json_body(OverrideRequest)
    principal = current_principal()
    with transaction(_services().sessions) as session:
        check = (check_store.get_check(session, principal.tenant_id, check_id)
                 if is_check_id(check_id) else None)
        if check is None:
            raise ApiError(404, "not_found", "No such check.")
        # A user token overrides only its own checks (API keys: any).
        ensure_owns_check(principal, check.sender)
        policy = _services().policy_for(session, principal.tenant_id)
        actor = principal.email or check.sender
        try:
            row = override_store.record_override(session, check, actor, payload.justification,
                                                 policy)
        except override_store.OverrideRefused as exc:
            raise ApiError(exc.status, exc.code, str(exc), exc.field) from None
        body = override_store.override_json(row)
    return jsonify(body), 201


@bp.get("/checks")
@require("checks:read")
def list_checks():
    principal = current_principal()
    limit, offset = paging()
    with transaction(_services().sessions) as session:
        rows, total = check_log.page_of(session, principal.tenant_id, check_filter(), limit, offset,
                                        everything=True)
        items = [override_store.check_json(r) for r in rows]
    return jsonify({"items": items, "total": total, "limit": limit, "offset": offset})


@bp.get("/overrides")
@require("overrides:read")
def list_overrides():
    principal = current_principal()
    output = request.args.get("format") or "json"
    if output not in ("json", "csv"):
        raise ApiError(400, "invalid_parameter", "format must be json or csv", "format")
    limit, offset = paging()
    with transaction(_services().sessions) as session:
        rows, total = check_log.overrides(session, principal.tenant_id, check_filter(), limit, offset)
        items = [override_store.override_json(r.override) for r in rows]
        if output == "csv":
            text = check_log.csv_text(rows)
            # Audit trail: an export of the override log (the JSON list is the API's paging).
            override_store.record_export(session, principal.tenant_id,
                                         principal.email or principal.subject, "api", "csv",
                                         len(items), {k: v for k, v in request.args.items()
                                                      if k != "format"})
    if output == "csv":
        return Response(text, mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=overrides.csv"})
    return jsonify({"items": items, "total": total, "limit": limit, "offset": offset})


@bp.post("/overrides/<int:override_id>/review")
@require("review")
def review_override(override_id: int):
    payload = json_body(ReviewRequest)
    principal = current_principal()
    if override_id > MAX_ID:
        raise ApiError(404, "not_found", "No such override.")
    with transaction(_services().sessions) as session:
        row = override_store.mark_reviewed(session, principal.tenant_id, override_id,
                                           principal.email or principal.subject, payload.note)
        if row is None:
            raise ApiError(404, "not_found", "No such override.")
        body = override_store.override_json(row)
    return jsonify(body)

