"""Console pages; each module registers its routes on the admin blueprint."""

from . import (  # noqa: F401  (routes register on import)
    access,
    audit_trail,
    dashboard,
    errors,
    help_pages,
    incidents,  # issue 13
    log,
    policy,
    prevention,  # issue 13
    roster,
    scans,  # issue 12: sent-mail scans
    signin,
    try_message,
)
