"""Flask application factory: builds the app and its services, and nothing else.

A serving process needs more (logging set up, the attachment scanners started):
serving.py does that for `safesend serve`/`safesend demo`, wsgi.py for gunicorn.
The log-record factory that strips values from tracebacks (logsafe) is installed
here all the same: wherever the app runs, a logged traceback never quotes a message.
"""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from . import logsafe
from .config import load_settings
from .services import build_services


def create_app(test_config: dict | None = None) -> Flask:
    settings = load_settings(test_config)
    logsafe.install()   # tracebacks in logs keep frames, never values (privacy)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
        TESTING=settings.testing,
    )
    # Chunked bodies have no Content-Length: count them while they are read (413, not 400).
    from .bodylimit import LimitChunkedBodies

    app.wsgi_app = LimitChunkedBodies(app.wsgi_app, settings.max_request_bytes)  # type: ignore[method-assign]
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.extensions["safesend"] = build_services(settings)
    app.extensions["safesend_token_verifiers"] = []
    # Outlook add-in (issue 4): its own public origin may call the API too.
    from . import addin, identity

    cors_origins = list(dict.fromkeys([*settings.cors_origins, *addin.addin_origins(settings.public_url)]))
    if cors_origins:
        CORS(app, resources={r"/api/*": {"origins": cors_origins}},
             allow_headers=["Authorization", "Content-Type"], max_age=600)

    from . import api

    api.init_app(app)
    # Outlook add-in files, manifest, client settings; Entra ID tokens (issue 4).
    addin.init_app(app)
    identity.init_app(app, settings)
    # Gmail (issue 6): Google ID tokens of the extension's users; the Workspace add-on's endpoints.
    from . import gmail
    from .identity import google_tokens as google_identity

    google_identity.init_app(app, settings)
    gmail.init_app(app)
    # Admin console (issue 5): sign-in, session cookie, CSRF and security headers for /admin.
    from . import admin

    admin.init_app(app, settings)
    # Mail-flow gate (issue 14): the release page /r/<token> linked from a held message's bounce.
    from .gate import release

    release.init_app(app)
    return app
