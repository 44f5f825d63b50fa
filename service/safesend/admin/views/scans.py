"""Sent-mail scans: start a scan, watch it per mailbox, list what it
flagged, worst first. Administrators only; auditors see counts."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from pydantic import ValidationError

from ...incident.api_models import ScanStartRequest
from ...incident.jobs import live_workers
from ...incident.progress import flagged_json, list_scans, load_progress, worst_first
from ...incident.sources import SOURCE_KINDS
from ...incident.start import ScanRefused, exports_dir, start_scan
from ...store.db import transaction
from .. import bp
from ..guard import current_user, page, services
from .errors import not_found

FLAGGED_SHOWN = 200


@bp.get("/scans")
@page("scans:read")
def scans(form: dict | None = None, error: str = ""):
    with transaction(services().sessions) as db:
        scans = list_scans(db, current_user().tenant_id, limit=20)
        workers = live_workers(db)
    return render_template("admin/scans.html", scans=scans, workers=workers, sources=SOURCE_KINDS,
                           full=current_user().can("scans:run"), form=form or {}, error=error,
                           exports=exports_dir(services().settings))


@bp.post("/scans")
@page("scans:run")
def scans_start():
    form = {k: request.form.get(k, "").strip() for k in ("source", "path", "mailboxes", "since", "until")}
    try:
        body = ScanStartRequest.model_validate({
            "source": form["source"], "path": form["path"] or None,
            "mailboxes": [m for m in form["mailboxes"].replace(",", " ").split() if m],
            "since": form["since"] or None, "until": form["until"] or None})
        scan = start_scan(services(), current_user().tenant_id, body, actor=current_user().email)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return scans(form, f"{where}: {first['msg']}"), 400
    except ScanRefused as exc:
        return scans(form, str(exc)), 400
    return redirect(url_for("admin.scans_scan", scan_id=scan.id))


@bp.get("/scans/<scan_id>")
@page("scans:read")
def scans_scan(scan_id: str):
    full = current_user().can("scans:run")
    with transaction(services().sessions) as db:
        progress = load_progress(db, current_user().tenant_id, scan_id)
        if progress is None:
            return not_found()
        flagged = [flagged_json(r) for r in worst_first(db, current_user().tenant_id, scan_id,
                                                        FLAGGED_SHOWN)] if full else []
        workers = live_workers(db)
    html = render_template("admin/incident_scan.html", progress=progress, flagged=flagged, full=full,
                           workers=workers, shown=FLAGGED_SHOWN)
    # Progress: the browser reloads the page every 2 s until the scan is finished.
    return html, 200, ({} if progress.finished else {"Refresh": "2"})
