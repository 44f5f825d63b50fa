"""The Outlook manifest: structure, ids, URLs, and the files and routes it names."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from safesend.addin import COMMAND_ID, HANDLER_NAME, ManifestError, ManifestOptions, render_manifest
from safesend.cli import main

ROOT = Path(__file__).resolve().parents[2]
NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "v10": "http://schemas.microsoft.com/office/mailappversionoverrides",
    "v11": "http://schemas.microsoft.com/office/mailappversionoverrides/1.1",
}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
BASE = "https://safesend.district.example.org"


def resources(overrides) -> dict[str, str]:
    found = {}
    for kind in ("bt:Images/bt:Image", "bt:Urls/bt:Url", "bt:ShortStrings/bt:String",
                 "bt:LongStrings/bt:String"):
        for node in overrides.findall(f"v11:Resources/{kind}", NS):
            assert node.get("id") not in found, f"duplicate resource id {node.get('id')}"
            assert len(node.get("id")) <= 32, node.get("id")
            found[node.get("id")] = node.get("DefaultValue")
    return found


def manifest_facts(xml: str, base: str) -> dict:
    """Parse and check the manifest; return what other tests compare against."""
    root = ElementTree.fromstring(xml.encode())
    assert root.tag == f"{{{NS['o']}}}OfficeApp" and root.get(XSI_TYPE) == "MailApp"
    uuid.UUID(root.findtext("o:Id", namespaces=NS))
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", root.findtext("o:Version", namespaces=NS))
    assert root.findtext("o:Permissions", namespaces=NS) == "ReadWriteItem"
    outer = root.find("v10:VersionOverrides", NS)
    assert outer is not None and outer.get(XSI_TYPE) == "VersionOverridesV1_0"
    overrides = outer.find("v11:VersionOverrides", NS)
    assert overrides is not None and overrides.get(XSI_TYPE) == "VersionOverridesV1_1"
    sets = overrides.find("v11:Requirements/bt:Sets", NS)
    assert sets.get("DefaultMinVersion") == "1.12"
    assert [s.get("Name") for s in sets.findall("bt:Set", NS)] == ["Mailbox"]
    found = resources(overrides)

    host = overrides.find("v11:Hosts/v11:Host", NS)
    assert host.get(XSI_TYPE) == "MailHost"
    runtime = host.find("v11:Runtimes/v11:Runtime", NS)
    override = runtime.find("v11:Override", NS)
    assert override.get("type") == "javascript"

    launch = _extension_point(host, "LaunchEvent")
    events = launch.findall("v11:LaunchEvents/v11:LaunchEvent", NS)
    assert [e.get("Type") for e in events] == ["OnMessageSend"], "one OnMessageSend handler per manifest"
    # The event runs in the runtime declared in Runtimes.
    assert launch.find("v11:SourceLocation", NS).get("resid") == runtime.get("resid")

    surface = _extension_point(host, "MessageComposeCommandSurface")
    controls = surface.findall(".//v11:Control", NS)
    assert len(controls) == 1
    control = controls[0]
    action = control.find("v11:Action", NS)
    assert action.get(XSI_TYPE) == "ShowTaskpane"

    referenced = [n.get("resid") for n in overrides.iter() if n.get("resid")]
    missing = sorted({r for r in referenced if r not in found})
    assert not missing, f"resids without a resource: {missing}"

    urls = [v for v in found.values() if v.startswith("http")]
    urls += [root.find(f"o:{name}", NS).get("DefaultValue")
             for name in ("IconUrl", "HighResolutionIconUrl", "SupportUrl")]
    urls += [n.get("DefaultValue") for n in root.findall("o:FormSettings//o:SourceLocation", NS)]
    outside = [u for u in urls if not u.startswith(base + "/")]
    assert not outside, f"URLs outside {base}: {outside}"
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
    assert [d.text for d in root.findall("o:AppDomains/o:AppDomain", NS)] == [origin]
    return {
        "handler": events[0].get("FunctionName"), "send_mode": events[0].get("SendMode"),
        "command_id": control.get("id"), "runtime_page": found[runtime.get("resid")],
        "runtime_script": found[override.get("resid")],
        "taskpane": found[action.find("v11:SourceLocation", NS).get("resid")],
        "urls": urls, "overrides": overrides,
    }


def _extension_point(host, kind):
    for point in host.findall("v11:DesktopFormFactor/v11:ExtensionPoint", NS):
        if point.get(XSI_TYPE) == kind:
            return point
    raise AssertionError(f"no {kind} extension point")


def associated_handler_names() -> list[str]:
    source = (ROOT / "addin" / "outlook" / "launchevent.js").read_text()
    return re.findall(r"""Office\.actions\.associate\(\s*["'](\w+)["']""", source)


def test_rendered_manifest_is_consistent():
    facts = manifest_facts(render_manifest(ManifestOptions(base_url=BASE)), BASE)
    assert facts["send_mode"] == "SoftBlock"
    assert facts["handler"] == HANDLER_NAME
    assert associated_handler_names() == [facts["handler"]]
    assert facts["command_id"] == COMMAND_ID
    assert facts["runtime_page"] == f"{BASE}/addin/outlook/commands.html"
    assert facts["runtime_script"] == f"{BASE}/addin/outlook/launchevent.js"
    assert facts["taskpane"] == f"{BASE}/addin/outlook/taskpane.html"
    assert facts["overrides"].find("v11:WebApplicationInfo", NS) is None


def test_committed_manifest_is_the_rendered_default():
    committed = (ROOT / "manifest.xml").read_text()
    assert committed == render_manifest(ManifestOptions(base_url="https://localhost:8443"))
    manifest_facts(committed, "https://localhost:8443")


@pytest.mark.parametrize("mode", ["SoftBlock", "PromptUser", "Block"])
def test_send_modes(mode):
    assert manifest_facts(render_manifest(ManifestOptions(BASE, send_mode=mode)), BASE)["send_mode"] == mode


def test_sso_registration_adds_web_application_info_last():
    xml = render_manifest(ManifestOptions(BASE + "/", entra_client_id="11111111-2222-3333-4444-555555555555"))
    overrides = manifest_facts(xml, BASE)["overrides"]
    info = list(overrides)[-1]
    assert info.tag == f"{{{NS['v11']}}}WebApplicationInfo"
    assert info.findtext("v11:Resource", namespaces=NS) == \
        "api://safesend.district.example.org/11111111-2222-3333-4444-555555555555"


def test_base_url_with_a_path_prefix():
    base = "https://district.example.org/safesend"
    facts = manifest_facts(render_manifest(ManifestOptions(base)), base)
    assert facts["taskpane"] == base + "/addin/outlook/taskpane.html"


@pytest.mark.parametrize("bad", ["ftp://x.org", "safesend.district.org", "https://x.org/?a=1"])
def test_bad_base_urls_are_refused(bad):
    with pytest.raises(ManifestError):
        render_manifest(ManifestOptions(bad))
    with pytest.raises(ManifestError):
        render_manifest(ManifestOptions(BASE, send_mode="Sometimes"))


def test_cli_prints_the_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("SAFESEND_ENTRA_CLIENT_ID", raising=False)
    runner = CliRunner()
    result = runner.invoke(main, ["manifest", "--base-url", BASE, "--send-mode", "Block"])
    assert result.exit_code == 0, result.output
    assert manifest_facts(result.output, BASE)["send_mode"] == "Block"
    out = tmp_path / "manifest.xml"
    assert runner.invoke(main, ["manifest", "--base-url", BASE, "--output", str(out)]).exit_code == 0
    assert manifest_facts(out.read_text(), BASE)["send_mode"] == "SoftBlock"
    refused = runner.invoke(main, ["manifest", "--base-url", "not a url"])
    assert refused.exit_code == 2 and "base URL" in refused.output


def test_served_manifest_names_files_the_service_serves(client):
    response = client.get("/addin/manifest.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    base = "http://localhost"  # the test client's host; SAFESEND_PUBLIC_URL overrides it
    facts = manifest_facts(response.get_data(as_text=True), base)
    for url in facts["urls"]:
        served = client.get(url.removeprefix(base))
        assert served.status_code == 200, url
    script = client.get("/addin/outlook/launchevent.js").get_data(as_text=True)
    # One self-contained script for the JavaScript-only runtime: config, helpers, handler.
    assert script.index("SafeSendConfig =") < script.index("SafeSendCore") < script.index(
        'Office.actions.associate("onMessageSendHandler"')
    assert "import " not in re.sub(r"(//|\*).*", "", script)
    assert client.get("/addin/manifest.xml?send_mode=Nope").status_code == 400


def test_public_url_drives_manifest_allow_list_and_config(make_app):
    app = make_app(public_url="https://safesend.district.example.org/")
    client = app.test_client()
    facts = manifest_facts(client.get("/addin/manifest.xml").get_data(as_text=True), BASE)
    allowed = client.get("/.well-known/microsoft-officeaddins-allowed.json").json
    assert allowed == {"allowed": [facts["runtime_script"]]}
    config = client.get("/addin/outlook/config.js").get_data(as_text=True)
    assert f'"apiBase": "{BASE}"' in config and f'"commandId": "{COMMAND_ID}"' in config
    assert '"devApiKey": ""' in config
    preflight = client.options("/api/v1/checks", headers={
        "Origin": BASE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert preflight.headers.get("Access-Control-Allow-Origin") == BASE


def test_add_in_files_cannot_escape_their_folder(client):
    for path in ("/addin/outlook/../../README.md", "/addin/outlook/%2e%2e/%2e%2e/pyproject.toml",
                 "/addin/outlook/nothing.js", "/addin/outlook/icons/"):
        assert client.get(path).status_code == 404, path


def test_client_config_needs_a_key_and_follows_the_policy(client, auth):
    assert client.get("/api/v1/client-config").status_code == 401
    saved = client.put("/api/v1/policy", headers=auth["it"], json={
        "clients": {"fail_mode": "closed", "timeout_seconds": 2.5},
        "limits": {"max_attachment_bytes": 1_000_000}, "overrides": {"justification_min_length": 25}})
    assert saved.status_code == 200
    body = client.get("/api/v1/client-config", headers=auth["client"]).json
    assert body == {"fail_mode": "closed", "timeout_seconds": 2.5, "max_attachment_bytes": 1_000_000,
                    "justification_min_length": 25, "max_recipients_per_field": 500,
                    "policy_version": saved.json["version"]}
