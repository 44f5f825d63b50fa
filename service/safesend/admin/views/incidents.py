"""Incidents: the disclosure record, the people affected (administrators only,
a reason asked for every view and export), letter drafts and templates.
Auditors see the record and the counts, never a name."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from flask import Response, abort, redirect, render_template, request, url_for

from ...incident import letter_templates
from ...incident.exposure import find_exposure
from ...incident.letter_templates import LetterTemplateError
from ...incident.letters import LetterError, merge_csv, write_letters
from ...incident.records import (
    STATUS_WORDS,
    IncidentError,
    add_link,
    add_note,
    deadline,
    events,
    get_incident,
    incident_label,
    list_incidents,
    open_incident,
    set_status,
    set_steps,
)
from ...incident.response import district_name, open_letters, open_report
from ...store.db import transaction
from ...store.policies import current_policy
from .. import bp
from ..filters import RULE_LABELS
from ..guard import current_user, page, services


def _incident_or_404(db, number: int):
    incident = get_incident(db, current_user().tenant_id, number)
    if incident is None:
        abort(404)
    return incident


@bp.get("/incidents")
@page("incidents:read")
def incidents():
    with transaction(services().sessions) as db:
        rows = list_incidents(db, current_user().tenant_id)
        days = current_policy(db, current_user().tenant_id).incidents.notify_within_days
    return render_template("admin/incidents.html", rows=rows, label=incident_label, words=STATUS_WORDS,
                           deadline=lambda i: deadline(i, days), error=request.args.get("error"),
                           editable=current_user().can("incidents"))


@bp.post("/incidents/open")
@page("incidents")
def incidents_open():
    try:
        with transaction(services().sessions) as db:
            incident, _ = open_incident(db, current_user().tenant_id, request.form.get("ref", ""),
                                        current_user().email)
    except IncidentError as exc:
        return redirect(url_for("admin.incidents", error=str(exc)))
    return redirect(url_for("admin.incident", number=incident.id))


@bp.get("/incidents/<int:number>")
@page("incidents:read")
def incident(number: int):
    with transaction(services().sessions) as db:
        row = _incident_or_404(db, number)
        timeline = events(db, row)
        days = current_policy(db, current_user().tenant_id).incidents.notify_within_days
        exposure = find_exposure(db, current_user().tenant_id, row.ref)
    return render_template("admin/incident.html", incident=row, label=incident_label(row),
                           exposure=exposure, rule_labels=RULE_LABELS,
                           timeline=timeline, words=STATUS_WORDS, due=deadline(row, days),
                           editable=current_user().can("incidents"), error=request.args.get("error"))


@bp.post("/incidents/<int:number>/people")
@page("incidents")
def incident_people(number: int):
    """The names: a POST with a reason, so every view is deliberate and recorded."""
    try:
        with transaction(services().sessions) as db:
            row = _incident_or_404(db, number)
            opened = open_report(db, current_user().tenant_id, incident_label(row), current_user().email,
                                 request.form.get("reason", ""))
    except IncidentError as exc:
        return redirect(url_for("admin.incident", number=number, error=str(exc)))
    response = Response(render_template("admin/incident_people.html", incident=opened.incident,
                                        label=incident_label(opened.incident), opened=opened,
                                        reason=request.form.get("reason", "")))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/incidents/<int:number>/export")
@page("incidents")
def incident_export(number: int):
    try:
        with transaction(services().sessions) as db:
            row = _incident_or_404(db, number)
            opened = open_report(db, current_user().tenant_id, incident_label(row), current_user().email,
                                 request.form.get("reason", ""), action="export")
    except IncidentError as exc:
        return redirect(url_for("admin.incident", number=number, error=str(exc)))
    if not opened.report.names_available:
        return redirect(url_for("admin.incident", number=number,
                                error=opened.report.vault.message))
    name = f"{incident_label(opened.incident)}-affected.csv"
    return Response(merge_csv(opened.report).encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}",
                             "Cache-Control": "no-store"})


@bp.post("/incidents/<int:number>/letters")
@page("incidents")
def incident_letters(number: int):
    """A zip of the drafts: family-NNN.eml, community.eml, letters.docx, mail-merge.csv."""
    try:
        with transaction(services().sessions) as db:
            row = _incident_or_404(db, number)
            opened, drafted = open_letters(db, current_user().tenant_id, incident_label(row),
                                           current_user().email, request.form.get("reason", ""))
    except (IncidentError, LetterError, LetterTemplateError) as exc:
        return redirect(url_for("admin.incident", number=number, error=str(exc)))
    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in write_letters(drafted, opened.report, Path(folder)):
            archive.write(path, path.name)
    name = f"{incident_label(opened.incident)}-letters.zip"
    return Response(out.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={name}",
                             "Cache-Control": "no-store"})


@bp.post("/incidents/<int:number>/update")
@page("incidents")
def incident_update(number: int):
    form, actor = request.form, current_user().email
    try:
        with transaction(services().sessions) as db:
            row = _incident_or_404(db, number)
            if form.get("status"):
                set_status(db, row, form["status"], actor)
            if form.get("note", "").strip():
                add_note(db, row, actor, form["note"])
            if form.get("url", "").strip():
                add_link(db, row, actor, form.get("link_label", ""), form["url"])
            if "steps_taken" in form and form["steps_taken"].strip() != row.steps_taken:
                set_steps(db, row, actor, form["steps_taken"])
    except IncidentError as exc:
        return redirect(url_for("admin.incident", number=number, error=str(exc)))
    return redirect(url_for("admin.incident", number=number))


@bp.route("/incidents/letters", methods=["GET", "POST"])
@page("incidents")
def incident_letter_templates():
    """Edit the two letters, with a preview on invented people."""
    tenant = current_user().tenant_id
    name = request.values.get("name", "family")
    name = name if name in letter_templates.NAMES else "family"
    error = saved = None
    with transaction(services().sessions) as db:
        district = district_name(db, tenant)
        current = letter_templates.load(db, tenant, name)
        subject, body = current.subject, current.body
        if request.method == "POST":
            subject, body = request.form.get("subject", ""), request.form.get("body", "")
            try:
                if request.form.get("action") == "save":
                    letter_templates.save(db, tenant, name, subject, body, current_user().email)
                    saved = True
                elif request.form.get("action") == "reset":
                    letter_templates.reset(db, tenant, name, current_user().email)
                    subject, body = letter_templates.DEFAULTS[name]
            except LetterTemplateError as exc:
                error = str(exc)
    try:
        preview = letter_templates.preview(name, subject, body, district)
    except LetterTemplateError as exc:
        preview, error = None, error or str(exc)
    return render_template("admin/letter_templates.html", name=name, names=letter_templates.NAMES,
                           subject=subject, body=body, preview=preview, error=error, saved=saved)
