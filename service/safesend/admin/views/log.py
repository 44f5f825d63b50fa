"""Override log: filters, paging, detail, review, and CSV of exactly what is filtered."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from flask import Response, redirect, render_template, request, stream_with_context, url_for

from ...store.check_log import (
    ACTIONS,
    STATUSES,
    LogForm,
    enforced_rules,
    every_row,
    neighbours,
    page_of,
    review_of,
    sender_domains,
    stream_csv,
)
from ...store.checks import get_check
from ...store.db import transaction
from ...store.overrides import record_export
from .. import bp
from ..filters import RULE_LABELS
from ..guard import current_user, page, services
from ..paging import Paging, requested_page
from ..review import mark_reviewed, undo_review
from .errors import not_found

PER_PAGE = 25


@bp.get("/log")
@page("overrides:read")
def log():
    flt, errors = LogForm.from_args(request.args)
    number = requested_page(request.args)
    tenant = current_user().tenant_id
    with transaction(services().sessions) as db:
        rows, total = page_of(db, tenant, flt.log_filter(), PER_PAGE, (number - 1) * PER_PAGE)
        items = [_row(check) for check in rows]
        schools = sender_domains(db, tenant)
    return render_template("admin/log.html", flt=flt, errors=errors, items=items,
                           paging=Paging(number, PER_PAGE, total), rules=RULE_LABELS,
                           actions=ACTIONS, statuses=STATUSES, schools=schools)


@bp.get("/log.csv")
@page("overrides:read")
def log_csv():
    form, _ = LogForm.from_args(request.args)
    flt = form.log_filter()
    tenant = current_user().tenant_id
    with transaction(services().sessions) as db:
        # Audit trail: who exported what, before the first byte goes out.
        _, total = page_of(db, tenant, flt, 1)
        record_export(db, tenant, current_user().email, "console", "csv", total, form.args())

    def rows():
        with transaction(services().sessions) as db:
            yield from stream_csv(every_row(db, tenant, flt))

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="safesend-log-{stamp}.csv"'})


@bp.get("/log/<check_id>")
@page("overrides:read")
def log_entry(check_id: str):
    with transaction(services().sessions) as db:
        check = get_check(db, current_user().tenant_id, check_id)
        if check is None or check.action == "allow":
            return not_found("log entry")
        item = _row(check)
        findings = sorted(check.findings, key=lambda f: (f.audit, f.rule))
        back = _back(request.args.get("back"))
        newer, older = neighbours(db, current_user().tenant_id, _filter_of_log_url(back), check)
    return render_template("admin/log_entry.html", item=item, findings=findings, back=back,
                           newer=newer, older=older, done=request.args.get("done", ""))


@bp.post("/log/<check_id>/review")
@page("review")
def log_review(check_id: str):
    return _change_review(check_id, undo=False)


@bp.post("/log/<check_id>/unreview")
@page("review")
def log_unreview(check_id: str):
    return _change_review(check_id, undo=True)


def _change_review(check_id: str, undo: bool):
    user = current_user()
    with transaction(services().sessions) as db:
        check = get_check(db, user.tenant_id, check_id)
        if check is None or check.action == "allow":
            return not_found("log entry")
        if undo:
            undo_review(db, check, user.email)
        else:
            mark_reviewed(db, check, user.email, request.form.get("note", ""))
    # Back to the same entry, still knowing the filtered log it came from.
    return redirect(url_for("admin.log_entry", check_id=check_id,
                            back=_back(request.form.get("back")),
                            done="unreviewed" if undo else "reviewed"))


def _back(target: str | None) -> str:
    """Only a log page address: never an open redirect."""
    if target and (target == "/admin/log" or target.startswith("/admin/log?")):
        return target
    return url_for("admin.log")


def _filter_of_log_url(url: str):
    """The filter a log page address carries ('/admin/log?status=...'): for next/previous."""
    form, _ = LogForm.from_args(dict(parse_qsl(urlsplit(url).query)))
    return form.log_filter()


def _row(check) -> dict:
    reviewed_at, reviewed_by, note = review_of(check)
    return {"check": check, "override": check.override, "rules": enforced_rules(check),
            "reviewed_at": reviewed_at, "reviewed_by": reviewed_by, "review_note": note}
