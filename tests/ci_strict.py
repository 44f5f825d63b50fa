"""Under CI=true a skip is a failure: a missing PostgreSQL, Redis, Chromium, Node, tool or
corpus must turn the run red, never green with hundreds of tests skipped.

tests/conftest.py imports these hooks, so they cover every test under tests/, whatever
helper made it skip (pytest.skip, importorskip, skipif, a skipping fixture, a module-level
skip). Two ways out, both explicit: an expected failure (`xfail`), or the marker
`@pytest.mark.may_skip("why this skip is legitimate on some platform")`.
"""

from __future__ import annotations

import os

import pytest

MARKER = "may_skip"


def ci_is_strict() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _reason(longrepr) -> str:
    # A skip's longrepr is (path, line, "Skipped: why").
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _failure(kind: str, longrepr) -> str:
    return (f"CI=true: this {kind} skipped ({_reason(longrepr)}). In CI every service, browser, tool "
            f"and corpus must be present; a legitimate platform skip needs "
            f"@pytest.mark.{MARKER}(\"why\").")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{MARKER}(reason): this test may skip even under CI=true (a platform reason)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and ci_is_strict()) or hasattr(report, "wasxfail"):
        return
    if item.get_closest_marker(MARKER) is not None:
        return
    report.outcome = "failed"
    report.longrepr = _failure("test", report.longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and ci_is_strict():
        report.outcome = "failed"
        report.longrepr = _failure("module", report.longrepr)
