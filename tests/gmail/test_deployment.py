"""deployment.json for the Workspace add-on, rendered for one service URL."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import safesend
from safesend.cli import main
from safesend.gmail import DeploymentError, render_deployment


def run_functions(document: dict) -> list[str]:
    common = document["addOns"]["common"]
    compose = document["addOns"]["gmail"]["composeTrigger"]
    return [common["homepageTrigger"]["runFunction"], *(a["runFunction"] for a in compose["actions"])]


def test_every_endpoint_is_under_the_base_url():
    document = render_deployment("https://safesend.district.org/")
    assert run_functions(document) == ["https://safesend.district.org/gmail/addon/homepage",
                                       "https://safesend.district.org/gmail/addon/compose"]
    assert document["addOns"]["common"]["logoUrl"] == "https://safesend.district.org/gmail/addon/logo.png"
    assert document["addOns"]["gmail"]["composeTrigger"]["draftAccess"] == "METADATA"
    assert document["addOns"]["httpOptions"]["authorizationHeader"] == "SYSTEM_ID_TOKEN"
    assert "{{" not in json.dumps(document)
    scopes = document["oauthScopes"]
    assert "https://www.googleapis.com/auth/gmail.addons.current.action.compose" in scopes
    assert "openid" in scopes and "https://www.googleapis.com/auth/userinfo.email" in scopes


@pytest.mark.parametrize("url", ["safesend.district.org", "http://safesend.district.org",
                                 "https://safesend.district.org/?x=1", "ftp://x"])
def test_urls_google_cannot_call_are_refused(url):
    with pytest.raises(DeploymentError):
        render_deployment(url)


def test_cli_renders_the_deployment(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFESEND_INSTANCE_PATH", str(tmp_path))
    out = tmp_path / "deployment.json"
    result = CliRunner().invoke(main, ["gmail-deployment", "--base-url", "https://s.example.org",
                                       "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert run_functions(json.loads(out.read_text()))[1] == "https://s.example.org/gmail/addon/compose"
    bad = CliRunner().invoke(main, ["gmail-deployment", "--base-url", "http://s.example.org"])
    assert bad.exit_code == 2 and "https" in bad.output


REPO = Path(__file__).resolve().parents[2]
EXTENSION_ICON = REPO / "addin/gmail/extension/static/icons/icon-128.png"


def test_logo_is_served(gmail_client):
    response = gmail_client.get("/gmail/addon/logo.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    # The add-on shows the same picture as the extension.
    assert response.data == EXTENSION_ICON.read_bytes()


@pytest.mark.parametrize("relative", ["gmail/static/logo.png", "gmail/deployment_template.json"])
def test_the_add_on_files_ship_inside_the_package(relative):
    """A wheel holds only the package and its package-data: the logo and the
    deployment template must be among them (the template once lived in addin/)."""
    package = Path(safesend.__file__).parent
    wanted = package / relative
    assert wanted.is_file()
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = {path for pattern in patterns["safesend"] for path in package.glob(pattern)}
    assert wanted in shipped


def test_the_default_template_is_the_packaged_one():
    from safesend.gmail.deployment import default_template

    assert default_template() == Path(safesend.__file__).parent / "gmail" / "deployment_template.json"


def test_the_deployment_the_demo_prints_opens_in_a_browser(gmail_app, gmail_client):
    """`make demo` prints this address: a GET must answer with the deployment
    whose every endpoint is under this service's public URL."""
    public = gmail_app.extensions["safesend"].settings.public_url.rstrip("/")
    response = gmail_client.get("/gmail/addon/deployment.json")
    assert response.status_code == 200
    endpoints = [v for v in _strings(response.get_json()) if "/gmail/addon/" in v]
    assert len(endpoints) >= 3 and all(u.startswith(public + "/gmail/addon/") for u in endpoints)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
