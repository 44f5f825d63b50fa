"""Roster: import the SIS export (with a column mapping step), see the summary, remove it."""

from __future__ import annotations

import json
import time

from flask import jsonify, redirect, render_template, request, url_for

from ...roster_import import RosterImportError, import_roster_file
from ...store.db import transaction
from ...store.roster import remove_roster, roster_summary
from .. import bp
from ..guard import current_user, page, services
from ..roster_columns import FIELDS, SAMPLE_BYTES, MappingError, column_guesses, importer_mapping

ERRORS_SHOWN = 50


@bp.get("/roster")
@page("roster:read")
def roster():
    with transaction(services().sessions) as db:
        summary = roster_summary(db, current_user().tenant_id)
    return render_template("admin/roster.html", summary=summary, fields=FIELDS,
                           sample_bytes=SAMPLE_BYTES, removed=request.args.get("removed"),
                           editable=current_user().can("roster"))


@bp.post("/roster/columns")
@page("roster")
def roster_columns():
    sample = request.files.get("sample")
    if sample is None:
        return jsonify({"error": "Send the start of the file as 'sample'."}), 400
    return jsonify(column_guesses(sample.read(SAMPLE_BYTES)))


@bp.post("/roster/import")
@page("roster")
def roster_import():
    """The browser sends the file and the chosen mapping; answers JSON to the page script,
    HTML to a plain form post."""
    wants_json = request.accept_mimetypes.best == "application/json"
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_failed("Choose the roster file (CSV) to import.", wants_json)
    try:
        chosen = json.loads(request.form.get("mapping") or "{}")
        mapping = importer_mapping(chosen) if chosen else None
    except (ValueError, MappingError) as exc:
        return _import_failed(str(exc), wants_json)
    services_ = services()
    started = time.perf_counter()
    try:
        with transaction(services_.sessions) as db:
            result = import_roster_file(db, current_user().tenant_id, upload.read(),
                                        services_.roster_key, mapping, author=current_user().email)
    except RosterImportError as exc:
        return _import_failed(str(exc), wants_json)
    summary = {"students": result.students, "with_flags": result.with_flags,
               "guardians": result.guardians, "rejected": len(result.errors),
               "seconds": round(time.perf_counter() - started, 1),
               "errors": [str(e) for e in result.errors[:ERRORS_SHOWN]]}
    if wants_json:
        return jsonify(summary)
    return render_template("admin/roster_done.html", summary=summary)


@bp.post("/roster/remove")
@page("roster")
def roster_remove():
    with transaction(services().sessions) as db:
        removed = remove_roster(db, current_user().tenant_id, actor=current_user().email)
    return redirect(url_for("admin.roster", removed="1" if removed else "0"))


def _import_failed(message: str, wants_json: bool):
    if wants_json:
        return jsonify({"error": message}), 400
    return render_template("admin/roster_done.html", error=message), 400
