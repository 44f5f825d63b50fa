"""Routes for the Outlook add-in: its files, manifest, allow list and settings."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file

from .. import __version__
from ..auth import current_principal, require
from ..config import Settings
from ..policy import Policy
from ..store.db import transaction
from ..store.tenants import DEFAULT_TENANT
from . import files
from .manifest import (
    ADDIN_PATH,
    COMMAND_ID,
    ManifestError,
    ManifestOptions,
    default_app_id_uri,
    render_manifest,
    script_url,
)

bp = Blueprint("addin", __name__)

# Recipients one Outlook field holds on the web, new Outlook and Mac.
RECIPIENTS_PER_FIELD = 500


def _services():
    return current_app.extensions["safesend"]


def _settings() -> Settings:
    return _services().settings


def base_url() -> str:
    """The public URL when configured, else the URL this request came to."""
    return _settings().public_url or request.url_root.rstrip("/")


def app_id_uri() -> str:
    """The configured api:// audience, else the one Office SSO expects for this host."""
    settings = _settings()
    configured = next((a for a in settings.entra_audiences if a.startswith("api://")), "")
    return configured or default_app_id_uri(base_url(), settings.entra_client_id)


def client_settings(policy: Policy) -> dict:
    """What an add-in needs from the policy: fail mode, time, size limits."""
    return {
        "fail_mode": policy.clients.fail_mode,
        "timeout_seconds": policy.clients.timeout_seconds,
        "max_attachment_bytes": policy.limits.max_attachment_bytes,
        "justification_min_length": policy.overrides.justification_min_length,
        "max_recipients_per_field": RECIPIENTS_PER_FIELD,
        "policy_version": policy.version,
    }


def addin_config() -> dict:
    settings = _settings()
    with transaction(_services().sessions) as session:
        # Defaults for when the service cannot be asked: the default tenant's settings.
        defaults = client_settings(_services().policy_for(session, DEFAULT_TENANT))
    config = {"apiBase": base_url(), "version": __version__, "commandId": COMMAND_ID,
              "entraClientId": settings.entra_client_id, "apiScope": "", "devApiKey": "",
              "defaults": defaults}
    if settings.entra_client_id:
        config["apiScope"] = f"{app_id_uri()}/{settings.entra_scope}"
    if settings.addin_dev_api_key:
        # Development only: anyone who can load the add-in files can read this key.
        config["devApiKey"] = settings.addin_dev_api_key
    return config


def _script(text: str) -> Response:
    response = Response(text, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/addin/manifest.xml")
def manifest():
    settings = _settings()
    options = ManifestOptions(base_url=base_url(),
                              send_mode=request.args.get("send_mode", settings.addin_send_mode),
                              entra_client_id=settings.entra_client_id,
                              app_id_uri=app_id_uri() if settings.entra_client_id else "")
    try:
        xml = render_manifest(options)
    except ManifestError as exc:
        return jsonify({"error": {"code": "invalid_request", "message": str(exc), "field": None}}), 400
    return Response(xml, mimetype="application/xml")


@bp.get("/.well-known/microsoft-officeaddins-allowed.json")
def allowed_scripts():
    # Classic Outlook's JavaScript-only runtime needs this for CORS and SSO.
    return jsonify({"allowed": [script_url(base_url())]})


@bp.get(f"{ADDIN_PATH}/launchevent.js")
def handler_script():
    return _script(files.handler_bundle(_addin_dir(), addin_config()))


@bp.get(f"{ADDIN_PATH}/config.js")
def config_script():
    return _script(files.config_script(addin_config()))


@bp.get(f"{ADDIN_PATH}/<path:relative>")
def addin_file(relative: str):
    path = files.served_file(_addin_dir(), relative)
    if path is None:
        abort(404)
    # Icons rarely change; pages and scripts must update as soon as the service does.
    is_icon = path.suffix == ".png"
    response = send_file(path, mimetype=files.SERVED_SUFFIXES[path.suffix], max_age=86400 if is_icon else 0)
    if not is_icon:
        response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/api/v1/client-config")
@require("check")
def client_config():
    with transaction(_services().sessions) as session:
        policy = _services().policy_for(session, current_principal().tenant_id)
        return jsonify(client_settings(policy))


def _addin_dir():
    return files.resolve_addin_dir(_settings().addin_dir)
