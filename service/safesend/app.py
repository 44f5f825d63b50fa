"""Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import load_settings
from .services import build_services


def create_app(test_config: dict | None = None) -> Flask:
    settings = load_settings(test_config)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
        TESTING=settings.testing,
    )
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    if not app.debug and not logging.getLogger("safesend").handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app.extensions["safesend"] = build_services(settings)
    if not settings.testing:
        # Start the attachment scanners now, not on the first send after boot.
        from .extract import warm_up

        warm_up()
    app.extensions["safesend_token_verifiers"] = []
    if settings.cors_origins:
        CORS(app, resources={r"/api/*": {"origins": settings.cors_origins}},
             allow_headers=["Authorization", "Content-Type"], max_age=600)

    from . import api

    api.init_app(app)
    return app
