"""deployment.json for `gcloud workspace-add-ons deployments create`, for one service URL.

The template (deployment_template.json, shipped in the package) names every endpoint as
{{BASE_URL}}/...; Google calls exactly those URLs, and each request's system
ID token carries the URL it was sent to as its audience.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

PLACEHOLDER = "{{BASE_URL}}"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class DeploymentError(ValueError):
    pass


def default_template() -> Path:
    """The template shipped inside the package, so a wheel install renders it too."""
    return Path(__file__).resolve().parent / "deployment_template.json"


def render_deployment(base_url: str, template: Path | None = None) -> dict:
    base = _checked_base_url(base_url)
    path = template or default_template()
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DeploymentError(f"cannot read the template {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise DeploymentError(f"the template {path} is not JSON (line {exc.lineno})") from None
    return _substitute(document, base)


def _checked_base_url(base_url: str) -> str:
    parts = urlsplit((base_url or "").strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise DeploymentError(f"{base_url!r} is not a URL like https://safesend.district.org")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise DeploymentError("Google calls add-on endpoints only over https")
    if parts.query or parts.fragment:
        raise DeploymentError("the base URL must not have a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def _substitute(value, base: str):
    if isinstance(value, str):
        return value.replace(PLACEHOLDER, base)
    if isinstance(value, list):
        return [_substitute(v, base) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, base) for k, v in value.items()}
    return value
