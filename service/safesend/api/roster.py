"""The roster for IT: import a SIS export, see its summary, remove it."""

from __future__ import annotations

from flask import current_app, jsonify, request

from ..auth import current_principal, require
from ..roster_import import RosterImportError, RosterShrinks, import_roster_file
from ..store.db import transaction
from ..store.roster import (
    previous_roster,
    remove_roster,
    restore_roster,
    roster_summary,
    summary_json,
)
from . import bp
from .errors import ApiError

MAX_ERRORS_SHOWN = 100


@bp.get("/roster")
@require("roster")
def get_roster():
    principal = current_principal()
    with transaction(current_app.extensions["safesend"].sessions) as session:
        return jsonify(summary_json(roster_summary(session, principal.tenant_id),
                                    previous_roster(session, principal.tenant_id)))


@bp.put("/roster")
@require("roster")
def put_roster():
    """Body: the CSV itself (text/csv) or a multipart form with a `file` field.
    Query `map.<field>=<header>` names columns the importer does not recognise;
    `replace=true` confirms an import that would shrink the roster (else 409)."""
    principal = current_principal()
    data = _csv_bytes()
    mapping = {key[4:]: value for key, value in request.args.items()
               if key.startswith("map.") and value} or None
    replace = request.args.get("replace", "").lower() in ("true", "1", "yes")
    services = current_app.extensions["safesend"]
    try:
        with transaction(services.sessions) as session:
            result = import_roster_file(session, principal.tenant_id, data, services.roster_key,
                                        mapping, author=principal.email or principal.subject,
                                        replace=replace)
    except RosterShrinks as exc:
        # The usual error body, plus the counts a client needs to ask its user.
        return jsonify({"error": {"code": "roster_would_shrink", "message": str(exc), "field": None},
                        "before": exc.before.as_dict(), "after": exc.after.as_dict(),
                        "reasons": exc.reasons}), 409
    except RosterImportError as exc:
        # A readable upload that is not a usable roster: 422, as the OpenAPI document says.
        raise ApiError(422, "invalid_roster", str(exc)) from None
    return jsonify({
        "students": result.students, "with_flags": result.with_flags, "before": result.before.as_dict(),
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
        removed = remove_roster(session, principal.tenant_id,
                                actor=principal.email or principal.subject)
    return jsonify({"removed": removed})


@bp.post("/roster/restore")
@require("roster")
def restore_previous_roster():
    principal = current_principal()
    with transaction(current_app.extensions["safesend"].sessions) as session:
        restored = restore_roster(session, principal.tenant_id,
                                  actor=principal.email or principal.subject)
        if restored is None:
            raise ApiError(404, "no_previous_roster", "There is no previous roster to restore.")
        return jsonify(summary_json(restored, previous_roster(session, principal.tenant_id)))


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
