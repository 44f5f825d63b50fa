"""The extension's pure helpers (Node's test runner), and the build's output."""

from __future__ import annotations

import json
import subprocess
import zipfile

from gmail.extension_build import EXTENSION, ensure_built, require_node


def test_pure_helpers_pass_under_node():
    node = require_node()
    result = subprocess.run([node, "--test", "test/"], cwd=EXTENSION, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout


def test_build_produces_an_mv3_extension_and_a_zip():
    root = ensure_built()
    dist = root / "dist"
    manifest = json.loads((dist / "manifest.json").read_text())
    package = json.loads((root / "package.json").read_text())
    assert manifest["manifest_version"] == 3 and manifest["version"] == package["version"]
    assert manifest["storage"]["managed_schema"] == "schema.json"
    assert {"storage", "scripting", "identity"} <= set(manifest["permissions"])
    for name in ("content.js", "background.js", "pageWorld.js", "options.html", "options.js", "schema.json",
                 *manifest["icons"].values()):
        assert (dist / name).is_file(), name
    schema = json.loads((dist / "schema.json").read_text())
    assert {"serviceUrl", "workspaceDomains", "inboxSdkAppId", "oauthClientId", "failMode"} <= set(
        schema["properties"])
    # InboxSDK is bundled, not fetched: MV3 allows no remotely hosted code.
    content = (dist / "content.js").read_text()
    assert "registerComposeViewHandler" in content and "<script src=" not in content
    with zipfile.ZipFile(root / "build" / f"safesend-gmail-{package['version']}.zip") as archive:
        assert "manifest.json" in archive.namelist() and "pageWorld.js" in archive.namelist()
