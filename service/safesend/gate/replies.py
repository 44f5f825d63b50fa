"""What the sender reads in the bounce: SMTP reply lines, plain ASCII.

A 5xx reply makes the sending server (Exchange Online, Gmail, Postfix)
bounce the message to the sender with this text, and Postfix logs it: so it
says what was found in counts and categories only, never a file name, a
student's name or any content.
"""

from __future__ import annotations

import unicodedata

from ..verdict import Verdict

FINDING_TEXT = {
    "visible_recipients": "{count} recipients would see each other's addresses",
    "student_data": "{count} students are identified in the message or its attachments",
    "audience_size": "the message goes to {count} people",
    "external_recipients": "{count} recipients are outside the district",
    "unscannable_attachment": "{count} attachments could not be checked",
}
FIX_TEXT = {
    "move_to_bcc": "put the recipients in Bcc instead of To or Cc",
    "remove_attachment": "remove the attachment with student information",
}
MAX_LINE = 400   # RFC 5321 allows 512 octets per reply line, code included


def ascii_line(text: str) -> str:
    """SMTP replies are ASCII: fold accents, drop the rest and control characters."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join("".join(ch if ch.isprintable() else " " for ch in folded).split())[:MAX_LINE]


def finding_text(rule: str, count: int) -> str:
    return FINDING_TEXT.get(rule, rule.replace("_", " ") + " ({count})").format(count=count)


def _found(verdict: Verdict) -> list[str]:
    return [ascii_line(f"- {finding_text(f.rule, f.count)}") for f in verdict.findings
            if f.action == verdict.action]


def confirm_lines(verdict: Verdict, release_url: str, minutes: int) -> list[str]:
    return [
        "SafeSend held this message. It found:",
        *_found(verdict),
        "If it must go as it is, open this link, sign in and give the reason:",
        release_url,
        f"then send the same message again within {minutes} minutes.",
    ]


def block_lines(verdict: Verdict) -> list[str]:
    fixes = sorted({fix for f in verdict.findings if f.action == "block" for fix in f.fixes})
    how = "; ".join(FIX_TEXT.get(fix, fix.replace("_", " ")) for fix in fixes)
    return [
        "SafeSend blocked this message. It found:",
        *_found(verdict),
        ascii_line(f"To send it, {how}, then send it again." if how
                   else "Change the message so this is not in it, then send it again."),
    ]


UNAVAILABLE = ["SafeSend could not check this message just now; it will be retried."]
UNREADABLE = ["SafeSend could not read this message: it is not a well-formed email."]
