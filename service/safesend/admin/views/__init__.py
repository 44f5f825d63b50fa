"""Console pages; each module registers its routes on the admin blueprint."""

from . import (  # noqa: F401
    access,
    audit_trail,
    dashboard,
    errors,
    help_pages,
    log,
    policy,
    roster,
    signin,
    try_message,
)
