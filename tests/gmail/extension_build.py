"""The extension's build, made on demand for the tests: `npm ci` when
node_modules is missing, `npm run build` when the output is older than the
sources. Tests skip, saying why, when Node is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[2] / "addin" / "gmail" / "extension"
HARNESS = EXTENSION / "build" / "harness.js"
INPUTS = ("src", "static", "build.mjs", "package.json", "package-lock.json")


def require_node() -> str:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed: the Gmail extension cannot be built or tested")
    return node


def _newest_input() -> float:
    paths = [EXTENSION / name for name in INPUTS]
    files = [p for path in paths for p in ([path] if path.is_file() else path.rglob("*"))]
    return max(p.stat().st_mtime for p in files if p.is_file())


def _run(*command: str) -> None:
    result = subprocess.run(command, cwd=EXTENSION, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed in {EXTENSION}:\n{result.stdout}\n{result.stderr}")


def ensure_built() -> Path:
    require_node()
    if not (EXTENSION / "node_modules" / "@inboxsdk" / "core").is_dir():
        _run("npm", "ci", "--no-audit", "--no-fund")
    dist = EXTENSION / "dist" / "manifest.json"
    if not HARNESS.is_file() or not dist.is_file() or HARNESS.stat().st_mtime < _newest_input():
        _run("npm", "run", "build")
    return EXTENSION
