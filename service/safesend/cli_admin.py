"""Administration commands of `safesend` (policy, keys, roster, users, database,
manifests, the scan worker), loaded when named (see cli._Commands)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_support import EXIT_ERROR, EXIT_OK, EXIT_WARN, transaction
from .cli_support import services as _services
from .config import DEFAULT_TENANT, load_settings


def _write_or_print(text: str, output: str | None, what: str) -> None:
    """Write to --output when given (saying so on stderr), else to stdout."""
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {what} to {output}", err=True)
    else:
        click.echo(text, nl=False)



@click.group()
def policy() -> None:
    """Show, validate and load policies."""


@policy.command("show")
def policy_show() -> None:
    """Print the current policy as YAML."""
    from .policy import dump_policy_yaml

    services = _services()
    with transaction(services.sessions) as session:
        current = services.policy_for(session, DEFAULT_TENANT)
    click.echo(f"# policy version {current.version}")
    click.echo(dump_policy_yaml(current), nl=False)


@policy.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
def policy_validate(file: str) -> None:
    """Validate a policy file; errors name the bad key."""
    from .policy import PolicyError, load_policy_file
    from .sections import validate_sections

    try:
        validate_sections(load_policy_file(file), Path(file).resolve().parent)
    except PolicyError as exc:
        for key, reason in exc.errors:
            click.echo(f"{file}: {key}: {reason}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"{file}: valid")


@policy.command("load")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--comment", default="")
def policy_load(file: str, comment: str) -> None:
    """Save a policy file as the new current version."""
    from .policy import PolicyError, load_policy_file
    from .sections import validate_sections
    from .store.policies import save_policy

    try:
        new = load_policy_file(file)
        validate_sections(new, Path(file).resolve().parent)
    except PolicyError as exc:
        click.echo(f"error: {file}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    services = _services()
    with transaction(services.sessions) as session:
        saved = save_policy(session, DEFAULT_TENANT, new, author="cli", comment=comment)
    click.echo(f"saved policy version {saved.version}")


@click.group()
def apikey() -> None:
    """Create, list and revoke API keys."""


@apikey.command("create")
@click.option("--role", required=True, type=click.Choice(["client", "it", "admin", "auditor"]))
@click.option("--name", default="")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def apikey_create(role: str, name: str, tenant: str) -> None:
    """Create a key; it is printed once, alone on the last line."""
    from .store.apikeys import create_key
    from .store.tenants import ensure_tenant

    services = _services()
    with transaction(services.sessions) as session:
        ensure_tenant(session, tenant)
        new = create_key(session, tenant, role, name, created_by="cli")
    click.echo(f"created {role} key #{new.id} for tenant {tenant}; store it now, it is not shown again:")
    click.echo(new.key)


@apikey.command("list")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def apikey_list(tenant: str) -> None:
    from .store.apikeys import list_keys

    services = _services()
    with transaction(services.sessions) as session:
        for row in list_keys(session, tenant):
            state = "revoked" if row.revoked_at else "active"
            click.echo(f"{row.id}\t{row.role}\t{row.prefix}…\t{state}\t{row.name}")


@apikey.command("revoke")
@click.argument("key_id", type=int)
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def apikey_revoke(key_id: int, tenant: str) -> None:
    from .store.apikeys import revoke_key

    services = _services()
    with transaction(services.sessions) as session:
        if not revoke_key(session, tenant, key_id, actor="cli"):  # actor: audit trail
            click.echo(f"error: no active key #{key_id}", err=True)
            sys.exit(EXIT_ERROR)
    click.echo(f"revoked key #{key_id}")


@click.group()
def overrides() -> None:
    """Export overrides for review."""


@overrides.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--since", help="ISO date")
@click.option("--until", help="ISO date (inclusive)")
@click.option("--sender", help="An address, or part of one")
@click.option("--rule", help="Overrides of warnings by this rule (a rule name)")
@click.option("--action", type=click.Choice(["warn", "confirm"]), help="warn, or confirm (justified)")
@click.option("--output", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def overrides_export(fmt, since, until, sender, rule, action, output, tenant) -> None:
    """Every override matching the filters: CSV in the console's export format, or JSON lines."""
    from .rules import RULES
    from .store import check_log
    from .store.filter_args import day_bounds, day_start
    from .store.overrides import override_json, record_export

    if rule and rule not in RULES:
        raise click.BadParameter(f"{rule!r} is not a rule: {', '.join(RULES)}", param_hint="--rule")
    for value in (since, until):
        if value and day_start(value) is None:
            raise click.BadParameter(f"{value!r} is not an ISO date like 2026-01-31")
    start, end = day_bounds(since or "", until or "")
    flt = check_log.LogFilter(since=start, until=end, sender=sender or "", rule=rule or "",
                              action=action or "")
    services = _services()
    with transaction(services.sessions) as session:
        rows, _ = check_log.overrides(session, tenant, flt)
        text = (check_log.csv_text(rows) if fmt == "csv"
                else "".join(json.dumps(override_json(r.override)) + "\n" for r in rows))
        record_export(session, tenant, "cli", "cli", fmt, len(rows),  # audit trail
                      {"since": since, "until": until, "sender": sender, "rule": rule,
                       "action": action})
    _write_or_print(text, output, f"{len(rows)} overrides")


@click.group()
def roster() -> None:
    """Import, show and remove the district roster (stored as keyed hashes only)."""


@roster.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--map", "mappings", multiple=True, metavar="FIELD=HEADER",
              help="Read FIELD (student_id, first_name, last_name, dob, flags, guardian_email) "
                   "from the column HEADER; repeat as needed.")
@click.option("--replace", is_flag=True,
              help="Replace the roster even when the file has >10% fewer students, or fewer "
                   "with a plan (the previous roster stays restorable).")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def roster_import(file: str, mappings: tuple[str, ...], replace: bool, tenant: str) -> None:
    """Import a SIS export (CSV). Bad rows are listed by line; exit 1 when any were skipped,
    or when the import would shrink the roster and --replace is not given."""
    import time

    from .roster_import import RosterImportError, RosterShrinks, import_roster_file, parse_mapping

    services = _services()
    started = time.perf_counter()
    try:
        mapping = parse_mapping(mappings) or None
        with transaction(services.sessions) as session:
            result = import_roster_file(session, tenant, Path(file).read_bytes(),
                                        services.roster_key, mapping, author="cli",
                                        replace=replace)
    except RosterShrinks as exc:
        click.echo(f"error: {file}: {exc} Run again with --replace to replace it.", err=True)
        sys.exit(1)   # the contract: refused, exit 1, the numbers in the message
    except RosterImportError as exc:
        click.echo(f"error: {file}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    for error in result.errors[:200]:
        click.echo(f"{file}: {error}", err=True)
    if len(result.errors) > 200:
        click.echo(f"{file}: ... and {len(result.errors) - 200} more rows with errors", err=True)
    columns = ", ".join(f"{field}<-{'/'.join(headers)}" for field, headers in result.columns.items())
    click.echo(f"imported {result.students:,} students ({result.with_flags:,} with a plan or flag, "
               f"{result.guardians:,} guardian addresses) in {time.perf_counter() - started:.1f} s")
    click.echo(f"columns: {columns}")
    if result.errors:
        click.echo(f"skipped {len(result.errors):,} rows with errors (listed above)")
        sys.exit(EXIT_WARN)


@roster.command("show")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def roster_show(tenant: str) -> None:
    """Counts and date of the current roster (there is no plaintext to show)."""
    from .store.roster import roster_summary, summary_json

    services = _services()
    with transaction(services.sessions) as session:
        summary = summary_json(roster_summary(session, tenant))
    if not summary["loaded"]:
        click.echo("no roster imported")
        return
    click.echo(f"{summary['students']:,} students, {summary['with_flags']:,} with a plan or flag, "
               f"{summary['guardians']:,} guardian addresses; imported {summary['imported_at']} "
               f"by {summary['imported_by']}")


@roster.command("remove")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def roster_remove(tenant: str) -> None:
    from .store.roster import remove_roster

    services = _services()
    with transaction(services.sessions) as session:
        removed = remove_roster(session, tenant, actor="cli")  # actor: audit trail
    click.echo("roster removed" if removed else "no roster to remove")


@roster.command("restore")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def roster_restore(tenant: str) -> None:
    """Bring back the roster the last import or removal replaced (run it again to undo)."""
    from .roster_guard import before_after
    from .store.roster import RosterCounts, restore_roster, roster_summary

    services = _services()
    with transaction(services.sessions) as session:
        before = RosterCounts.of(roster_summary(session, tenant))
        restored = restore_roster(session, tenant, actor="cli")  # actor: audit trail
        if restored is None:
            click.echo("error: there is no previous roster to restore", err=True)
            sys.exit(EXIT_ERROR)
        click.echo(f"restored the roster imported {restored.created_at:%Y-%m-%d %H:%M} "
                   f"({before_after(before, RosterCounts.of(restored))})")


@click.group()
def directory() -> None:
    """Directory (distribution list) look-ups."""


@directory.command("test")
@click.argument("address")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def directory_test(address: str, tenant: str) -> None:
    """Ask every configured directory about ADDRESS, uncached, and show each answer."""
    services = _services()
    with transaction(services.sessions) as session:
        current = services.policy_for(session, tenant)
    found = services.directory_for(tenant, current)
    if found is None:
        click.echo("error: no usable directory in the policy (see the 'directory' section)",
                   err=True)
        sys.exit(EXIT_ERROR)
    internal = current.internal_domain_set(address.rpartition("@")[2].lower())
    try:
        for name, info, seconds in found.test(address, internal):
            click.echo(f"{name}: {_describe_group(info)} ({seconds * 1000:.0f} ms)")
    finally:
        services.close()


def _describe_group(info) -> str:
    if info is None:
        return "not a list it knows"
    if info.error:
        return f"size unknown: {info.error}"
    if not info.is_group:
        return "not a list"
    external = "unknown" if info.external_count is None else f"{info.external_count:,}"
    return f"list of {info.member_count:,} members, {external} outside the district"


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations up to the latest schema."""
    settings = load_settings()
    from .store.db import make_engine, upgrade

    upgrade(make_engine(settings.database_url))
    click.echo(f"database at the latest schema: {_redacted_url(settings.database_url)}")


def _redacted_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# Outlook add-in manifest (issue 4).
@click.command()
@click.option("--base-url", required=True, help="Where the service is reachable, e.g. https://safesend.district.org")
@click.option("--send-mode", type=click.Choice(["SoftBlock", "PromptUser", "Block"]), default=None,
              help="Smart Alerts send mode (default: SAFESEND_ADDIN_SEND_MODE or SoftBlock).")
@click.option("--app-id", default="", help="The manifest's GUID (default: derived from the base URL).")
@click.option("--output", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
def manifest(base_url: str, send_mode: str | None, app_id: str, output: str | None) -> None:
    """Render the Outlook add-in manifest (XML) for this deployment."""
    from .addin import ManifestError, ManifestOptions, render_manifest

    settings = load_settings()
    app_id_uri = next((a for a in settings.entra_audiences if a.startswith("api://")), "")
    try:
        xml = render_manifest(ManifestOptions(
            base_url=base_url, send_mode=send_mode or settings.addin_send_mode, app_id=app_id,
            entra_client_id=settings.entra_client_id, app_id_uri=app_id_uri))
    except ManifestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    _write_or_print(xml, output, "the manifest")


# Gmail Workspace add-on (issue 6).
@click.command("gmail-deployment")
@click.option("--base-url", required=True, help="The service's public https URL, as Google will call it.")
@click.option("--template", type=click.Path(dir_okay=False), help="Default: the packaged one.")
@click.option("--output", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
def gmail_deployment(base_url: str, template: str | None, output: str | None) -> None:
    """Render the Workspace add-on's deployment.json for `gcloud workspace-add-ons deployments`."""
    from .gmail import DeploymentError, render_deployment

    try:
        document = render_deployment(base_url, Path(template) if template else None)
    except DeploymentError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    text = json.dumps(document, indent=2) + "\n"
    _write_or_print(text, output, "the deployment")


# --- Admin console (issue 5): console users and the audit trail.


@click.group()
def user() -> None:
    """Console users (IT, administrators, auditors)."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["it", "admin", "auditor"]))
@click.option("--name", default="")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="Sign in with Microsoft or Google only.")
def user_create(email, role, name, tenant, password_stdin, no_password) -> None:
    """Create a console user; asks for the password unless told otherwise."""
    from .accounts.passwords import WeakPassword, check_strength, hash_password
    from .store.tenants import ensure_tenant
    from .store.users import UserError, create_user

    password_hash = None
    if not no_password:
        password = (sys.stdin.readline().rstrip("\r\n") if password_stdin
                    else click.prompt("Password", hide_input=True, confirmation_prompt=True))
        try:
            check_strength(password, email)
        except WeakPassword as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        password_hash = hash_password(password)
    services = _services()
    try:
        with transaction(services.sessions) as session:
            ensure_tenant(session, tenant)
            created = create_user(session, tenant, email, role, "cli", name=name,
                                  password_hash=password_hash)
            click.echo(f"created {role} user #{created.id} {created.email} for tenant {tenant}")
    except UserError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)


@user.command("list")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def user_list(tenant: str) -> None:
    from .store.users import list_users

    services = _services()
    with transaction(services.sessions) as session:
        for row in list_users(session, tenant):
            state = "disabled" if row.disabled_at else "active"
            click.echo(f"{row.id}\t{row.role}\t{row.email}\t{state}\t{row.name}")


@click.group()
def audit() -> None:
    """The audit trail of changes to policy, roster, keys and users."""


@audit.command("verify")
@click.option("--tenant", default=None, help="Verify one tenant (default: every tenant with entries).")
def audit_verify(tenant: str | None) -> None:
    """Recompute the hash chain. Exit 0 when intact, 1 when any entry fails."""
    from .store.audit import tenants_with_entries, verify_chain

    services = _services()
    broken = False
    with transaction(services.sessions) as session:
        for name in [tenant] if tenant else tenants_with_entries(session):
            status = verify_chain(session, name)
            if status.intact:
                click.echo(f"{name}: intact, {status.entries} entries, head {status.head}")
            else:
                broken = True
                click.echo(f"{name}: BROKEN at entry {status.broken_at}: {status.reason}")
    sys.exit(EXIT_WARN if broken else EXIT_OK)


# Incident response (issue 12): workers for sent-mail scan jobs.
@click.command()
@click.option("--threads", default=1, show_default=True, type=int, help="Jobs this worker runs at once.")
def worker(threads: int) -> None:
    """Run scan jobs from the queue (Redis when SAFESEND_REDIS_URL is set; any number of machines)."""
    from .incident.queue import run_worker

    run_worker(threads)
