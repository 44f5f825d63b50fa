"""The Outlook add-in's service side: its files, manifest and settings."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

from .manifest import COMMAND_ID, HANDLER_NAME, ManifestError, ManifestOptions, render_manifest


def addin_origins(public_url: str) -> list[str]:
    """The add-in's own origin, allowed to call /api/* (CORS) when it is set."""
    parts = urlsplit(public_url or "")
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)


__all__ = ["COMMAND_ID", "HANDLER_NAME", "ManifestError", "ManifestOptions", "addin_origins",
           "init_app", "render_manifest"]
