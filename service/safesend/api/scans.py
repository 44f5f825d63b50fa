"""Sent-mail scans (incident response): administrators start them and see
what they flagged; auditors see counts only; add-in (client) keys get nothing."""

from __future__ import annotations

from flask import current_app, jsonify, request
from pydantic import ValidationError

from ..auth import current_principal, require
from ..incident.api_models import ScanStartRequest
from ..incident.jobs import live_workers
from ..incident.progress import flagged_json, list_scans, load_progress, worst_first
from ..incident.start import ScanRefused, start_scan
from ..store.db import transaction
from . import bp
from .errors import ApiError, validation_error

FLAGGED_PAGE = 500


@bp.post("/scans")
@require("scans:run")
def post_scan():
    principal = current_principal()
    try:
        body = ScanStartRequest.model_validate(request.get_json(silent=True) or {})
    except ValidationError as exc:
        raise validation_error(exc) from None
    services = current_app.extensions["safesend"]
    try:
        scan = start_scan(services, principal.tenant_id, body, actor=principal.email or principal.subject)
    except ScanRefused as exc:
        # The request is well formed but cannot be carried out (no such export, no mailboxes).
        raise ApiError(422, "invalid_request", str(exc), exc.field) from None
    with transaction(services.sessions) as session:
        progress = load_progress(session, principal.tenant_id, scan.id)
        workers = live_workers(session)
    return jsonify({**progress.to_json(), "workers": workers}), 202


@bp.get("/scans")
@require("scans:read")
def get_scans():
    principal = current_principal()
    full = principal.can("scans:run")
    with transaction(current_app.extensions["safesend"].sessions) as session:
        scans = [p.to_json(with_locations=full) for p in list_scans(session, principal.tenant_id)]
        workers = live_workers(session)
    return jsonify({"scans": scans, "workers": workers})


@bp.get("/scans/<scan_id>")
@require("scans:read")
def get_scan(scan_id: str):
    principal = current_principal()
    full = principal.can("scans:run")
    offset = request.args.get("offset", "0")
    if not offset.isdigit():
        raise ApiError(400, "invalid_request", "offset must be a whole number", "offset")
    with transaction(current_app.extensions["safesend"].sessions) as session:
        progress = load_progress(session, principal.tenant_id, scan_id)
        if progress is None:
            raise ApiError(404, "not_found", "No such scan.")
        body = progress.to_json(with_locations=full)
        if full:
            rows = worst_first(session, principal.tenant_id, scan_id, FLAGGED_PAGE, int(offset))
            body["flagged_messages"] = [flagged_json(r) for r in rows]
    return jsonify(body)
