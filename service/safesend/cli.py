"""The `safesend` command."""

from __future__ import annotations

import json
import os
import sys

import click

from .actions import rank
from .cli_support import EXIT_ERROR, EXIT_OK, EXIT_WARN, transaction
from .cli_support import services as _services
from .config import DEFAULT_TENANT, load_settings


class _Commands(click.Group):
    """The command groups of other modules are imported when named: their modules
    import SQLAlchemy, which `safesend check` on SQLite does without, and compiling
    and building them all would cost `safesend check` more than its own work."""

    LAZY = {
        "incident": ("safesend.incident.commands", "incident"),  # incident response (issue 12)
        "vault": ("safesend.incident.cli", "vault"),
        "gate": ("safesend.gate.cli", "gate"),                   # mail-flow gate (issue 14)
        # Administration (cli_admin.py): `safesend check` does not compile or build them.
        **{name: ("safesend.cli_admin", name.replace("-", "_")) for name in (
            "apikey", "audit", "db", "directory", "gmail-deployment", "manifest", "overrides",
            "policy", "roster", "user", "worker")},
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            import importlib

            module, name = self.LAZY[cmd_name]
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """SafeSend: send-time safety checks for school email."""
    from .logsafe import install

    install()   # tracebacks in logs keep frames, never values (privacy)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Run the service with waitress (use gunicorn in production)."""
    from .serving import print_urls, serve_app, serving_app

    app = serving_app()
    print_urls(host, port)
    serve_app(app, host, port, threads)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set up the demo data and exit.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Set up demo data (policy, API keys) on SQLite and serve it."""
    from .demo import setup_demo
    from .serving import print_urls, serve_app, serving_app

    app = serving_app()
    keys = setup_demo(app)
    print_urls(host, port, keys)
    # Admin console (issue 5): demo accounts, roster and weeks of synthetic activity.
    from .demo import setup_demo_console

    accounts = setup_demo_console(app)
    for email, password in accounts.items():
        click.echo(f"  {'sign in':<13} {email}  password {password}")
    if not no_serve:
        # Incident response (issue 12): one embedded worker for scans, and an export to scan.
        from .incident.demo import start_demo_worker

        worker = start_demo_worker(app)
        try:
            serve_app(app, host, port, 8)
        finally:
            worker.stop()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--policy", "policy_file", type=click.Path(dir_okay=False),
              help="Judge with this policy file instead of the service's current policy.")
@click.option("--json", "as_json", is_flag=True, help="One verdict JSON per line, in input order.")
def check(files: tuple[str, ...], policy_file: str | None, as_json: bool) -> None:
    """Check .eml/.msg files. Exit 0 all allowed, 1 any warning or stronger, 2 on errors."""
    # SafeSend uses no pydantic plugin; looking for them reads every installed package's
    # entry points before the policy's models are built (~5 ms). A setting given is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from .engine import evaluate
    from .mailfile import MailFileError, read_message_file
    from .policy import PolicyError

    try:
        policy, context_for = _check_setup(policy_file)
    except PolicyError as exc:
        click.echo(f"error: policy {policy_file}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    worst, failed = "allow", False
    for name in files:
        try:
            message = read_message_file(name, policy.limits.max_recipients)
        except MailFileError as exc:
            failed = True
            click.echo(f"error: {exc}", err=True)
            if as_json:
                click.echo(json.dumps({"file": name, "error": {"code": "unreadable_file",
                                                               "message": str(exc)}}))
            continue
        verdict, _ = evaluate(message, policy, context_for)
        if rank(verdict.action) > rank(worst):
            worst = verdict.action
        if as_json:
            click.echo(json.dumps({**verdict.to_json(), "file": name}))
        else:
            _print_verdict(name, verdict)
    sys.exit(EXIT_ERROR if failed else (EXIT_OK if worst == "allow" else EXIT_WARN))


def _check_setup(policy_file: str | None):
    """Policy and context for `check`. Reading needs no migration check (importing
    Alembic costs more than the check itself); a database that is not ready yet,
    or a policy file to sync (SAFESEND_POLICY), takes the migrating path."""
    settings = load_settings()
    if not settings.policy_file:
        quick = _check_setup_sqlite(settings, policy_file)
        if quick is not None:
            return quick
    from sqlalchemy.exc import SQLAlchemyError

    from .policy import load_policy_file

    for migrate in ((True,) if settings.policy_file else (False, True)):
        services = _services(migrate=migrate)
        try:
            with transaction(services.sessions) as session:
                policy = (load_policy_file(policy_file) if policy_file
                          else services.policy_for(session, DEFAULT_TENANT))
                return policy, services.context_for(session, DEFAULT_TENANT, policy)
        except SQLAlchemyError:
            if migrate:
                raise
            services.close()  # no tables yet, or an older schema: migrate, then read
    raise AssertionError("unreachable")


def _check_setup_sqlite(settings, policy_file: str | None):
    """Policy and context read from a SQLite file with the standard library (importing
    SQLAlchemy costs more than the check); None when this cannot serve: another database,
    no tables yet, or a policy with directory look-ups (the service's Directory handles those)."""
    from .store.sqlite_reads import current_inputs

    inputs = current_inputs(settings.database_url, DEFAULT_TENANT)
    if inputs is None:
        return None
    version, document, roster_blob = inputs
    from .policy import load_policy_file, parse_policy

    if policy_file:
        policy = load_policy_file(policy_file)
    else:
        policy = parse_policy(document, version=version) if document is not None else parse_policy({})
    if policy.directory:
        return None
    from .check_context import check_context, load_roster
    from .fingerprint import derive_key

    roster = (load_roster(roster_blob, derive_key(settings.secret_key, "roster"), DEFAULT_TENANT)
              if roster_blob is not None else None)
    return policy, check_context(roster)


def _print_verdict(name: str, verdict) -> None:
    click.echo(f"{name}: {verdict.action.upper()} (policy version {verdict.policy_version}"
               f", {verdict.students_matched} students matched)")
    for finding in verdict.findings:
        click.echo(f"  [{finding.action}] {finding.rule}: {finding.title}")
        click.echo(f"      {finding.detail}")
        if finding.evidence:
            click.echo(f"      evidence: {', '.join(finding.evidence)}")
        if finding.fixes:
            click.echo(f"      fixes: {', '.join(finding.fixes)}")

if __name__ == "__main__":
    main()
