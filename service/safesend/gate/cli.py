"""`safesend gate`: run the milter; `safesend gate config`: print the Postfix lines."""

from __future__ import annotations

import logging

import click

SOCKET_HELP = ("Listen on this UNIX socket instead of TCP (faster on the same host: "
               "see README, Mail-flow gate).")


def _gate(tenant: str, public_url: str):
    from ..cli import _services
    from ..store.db import transaction
    from .decide import Gate

    services = _services()
    with transaction(services.sessions) as session:
        fail_mode = services.policy_for(session, tenant).clients.fail_mode
    return Gate(services, tenant, public_url, fail_mode), fail_mode


def _octal(ctx, param, value: str) -> int:
    try:
        return int(value, 8)
    except ValueError:
        raise click.BadParameter("an octal mode such as 660") from None


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address Postfix connects to.")
@click.option("--port", default=8891, show_default=True, type=int)
@click.option("--socket", "socket_path", type=click.Path(dir_okay=False), help=SOCKET_HELP)
@click.option("--socket-mode", default="660", show_default=True, callback=_octal,
              help="The socket's permissions: Postfix must be able to write to it.")
@click.option("--socket-group", help="Give the socket to this group (e.g. postfix).")
@click.option("--tenant", default="default", show_default=True)
@click.option("--public-url", default="", help="Where the release page is (default SAFESEND_PUBLIC_URL).")
@click.pass_context
def gate(ctx, host: str, port: int, socket_path: str | None, socket_mode: int,
         socket_group: str | None, tenant: str, public_url: str) -> None:
    """Run the mail-flow gate: a milter Postfix asks about every message."""
    if ctx.invoked_subcommand is not None:
        return
    from .milter import libmilter_address, serve

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    instance, _ = _gate(tenant, public_url)
    address = libmilter_address(host, port, socket_path)
    click.echo(f"SafeSend gate: milter on {address} for tenant {tenant}", err=True)
    serve(instance, address, socket_mode=socket_mode, socket_group=socket_group)


@gate.command("config")
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the gate listens.")
@click.option("--port", default=8891, show_default=True, type=int)
@click.option("--socket", "socket_path", help="The gate's UNIX socket (as Postfix's smtpd sees it).")
@click.option("--fail-mode", type=click.Choice(["open", "closed"]),
              help="Default: the policy's clients.fail_mode.")
@click.option("--listen", default="smtp", show_default=True,
              help="The relay's SMTP listener in master.cf (smtp = port 25).")
@click.option("--tenant", default="default", show_default=True)
def config(host: str, port: int, socket_path: str | None, fail_mode: str | None, listen: str,
           tenant: str) -> None:
    """Print the Postfix main.cf and master.cf lines for the gate."""
    from .postfix import main_cf, master_cf_smtp, milter_address

    if fail_mode is None:
        from ..cli import _services
        from ..store.db import transaction

        services = _services()
        with transaction(services.sessions) as session:
            fail_mode = services.policy_for(session, tenant).clients.fail_mode
        services.close()
    click.echo("# --- main.cf ---")
    click.echo(main_cf(milter_address(host, port, socket_path), fail_mode), nl=False)
    click.echo("# --- master.cf ---")
    click.echo(master_cf_smtp(listen), nl=False)
