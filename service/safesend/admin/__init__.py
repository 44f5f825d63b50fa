"""The admin console: server-rendered pages for IT, administrators and auditors.

One module per page area; queries and form handling live in small helper
modules beside them. `init_app` wires cookies, CSRF, headers and sign-in.
"""

from __future__ import annotations

from flask import Blueprint, Flask, g

from ..config import Settings
from . import security

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static", static_url_path="/static")
bp.before_request(security.protect_form)
bp.after_request(security.add_headers)

# (endpoint, label, permission): the sidebar, in order, filtered by role.
NAV = (
    ("admin.dashboard", "Dashboard", "dashboard"),
    ("admin.log", "Override log", "overrides:read"),
    ("admin.policy", "Policy", "policy:read"),
    ("admin.try_message", "Try a message", "check"),
    ("admin.roster", "Roster", "roster:read"),
    ("admin.scans", "Sent-mail scans", "scans:read"),
    ("admin.incidents", "Incidents", "incidents:read"),
    ("admin.prevention", "Prevention report", "dashboard"),
    ("admin.audit_trail", "Audit trail", "audit:read"),
    ("admin.access", "Keys & users", "access:read"),
)


def init_app(app: Flask, settings: Settings) -> None:
    from .. import accounts
    from . import (
        filters,
        views,  # noqa: F401  (routes register on import)
    )

    security.init_app(app, settings)
    accounts.init_app(app, settings)
    filters.init_app(app)
    app.register_blueprint(bp)
    # 404/405 on a console address never reach the blueprint (no route matched): the app's
    # error handler asks the console for its own page.
    app.extensions.setdefault("page_errors", []).append(views.errors.console_error_page)


@bp.context_processor
def _console_context() -> dict:
    from .help import section_for, slug

    user = g.get("user")
    nav = [item for item in NAV if user is not None and user.can(item[2])]
    return {"console_user": user, "console_nav": nav, "help_section": section_for,
            "help_slug": slug}
