"""`safesend incident report|letters` and `safesend vault keygen|rotate`."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from ..store.db import transaction
from ..store.tenants import DEFAULT_TENANT
from .commands import incident

EXIT_OK, EXIT_WARN, EXIT_ERROR = 0, 1, 2


def _services():
    from ..cli import _services as build

    return build()


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@incident.command("report")
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--reason", required=True, help="Why you are opening the names (goes in the audit trail).")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False),
              help="Write the mail-merge CSV (one row per student and guardian) here.")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def report(incident_ref: str, reason: str, csv_file: str | None, tenant: str) -> None:
    """Who was affected: INCIDENT is INC-<n>, a check id or a scan finding id."""
    from ..store.policies import current_policy
    from .letters import merge_csv
    from .records import IncidentError, deadline, incident_label
    from .response import open_report

    services = _services()
    try:
        with transaction(services.sessions) as session:
            opened = open_report(session, tenant, incident_ref, _actor(), reason,
                                 action="export" if csv_file else "view")
            due = deadline(opened.incident, current_policy(session, tenant).incidents.notify_within_days)
    except IncidentError as exc:
        _fail(str(exc))
    incident, exposure, affected = opened.incident, opened.exposure, opened.report
    click.echo(f"{incident_label(incident)} ({exposure.kind} {exposure.ref}), status {incident.status}")
    click.echo(f"  occurred {incident.occurred_at:%Y-%m-%d %H:%M} UTC, discovered "
               f"{incident.discovered_at:%Y-%m-%d %H:%M} UTC, sender {exposure.sender}, "
               f"action {exposure.action}, rules {', '.join(exposure.rules) or '-'}")
    click.echo(f"  recipients {exposure.recipients_total} ({exposure.recipients_outside} outside)")
    if due is not None:
        click.echo(f"  notify families by {due:%Y-%m-%d} (policy: incidents.notify_within_days)")
    click.echo(f"  students {affected.student_count} ({affected.sensitive_count} with a plan or "
               f"sensitive data)")
    if not affected.names_available:
        click.echo(f"  {affected.vault.message}")
        return
    click.echo(f"  families {len(affected.families)}, guardian addresses {affected.guardian_count}, "
               f"students without a guardian address {affected.without_contact}"
               + (f", not in the contact vault {affected.not_in_vault}" if affected.not_in_vault else ""))
    if csv_file:
        Path(csv_file).write_text(merge_csv(affected), encoding="utf-8-sig")
        click.echo(f"wrote {csv_file}", err=True)
        return
    for number, family in enumerate(affected.families, start=1):
        guardians = "; ".join(f"{g.name} <{g.email}>" if g.name else g.email for g in family.guardians)
        click.echo(f"family-{number:03d}: {guardians or '(no guardian address on file)'}")
        for student in family.students:
            c = student.contact
            click.echo(f"    {c.student_id}  {c.last_name}, {c.first_name}  {c.school} {c.grade}  "
                       f"{'/'.join(c.plans) or '-'}  exposed: {student.exposed}")


@incident.command("letters")
@click.argument("incident_ref", metavar="INCIDENT")
@click.option("--reason", required=True, help="Why you are drafting the letters (audit trail).")
@click.option("--output", required=True, type=click.Path(file_okay=False),
              help="Folder for family-NNN.eml, community.eml, letters.docx, mail-merge.csv.")
@click.option("--from", "sender", default="", help="From address on the drafts (optional).")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def letters(incident_ref: str, reason: str, output: str, sender: str, tenant: str) -> None:
    """Draft the family and community letters. SafeSend drafts; it never sends."""
    from .letter_templates import LetterTemplateError
    from .letters import LetterError, write_letters
    from .records import IncidentError
    from .response import open_letters

    services = _services()
    try:
        with transaction(services.sessions) as session:
            opened, drafted = open_letters(session, tenant, incident_ref, _actor(), reason)
    except (IncidentError, LetterError, LetterTemplateError) as exc:
        _fail(str(exc))
    written = write_letters(drafted, opened.report, Path(output), sender)
    click.echo(f"drafted {len(drafted.families)} family letters and the community letter: "
               f"{len(written)} files in {output}")


@click.group()
def vault() -> None:
    """The contact vault key (SAFESEND_VAULT_KEY)."""


@vault.command("keygen")
def vault_keygen() -> None:
    """Print a new key: 32 random bytes, URL-safe base64. Keep it apart from SAFESEND_SECRET_KEY."""
    from .vault import generate_key

    click.echo(generate_key())


@vault.command("rotate")
@click.option("--new-key", envvar="SAFESEND_NEW_VAULT_KEY", required=True,
              help="The new key (or SAFESEND_NEW_VAULT_KEY); the current one is SAFESEND_VAULT_KEY.")
def vault_rotate(new_key: str) -> None:
    """Re-encrypt every contact under a new key, all or nothing."""
    from cryptography.exceptions import InvalidTag

    from .vault import VaultKeyError, key_from_environment, parse_key, rotate

    try:
        old, new = key_from_environment(), parse_key(new_key)
    except VaultKeyError as exc:
        _fail(str(exc))
    if old is None:
        _fail("set SAFESEND_VAULT_KEY to the current key")
    services = _services()
    try:
        with transaction(services.sessions) as session:
            count = rotate(session, old, new)
    except InvalidTag:
        _fail("SAFESEND_VAULT_KEY does not open the vault: nothing was changed")
    click.echo(f"re-encrypted {count} contacts; now set SAFESEND_VAULT_KEY to the new key")
