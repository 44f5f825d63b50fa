"""The JSON API under /api/v1: thin routes over the engine and the store."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    from . import checks, errors, limits, meta, policy, roster, scans  # noqa: F401  (routes register on import)

    errors.init_app(app)
    limits.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(meta.root)
