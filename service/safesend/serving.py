"""Serving the WSGI app from the CLI (waitress: pure Python, any platform)."""

from __future__ import annotations

import click


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
