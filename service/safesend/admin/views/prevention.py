"""Prevention report: what SafeSend checked, warned about, stopped and saw
overridden since it was deployed; a page and the PDF for the board."""

from __future__ import annotations

from flask import Response, render_template

from ...incident.prevention import prevention_report
from ...incident.prevention_pdf import headline, prevention_pdf, rule_chart, weekly_chart
from ...incident.response import district_name
from ...store.db import transaction
from .. import bp
from ..filters import RULE_LABELS
from ..guard import current_user, page, services


def _report():
    tenant = current_user().tenant_id
    with transaction(services().sessions) as db:
        return prevention_report(db, tenant, district_name(db, tenant))


@bp.get("/prevention")
@page("dashboard")
def prevention():
    report = _report()
    return render_template("admin/prevention.html", report=report, headline=headline(report),
                           chart=weekly_chart(report), by_rule=rule_chart(report),
                           rule_labels=RULE_LABELS)


@bp.get("/prevention.pdf")
@page("dashboard")
def prevention_pdf_download():
    report = _report()
    return Response(prevention_pdf(report), mimetype="application/pdf",
                    headers={"Content-Disposition": "attachment; filename=prevention-report.pdf"})
