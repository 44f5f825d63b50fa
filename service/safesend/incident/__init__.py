"""After the fact: find past exposures in sent mail, name who was affected,
draft the letters to their families, and report on prevention.

Everything here runs a message through `engine` exactly as a send-time
check does; nothing here keeps message content.
"""

# Sent-mail scans (part 1) open their flagged messages through find_exposure.
from . import lookup as _lookup  # noqa: E402,F401
