"""Roster: import the SIS export (column mapping, a check of the whole file before
importing, a confirmation when it would shrink the roster), the summary, restore, remove."""

from __future__ import annotations

import json
import time

from flask import jsonify, redirect, render_template, request, url_for

from ...roster_import import RosterImport, RosterImportError, RosterShrinks, import_roster_file
from ...store.db import transaction
from ...store.roster import previous_roster, remove_roster, restore_roster, roster_summary
from .. import bp
from ..guard import current_user, page, services
from ..roster_columns import FIELDS, SAMPLE_BYTES, MappingError, column_guesses, importer_mapping

ERRORS_SHOWN = 50


@bp.get("/roster")
@page("roster:read")
def roster():
    tenant = current_user().tenant_id
    with transaction(services().sessions) as db:
        summary = roster_summary(db, tenant)
        previous = previous_roster(db, tenant)
    return render_template("admin/roster.html", summary=summary, previous=previous, fields=FIELDS,
                           sample_bytes=SAMPLE_BYTES, done=request.args.get("done", ""),
                           editable=current_user().can("roster"))


@bp.post("/roster/columns")
@page("roster")
def roster_columns():
    sample = request.files.get("sample")
    if sample is None:
        return jsonify({"error": "Send the start of the file as 'sample'."}), 400
    return jsonify(column_guesses(sample.read(SAMPLE_BYTES)))


@bp.post("/roster/check")
@page("roster")
def roster_check():
    """The whole file read with the chosen mapping, nothing stored: how many students,
    how many rows would be skipped, and the counts before -> after."""
    return _import(dry_run=True, wants_json=True)


@bp.post("/roster/import")
@page("roster")
def roster_import():
    """The browser sends the file and the chosen mapping; answers JSON to the page script,
    HTML to a plain form post."""
    return _import(dry_run=False, wants_json=request.accept_mimetypes.best == "application/json")


def _import(dry_run: bool, wants_json: bool):
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
                                        services_.roster_key, mapping, author=current_user().email,
                                        replace=request.form.get("replace") == "1", dry_run=dry_run)
    except RosterShrinks as exc:
        body = {"error": "The roster was not replaced: confirm first.", "needs_confirmation": True,
                "reasons": exc.reasons, "before": exc.before.as_dict(), "after": exc.after.as_dict()}
        if wants_json:
            return jsonify(body), 409
        return render_template("admin/roster_done.html", error=str(exc), refused=body), 409
    except RosterImportError as exc:
        return _import_failed(str(exc), wants_json)
    summary = _summary(result, round(time.perf_counter() - started, 1))
    if wants_json:
        return jsonify(summary)
    return render_template("admin/roster_done.html", summary=summary)


def _summary(result: RosterImport, seconds: float) -> dict:
    return {"students": result.students, "with_flags": result.with_flags,
            "guardians": result.guardians, "rejected": len(result.errors), "seconds": seconds,
            "errors": [str(e) for e in result.errors[:ERRORS_SHOWN]], "saved": result.saved,
            "before": result.before.as_dict(), "after": result.after.as_dict(),
            "reasons": result.shrink_reasons, "needs_confirmation": bool(result.shrink_reasons)}


@bp.post("/roster/restore")
@page("roster")
def roster_restore():
    with transaction(services().sessions) as db:
        restored = restore_roster(db, current_user().tenant_id, actor=current_user().email)
    return redirect(url_for("admin.roster", done="restored" if restored else "nothing"))


@bp.post("/roster/remove")
@page("roster")
def roster_remove():
    with transaction(services().sessions) as db:
        removed = remove_roster(db, current_user().tenant_id, actor=current_user().email)
    return redirect(url_for("admin.roster", done="removed" if removed else "nothing"))


def _import_failed(message: str, wants_json: bool):
    if wants_json:
        return jsonify({"error": message}), 400
    return render_template("admin/roster_done.html", error=message), 400
