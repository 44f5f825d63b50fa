"""`safesend incident ...`: each part of incident response adds its commands
to this group from its own module (imported at the end of this file)."""

from __future__ import annotations

import click


@click.group()
def incident() -> None:
    """Incident response: scan sent mail, report who was affected, draft letters."""


# Each part registers its commands here.
from . import cli as _response_cli  # noqa: E402,F401  (report, letters)

# Part 1 (issue 12): `safesend incident scan`.
from . import scan_command as _scan_command  # noqa: E402,F401
