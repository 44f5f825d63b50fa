"""The roster for IT: import a SIS export, see its summary, remove it."""

from __future__ import annotations

from flask import current_app, jsonify, request

from ..auth import current_principal, require
from ..roster_import import RosterImportError, import_roster_file
from ..store.db import transaction
from ..store.roster import remove_roster, roster_summary, summary_json
from . import bp
from .errors import ApiError

MAX_ERRORS_SHOWN = 100


@bp.get("/roster")
@require("roster")
def get_roster():
    principal = current_principal()
    with transaction(current_app.extensions["safesend"].sessions) as session:
        return jsonify(summary_json(roster_summary(session, principal.tenant_id)))


@bp.put("/roster")
@require("roster")
def put_roster():
    """Body: the CSV itself (text/csv) or a multipart form with a `file` field.
    Query `map.<field>=<header>` names columns the importer does not recognise."""
    principal = current_principal()
    data = _csv_bytes()
    mapping = {key[4:]: value for key, value in request.args.items()
               if key.startswith("map.") and value} or None
    services = current_app.extensions["safesend"]
    try:
        with transaction(services.sessions) as session:
            result = import_roster_file(session, principal.tenant_id, data, services.roster_key,
                                        mapping, author=principal.email or principal.subject)
    except RosterImportError as exc:
        # A readable upload that is not a usable roster: 422, as the OpenAPI document says.
        raise ApiError(422, "invalid_roster", str(exc)) from None
    return jsonify({
        "students": result.students, "with_flags": result.with_flags,
        "guardians": result.guardians, "columns": result.columns,
        "rejected_rows": len(result.errors),
        "errors": [{"line": e.line, "field": e.field, "message": e.message}
                   for e in result.errors[:MAX_ERRORS_SHOWN]],
    })


@bp.delete("/roster")
@require("roster")
def delete_roster():
    principal = current_principal()
    with transaction(current_app.extensions["safesend"].sessions) as session:
        removed = remove_roster(session, principal.tenant_id)
    return jsonify({"removed": removed})


def _csv_bytes() -> bytes:
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ApiError(400, "invalid_request", "Send the roster as the form field 'file'.",
                           "file")
        return upload.read()
    if request.mimetype not in ("text/csv", "text/plain", "application/octet-stream"):
        raise ApiError(415, "unsupported_media_type",
                       "Send the roster as text/csv or as multipart/form-data.")
    data = request.get_data()
    if not data:
        raise ApiError(400, "invalid_request", "The roster file is empty.")
    return data
