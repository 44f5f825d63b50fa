"""Audit trail: every change to policy, roster, keys and users, and whether the chain is intact."""

from __future__ import annotations

from flask import render_template, request

from ...store import audit
from ...store.db import transaction
from .. import bp
from ..guard import current_user, page, services
from ..paging import Paging, requested_page

PER_PAGE = 50
ACTION_WORDS = {
    "policy.save": "Saved the policy", "roster.import": "Imported the roster",
    "roster.remove": "Removed the roster", "apikey.create": "Created an API key",
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
    number = requested_page(request.args)
    with transaction(services().sessions) as db:
        status = audit.verify_chain(db, current_user().tenant_id)
        entries, total = audit.list_entries(db, current_user().tenant_id, PER_PAGE,
                                            (number - 1) * PER_PAGE)
    return render_template("admin/audit.html", status=status, entries=entries, words=ACTION_WORDS,
                           paging=Paging(number, PER_PAGE, total))
