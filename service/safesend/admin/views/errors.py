"""Console error pages: a form that expired, a page that is not there, a method a page
does not take, anything else. Every error under /admin/ looks like the console."""

from __future__ import annotations

from flask import make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .. import NAV, bp
from ..security import add_headers

WORDS = {
    403: ("Not for your role", "Your role cannot open this page or make this change."),
    404: ("Not found", "There is no such page."),
    405: ("Not a page to open", "This address only takes a form's button (for example "
                                "“Roll back to this version…”), not a link. Go back and use "
                                "the button on the page, if your role has it."),
    413: ("Too large", "The file is larger than the service accepts."),
    500: ("Something went wrong", "SafeSend hit an unexpected error. Nothing was changed by "
                                  "it; try again, and tell IT if it happens again."),
}


@bp.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError):
    return render_template("admin/error.html", status=400, title="This form has expired",
                           message="For your security, forms stop working after a while or "
                                   "when they come from another site. Go back, reload the "
                                   "page and try again."), 400


def not_found(what: str = "page"):
    return render_template("admin/error.html", status=404, title="Not found",
                           message=f"There is no such {what}."), 404


def console_error_page(exc: Exception, status: int):
    """Registered in app.extensions["page_errors"]: the console's page for its own paths."""
    if not request.path.startswith("/admin"):
        return None
    from ..guard import load_user

    try:
        user = load_user()
    except Exception:   # the database may be what failed: show the page signed out
        user = None
    title, message = WORDS.get(status, (getattr(exc, "name", "Error"),
                                        getattr(exc, "description", "") or ""))
    if isinstance(exc, HTTPException) and status not in WORDS and exc.description:
        message = exc.description
    nav = [item for item in NAV if user is not None and user.can(item[2])]
    page = make_response(render_template("admin/error.html", status=status, title=title,
                                         message=message, console_user=user, console_nav=nav,
                                         help_section=lambda endpoint: None, help_slug=str),
                         status)
    return add_headers(page)   # the blueprint's after_request does not run for these
