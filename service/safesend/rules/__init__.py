"""One module per rule; each turns (message, facts, policy) into findings.

The registry maps the stable rule names of DESIGN.md to their modules, in
the order findings are listed to the sender.
"""

from __future__ import annotations

from . import audience_size, external_recipients, visible_recipients

RULES = {
    module.NAME: module
    for module in (visible_recipients, audience_size, external_recipients)
}


def register(module) -> None:
    """Add a rule module (NAME, evaluate) to the registry."""
    RULES[module.NAME] = module
