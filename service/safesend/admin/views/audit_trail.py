"""Audit trail: every change to policy, roster, keys and users, reviews and exports;
search and filters, a CSV of what is filtered, and whether the chain is intact."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, render_template, request, stream_with_context

from ...store import audit, audit_query
from ...store.db import transaction
from .. import bp
from ..guard import current_user, page, services
from ..paging import Paging, requested_page

PER_PAGE = 50
ACTION_WORDS = {
    "policy.save": "Saved the policy", "policy.rollback": "Rolled the policy back",
    "roster.import": "Imported the roster", "roster.remove": "Removed the roster",
    "roster.restore": "Restored the previous roster",
    "override.review": "Reviewed a log entry", "override.unreview": "Undid a review",
    "overrides.export": "Exported the override log", "audit.export": "Exported the audit trail",
    "apikey.create": "Created an API key",
    "apikey.revoke": "Revoked an API key", "user.create": "Added a user",
    "user.role": "Changed a role", "user.password": "Changed a password",
    "user.disable": "Disabled a user", "user.enable": "Enabled a user",
    "user.link": "Linked a sign-in",
    "incident.open": "Opened an incident", "incident.view": "Viewed the people affected",
    "incident.export": "Exported the people affected", "incident.letters": "Drafted the letters",
    "incident.status": "Changed an incident's status", "letters.template": "Edited a letter template",
}


@bp.get("/audit")
@page("audit:read")
def audit_trail():
    flt, errors = audit_query.AuditFilter.from_args(request.args)
    number = requested_page(request.args)
    tenant = current_user().tenant_id
    with transaction(services().sessions) as db:
        status = audit.verify_chain(db, tenant)
        entries, total = audit_query.page_of(db, tenant, flt, PER_PAGE, (number - 1) * PER_PAGE)
    return render_template("admin/audit.html", status=status, entries=entries, words=ACTION_WORDS,
                           paging=Paging(number, PER_PAGE, total), flt=flt, errors=errors,
                           kinds=audit_query.KINDS)


@bp.get("/audit.csv")
@page("audit:read")
def audit_csv():
    flt, _ = audit_query.AuditFilter.from_args(request.args)
    tenant, user = current_user().tenant_id, current_user()
    with transaction(services().sessions) as db:
        # The export is itself on the trail (and in the file too, when it matches the filter).
        rows = audit_query.count(db, tenant, flt)
        audit.append(db, tenant, user.email, "audit.export", f"{rows} entries as csv",
                     {"format": "csv", "rows": rows, "filters": flt.args()})

    def body():
        with transaction(services().sessions) as db:
            yield from audit_query.stream_csv(db, tenant, flt)

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return Response(stream_with_context(body()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="safesend-audit-{stamp}.csv"'})
