"""Console error pages: a form that expired, a page that is not there."""

from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError

from .. import bp


@bp.errorhandler(CSRFError)
def _csrf_failed(exc: CSRFError):
    return render_template("admin/error.html", status=400, title="This form has expired",
                           message="For your security, forms stop working after a while or "
                                   "when they come from another site. Go back, reload the "
                                   "page and try again."), 400


def not_found(what: str = "page"):
    return render_template("admin/error.html", status=404, title="Not found",
                           message=f"There is no such {what}."), 404
