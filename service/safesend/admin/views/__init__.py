"""Console pages; each module registers its routes on the admin blueprint."""

from . import access, audit_trail, dashboard, errors, log, policy, roster, signin, try_message  # noqa: F401
