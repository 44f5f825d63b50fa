"""gunicorn's entry: `gunicorn ... 'safesend.wsgi:application()'`.

The app factory (app.create_app) has no side effects beyond the app; this
sets up what a serving process needs first (serving.serving_app): logging,
then the app, then the attachment scanners, once per gunicorn worker.
"""

from __future__ import annotations

from flask import Flask

from .serving import serving_app


def application(test_config: dict | None = None) -> Flask:
    return serving_app(test_config)
