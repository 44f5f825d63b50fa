"""unscannable_attachment: a file SafeSend could not read is a file nobody checked."""

from __future__ import annotations

from ..content import ContentReport, attachment_of
from ..facts import Facts
from ..message import Message
from ..policy import Policy
from ..verdict import Finding
from .wording import plural

NAME = "unscannable_attachment"
LISTED = 5


def evaluate(message: Message, facts: Facts, policy: Policy) -> list[Finding]:
    report: ContentReport | None = facts.content
    if report is None or not report.unscannable:
        return []
    problems = report.unscannable
    names = []
    for problem in problems:
        top = attachment_of(problem.name) or problem.name
        if top not in names and top in report.attachment_names:
            names.append(top)
    reasons = "; ".join(f"{p.name}: {p.reason}" for p in problems[:LISTED])
    if len(problems) > LISTED:
        reasons += f"; and {len(problems) - LISTED} more"
    return [Finding(
        rule=NAME, action=policy.rules.unscannable_attachment.action, count=len(problems),
        title=f"SafeSend could not check {plural(len(problems), 'file')}",
        detail=(f"{reasons}. Nobody has checked what {'it holds' if len(problems) == 1 else 'they hold'}"
                " for student information. Make sure it is safe to send, or remove it."),
        evidence=[p.name for p in problems[:LISTED]],
        fixes=["remove_attachment"] if names else [],
        attachments=names,
    )]
