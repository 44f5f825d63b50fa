"""The prevention report on the demo's weeks of activity: figures counted
independently in SQL, the PDF rendered to PNG pages (pdftoppm) and its text
(pdftotext) checked for the headline figures."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from sqlalchemy import text

from safesend.incident.prevention import prevention_report
from safesend.incident.prevention_pdf import prevention_pdf
from safesend.store.db import transaction


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is missing: apt-get install poppler-utils (CI's .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def demo_app(make_app):
    from safesend.demo import setup_demo, setup_demo_console

    app = make_app()
    setup_demo(app)
    setup_demo_console(app)
    return app


def test_figures_match_the_database_and_name_no_one(demo_app):
    services = demo_app.extensions["safesend"]
    with transaction(services.sessions) as db:
        report = prevention_report(db, "default", "Demo District")
        checks, blocked = db.execute(text(
            "SELECT count(*), sum(CASE WHEN action = 'block' THEN 1 ELSE 0 END) FROM checks "
            "WHERE tenant_id = 'default'")).one()
        overrides = db.execute(text("SELECT count(*) FROM overrides")).scalar()
        senders = list(db.execute(text("SELECT DISTINCT sender FROM checks")).scalars())
    assert checks > 100 and report.totals.checks == checks
    assert report.totals.blocked == blocked and report.totals.overridden == overrides
    assert sum(o.checks for o in report.by_school.values()) == checks
    assert report.since is not None and len(report.weekly.starts) >= 4
    assert sum(report.weekly.checks) == checks
    assert report.reviews.reviewed + report.reviews.unreviewed == overrides
    assert not any(sender in report.by_school for sender in senders)


def test_pdf_renders_to_png_pages_with_the_headline_figures(demo_app, tmp_path):
    pdftoppm, pdftotext = _poppler("pdftoppm"), _poppler("pdftotext")
    with transaction(demo_app.extensions["safesend"].sessions) as db:
        report = prevention_report(db, "default", "Demo District")
        senders = list(db.execute(text("SELECT DISTINCT sender FROM checks")).scalars())
    pdf = tmp_path / "prevention.pdf"
    pdf.write_bytes(prevention_pdf(report))
    subprocess.run([pdftoppm, "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True,
                   timeout=120)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pages)
    assert pages[0].stat().st_size > 5000          # a drawn page, not a blank one
    words = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True, timeout=120).stdout
    assert "SafeSend prevention report: Demo District" in words
    for label, value in (("Messages checked", report.totals.checks), ("Stopped", report.totals.blocked),
                         ("Sent anyway (overridden)", report.totals.overridden)):
        assert any(label in line and f"{value:,}" in line for line in words.splitlines()), label
    assert "Per school" in words and "Override review times" in words
    assert not any(sender in words for sender in senders)


def test_an_empty_district_gets_a_report_too(app):
    with transaction(app.extensions["safesend"].sessions) as db:
        report = prevention_report(db, "default", "New District")
    assert report.totals.checks == 0 and report.since is None
    assert prevention_pdf(report).startswith(b"%PDF")
