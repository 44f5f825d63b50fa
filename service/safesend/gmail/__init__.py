"""The Google Workspace add-on for Gmail (HTTP runtime): its endpoints and deployment."""

from __future__ import annotations

from flask import Flask

from .deployment import DeploymentError, render_deployment


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)


__all__ = ["DeploymentError", "init_app", "render_deployment"]
