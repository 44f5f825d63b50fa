"""The prevention report as a PDF for the board (ReportLab), with the weekly
chart drawn from the same geometry the console's SVG uses (admin/charts.py)."""

from __future__ import annotations

import io

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..admin.charts import Chart, Series, stacked_bars
from ..admin.filters import RULE_LABELS
from .prevention import Outcomes, PreventionReport

# The console's palette (console.css), by chart class.
COLOURS = {"c-warn": colors.HexColor("#d99211"), "c-confirm": colors.HexColor("#e4632a"),
           "c-block": colors.HexColor("#d42f3c"), "c-override": colors.HexColor("#7a4cd9"),
           "c-rule1": colors.HexColor("#3d4ed8"), "c-rule2": colors.HexColor("#0ea5c6"),
           "c-rule3": colors.HexColor("#8b9bb5"), "c-rule4": colors.HexColor("#e0457b"),
           "c-rule5": colors.HexColor("#f0a93a")}
# The dashboard's colour per rule (admin/views/dashboard.py).
RULE_COLOURS = {"visible_recipients": "c-rule1", "audience_size": "c-rule2",
                "external_recipients": "c-rule3", "student_data": "c-rule4",
                "unscannable_attachment": "c-rule5"}


def weekly_chart(report: PreventionReport) -> Chart | None:
    weekly = report.weekly
    if weekly is None:
        return None
    labels = [start.strftime("%b %-d") for start in weekly.starts]
    return stacked_bars(labels, [Series("Warned", "c-warn", weekly.warned),
                                 Series("Justification asked", "c-confirm", weekly.confirmed),
                                 Series("Blocked", "c-block", weekly.blocked)],
                        line=Series("Overrides", "c-override", weekly.overrides), width=520, height=220)


def rule_chart(report: PreventionReport) -> Chart | None:
    weekly = report.weekly
    if weekly is None:
        return None
    labels = [start.strftime("%b %-d") for start in weekly.starts]
    series = [Series(RULE_LABELS.get(name, name), RULE_COLOURS.get(name, "c-rule3"), values)
              for name, values in weekly.by_rule.items()]
    return stacked_bars(labels, series, width=520, height=200)


def _drawing(chart: Chart) -> Drawing:
    """SVG coordinates grow downwards; PDF's grow upwards: flip every y."""
    drawing = Drawing(chart.width, chart.height + 16)

    def flip(y: float) -> float:
        return chart.height - y + 16

    for y, text in chart.y_ticks:
        drawing.add(Line(chart.left, flip(y), chart.left + chart.plot_width, flip(y),
                         strokeColor=colors.HexColor("#dddddd"), strokeWidth=0.5))
        drawing.add(String(chart.left - 6, flip(y) - 3, text, fontSize=7, textAnchor="end"))
    for bar in chart.bars:
        drawing.add(Rect(bar.x, flip(bar.y + bar.height), bar.width, bar.height, strokeWidth=0,
                         fillColor=COLOURS.get(bar.css, colors.grey)))
    if chart.dots:
        points = [v for x, y, _ in chart.dots for v in (x, flip(y))]
        drawing.add(PolyLine(points, strokeColor=COLOURS["c-override"], strokeWidth=1.5))
    for x, text in chart.x_labels:
        drawing.add(String(x, 4 + 16 - 14, text, fontSize=7, textAnchor="middle"))
    x = chart.left
    for name, css in chart.legend:
        drawing.add(Rect(x, chart.height + 6, 8, 8, strokeWidth=0, fillColor=COLOURS.get(css, colors.grey)))
        drawing.add(String(x + 11, chart.height + 7, name, fontSize=7))
        x += 14 + len(name) * 4.2
    return drawing


def _table(header: list[str], rows: list[list[str]]) -> Table:
    table = Table([header, *rows], hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9), ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f3f3")]),
    ]))
    return table


def _outcome_row(label: str, o: Outcomes) -> list[str]:
    return [label, f"{o.checks:,}", f"{o.warned:,}", f"{o.blocked:,}", f"{o.overridden:,}"]


def headline(report: PreventionReport) -> list[tuple[str, str]]:
    t = report.totals
    return [("Messages checked", f"{t.checks:,}"), ("Warned", f"{t.warned:,}"),
            ("Stopped", f"{t.blocked:,}"), ("Sent anyway (overridden)", f"{t.overridden:,}")]


def prevention_pdf(report: PreventionReport) -> bytes:
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=letter, title=f"SafeSend prevention report: {report.district}",
                                 leftMargin=0.8 * inch, rightMargin=0.8 * inch)
    period = (f"{report.since:%B %-d, %Y} to {report.until:%B %-d, %Y}" if report.since
              else "No messages checked yet")
    story = [Paragraph(f"SafeSend prevention report: {report.district}", styles["Title"]),
             Paragraph(f"Since SafeSend was deployed: {period}. Counts only: no message content, "
                       "no names.", styles["Normal"]), Spacer(1, 12),
             _table(["", ""], [[label, value] for label, value in headline(report)]), Spacer(1, 12)]
    chart = weekly_chart(report)
    if chart is not None:
        story += [Paragraph("Warnings, justifications and blocks per week", styles["Heading2"]),
                  _drawing(chart), Spacer(1, 8),
                  Paragraph("Warnings and blocks per rule, per week", styles["Heading2"]),
                  _drawing(rule_chart(report)), Spacer(1, 8)]
    header = ["", "Checked", "Warned", "Stopped", "Overridden"]
    story += [Paragraph("Per rule", styles["Heading2"]),
              _table(["Rule", "Acted on", "Warned", "Stopped", "Overridden"],
                     [_outcome_row(RULE_LABELS.get(rule, rule), o) for rule, o in report.by_rule.items()]
                     or [["(none)", "0", "0", "0", "0"]]),
              Paragraph("Per school (the sender's address domain)", styles["Heading2"]),
              _table(["School", *header[1:]], [_outcome_row(s, o) for s, o in report.by_school.items()]
                     or [["(none)", "0", "0", "0", "0"]])]
    r = report.reviews
    review = (f"{r.reviewed:,} overrides reviewed: half within {r.median_hours} hours, nine in ten within "
              f"{r.p90_hours} hours. {r.unreviewed:,} not yet reviewed." if r.reviewed
              else f"No override reviewed yet; {r.unreviewed:,} waiting.")
    story += [Paragraph("Override review times", styles["Heading2"]), Paragraph(review, styles["Normal"]),
              Paragraph("Incidents", styles["Heading2"]),
              Paragraph(f"{report.incidents:,} incidents recorded; {report.families_notified:,} families "
                        "notified.", styles["Normal"])]
    document.build(story)
    return out.getvalue()
