"""Serving the WSGI app: what a serving process sets up beyond the app factory
(logging, the attachment scanners), and waitress for the CLI (pure Python, any
platform). gunicorn's entry (wsgi.py) uses the same set-up."""

from __future__ import annotations

import gc
import logging
import sys

import click
from flask import Flask
from flask.helpers import get_debug_flag

from .logsafe import LOG_FORMAT


def configure_logging() -> None:
    """INFO and up to stderr unless something (a test, a debug run) set up logging already;
    Alembic's per-migration chatter off."""
    if not get_debug_flag() and not logging.getLogger("safesend").handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def start_workers(app: Flask) -> None:
    """Start the attachment scanners now, not on the first send after boot (in each
    gunicorn worker: they are processes of this one)."""
    if app.config["TESTING"]:
        return
    from .extract import warm_up

    warm_up()


def serving_app(test_config: dict | None = None) -> Flask:
    """The app as a server runs it: logging first (migrations log), then the app, then workers."""
    from .app import create_app

    configure_logging()
    # A quick check waits for the interpreter lock after each database round trip; while
    # a big attachment is scanned in another thread it waited up to the default 5 ms
    # switch interval each time. 1 ms hands the lock back sooner.
    sys.setswitchinterval(0.001)
    app = create_app(test_config)
    start_workers(app)
    if not app.config["TESTING"]:
        freeze_start_up_objects()
    return app


def freeze_start_up_objects() -> None:
    """What start-up built (modules, the app, compiled policies' matchers) lives as long as
    the process: move it out of the collector's reach. A full collection walked all of it,
    ~80 ms during which every request of the process stalled (the p99 under load)."""
    gc.collect()
    gc.freeze()


def print_urls(host: str, port: int, keys: dict[str, str] | None = None) -> None:
    shown = "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host
    base = f"http://{shown}:{port}"
    click.echo("SafeSend is starting:")
    click.echo(f"  health        {base}/healthz")
    click.echo(f"  API           {base}/api/v1/checks")
    click.echo(f"  OpenAPI       {base}/api/openapi.json")
    click.echo(f"  console       {base}/admin/")
    click.echo(f"  Outlook       {base}/addin/manifest.xml  (add-in manifest; files under /addin/)")
    click.echo(f"  Gmail add-on  {base}/gmail/addon/deployment.json  (Workspace add-on deployment; "
               "Google POSTs to the endpoints it names)")
    for role, key in (keys or {}).items():
        click.echo(f"  {role + ' key':<13} {key}")
    if keys and "client" in keys:
        click.echo("Try it:")
        click.echo(f"  curl -s -H 'Authorization: Bearer {keys['client']}' "
                   f"-H 'Content-Type: application/json' {base}/api/v1/checks "
                   "-d @examples/check-504-meeting.json")


def serve_app(app, host: str, port: int, threads: int) -> None:
    from waitress import serve

    serve(app, host=host, port=port, threads=threads, ident="safesend",
          max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1024)
