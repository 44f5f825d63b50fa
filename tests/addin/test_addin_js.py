"""The add-in's JavaScript unit tests, run with Node's own test runner."""

from __future__ import annotations

import subprocess
from pathlib import Path

JS_TESTS = Path(__file__).parent / "js"


def test_node_unit_tests_pass(node):
    files = sorted(str(p) for p in JS_TESTS.glob("*.test.js"))
    assert files, "no JavaScript tests found"
    result = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=120)
    summary = "\n".join(line for line in result.stdout.splitlines() if line.startswith("# "))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "# fail 0" in summary, summary
