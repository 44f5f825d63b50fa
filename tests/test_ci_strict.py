"""The CI=true rule itself: every kind of skip fails, except xfail and an explicit may_skip."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

TESTS = Path(__file__).resolve().parent

SKIPPING = '''
import pytest

@pytest.fixture
def redis():
    pytest.skip("Redis at 127.0.0.1:6379 is not reachable")

def test_skips_in_the_body():
    pytest.skip("corpora not found")

def test_skips_in_a_fixture(redis):
    pass

@pytest.mark.skipif(True, reason="node is not installed")
def test_skipif():
    pass

def test_importorskip():
    pytest.importorskip("a_module_nobody_installed")

@pytest.mark.xfail(reason="a known bug", strict=True)
def test_expected_failure():
    assert False

@pytest.mark.may_skip("Windows has no fork()")
def test_legitimate_platform_skip():
    pytest.skip("not on this platform")

def test_passes():
    pass
'''

MODULE_SKIP = '''
import pytest
pytest.importorskip("another_module_nobody_installed")

def test_never_collected():
    pass
'''


@pytest.fixture
def project(pytester):
    pytester.syspathinsert(TESTS)
    pytester.makeconftest("from ci_strict import pytest_configure, pytest_make_collect_report, "
                          "pytest_runtest_makereport  # noqa: F401\n")
    pytester.makepyfile(test_skipping=SKIPPING, test_module_skip=MODULE_SKIP)
    return pytester


def test_skips_fail_under_ci(project, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = project.runpytest("-p", "no:cacheprovider", "test_skipping.py")
    # The two that skip in their body fail, the two that skip while being set up (a fixture,
    # skipif) error; the xfail and the may_skip test stay as they were.
    result.assert_outcomes(passed=1, failed=2, errors=2, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(["*CI=true: this test skipped (corpora not found)*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_skipped_module_fails_under_ci(project, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = project.runpytest("-p", "no:cacheprovider", "test_module_skip.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*CI=true: this module skipped*another_module_nobody_installed*"])
    assert result.ret != pytest.ExitCode.OK


def test_skips_stay_skips_outside_ci(project, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=6, xfailed=1)
    assert result.ret == pytest.ExitCode.OK
