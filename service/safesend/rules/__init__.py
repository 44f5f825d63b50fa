"""One module per rule; each turns (message, facts, policy) into findings.

The registry maps the stable rule names of docs/contracts.md to their modules, in
the order findings are listed to the sender.
"""

from __future__ import annotations

from . import (
    audience_size,
    external_recipients,
    student_data,
    unscannable_attachment,
    visible_recipients,
)

RULES = {
    module.NAME: module
    for module in (student_data, visible_recipients, audience_size, external_recipients,
                   unscannable_attachment)
}

