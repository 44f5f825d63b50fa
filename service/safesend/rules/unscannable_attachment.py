"""unscannable_attachment: a file SafeSend could not read is a file nobody checked."""

from __future__ import annotations

from ..content import ContentReport, attachment_of
from ..extract import Unscannable
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
    # A picture pasted into the body is not an attachment to the sender (as in student_data).
    pasted = {a.name for a in message.attachments if a.inline}
    reasons = "; ".join(_reason(p, pasted) for p in problems[:LISTED])
    if _is_pasted(problems[0], pasted):  # a sentence starts "The picture pasted..."
        reasons = reasons[0].upper() + reasons[1:]
    if len(problems) > LISTED:
        reasons += f"; and {len(problems) - LISTED} more"
    return [Finding(
        rule=NAME, action=policy.rules.unscannable_attachment.action, count=len(problems),
        title=f"SafeSend could not check {_what(problems, pasted)}",
        detail=(f"{reasons}. Nobody has checked what "
                f"{'it holds' if len(problems) == 1 else 'they hold'}"
                " for student information. Make sure it is safe to send, or remove it."),
        evidence=[p.name for p in problems[:LISTED]],
        fixes=["remove_attachment"] if names else [],
        attachments=names,
    )]


def _is_pasted(problem: Unscannable, pasted: set[str]) -> bool:
    return (attachment_of(problem.name) or problem.name) in pasted


def _reason(problem: Unscannable, pasted: set[str]) -> str:
    if _is_pasted(problem, pasted):
        return f"the picture pasted into the body ({problem.name}) could not be checked: {problem.reason}"
    return f"{problem.name}: {problem.reason}"


def _what(problems: list[Unscannable], pasted: set[str]) -> str:
    if not all(_is_pasted(p, pasted) for p in problems):
        return plural(len(problems), "file")
    if len(problems) == 1:
        return "the picture pasted into the body"
    return f"{len(problems)} pictures pasted into the body"
