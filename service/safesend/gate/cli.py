"""`safesend gate`: run the milter; `safesend gate config`: print the Postfix lines."""

from __future__ import annotations

import logging

import click


def _gate(tenant: str, public_url: str):
    from ..cli import _services
    from ..store.db import transaction
    from .decide import Gate

    services = _services()
    with transaction(services.sessions) as session:
        fail_mode = services.policy_for(session, tenant).clients.fail_mode
    return Gate(services, tenant, public_url, fail_mode), fail_mode


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address Postfix connects to.")
@click.option("--port", default=8891, show_default=True, type=int)
@click.option("--tenant", default="default", show_default=True)
@click.option("--public-url", default="", help="Where the release page is (default SAFESEND_PUBLIC_URL).")
@click.pass_context
def gate(ctx, host: str, port: int, tenant: str, public_url: str) -> None:
    """Run the mail-flow gate: a milter Postfix asks about every message."""
    if ctx.invoked_subcommand is not None:
        return
    from .milter import serve

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    instance, _ = _gate(tenant, public_url)
    click.echo(f"SafeSend gate: milter on inet:{host}:{port} for tenant {tenant}", err=True)
    serve(instance, host, port)


@gate.command("config")
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the gate listens.")
@click.option("--port", default=8891, show_default=True, type=int)
@click.option("--fail-mode", type=click.Choice(["open", "closed"]),
              help="Default: the policy's clients.fail_mode.")
@click.option("--listen", default="smtp", show_default=True,
              help="The relay's SMTP listener in master.cf (smtp = port 25).")
@click.option("--tenant", default="default", show_default=True)
def config(host: str, port: int, fail_mode: str | None, listen: str, tenant: str) -> None:
    """Print the Postfix main.cf and master.cf lines for the gate."""
    from .postfix import main_cf, master_cf_smtp

    if fail_mode is None:
        from ..cli import _services
        from ..store.db import transaction

        services = _services()
        with transaction(services.sessions) as session:
            fail_mode = services.policy_for(session, tenant).clients.fail_mode
        services.close()
    click.echo("# --- main.cf ---")
    click.echo(main_cf(host, port, fail_mode), nl=False)
    click.echo("# --- master.cf ---")
    click.echo(master_cf_smtp(listen), nl=False)
