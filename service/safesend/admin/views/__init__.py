"""Console pages; each module registers its routes on the admin blueprint."""

from . import access, audit_trail, dashboard, errors, log, policy, roster, signin, try_message  # noqa: F401
from .incidents import incidents as _incidents  # noqa: F401  (incident response, issue 12)
