"""Help: the README section a console page belongs to, readable in the console."""

from __future__ import annotations

from flask import render_template

from .. import bp
from ..guard import page
from ..help import SECTIONS, section_text, slug
from .errors import not_found

BY_SLUG = {slug(heading): heading for heading in SECTIONS.values()}


@bp.get("/help/<name>")
@page("dashboard")
def help_page(name: str):
    heading = BY_SLUG.get(name)
    if heading is None:
        return not_found("help page")
    return render_template("admin/help.html", heading=heading, text=section_text(heading))
