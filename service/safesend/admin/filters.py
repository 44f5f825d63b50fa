"""Template filters: times, numbers and the words the console uses for rules and actions."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from markupsafe import Markup, escape

from ..accounts.roles import ROLE_LABELS

RULE_LABELS = {
    "visible_recipients": "Visible recipients",
    "audience_size": "Audience size",
    "external_recipients": "Outside recipients",
    "student_data": "Student data",
    "unscannable_attachment": "Unscannable attachment",
}
ACTION_LABELS = {"allow": "Allowed", "warn": "Warned", "confirm": "Justification", "block": "Blocked"}
CLIENT_LABELS = {"outlook": "Outlook", "gmail": "Gmail", "gmail-addon": "Gmail add-on",
                 "chrome": "Chrome extension", "cli": "Command line"}


def utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def when(moment: datetime | None) -> str:
    """'Nov 28, 2026 14:03 UTC' (the page script shows it in the reader's time zone)."""
    moment = utc(moment)
    return moment.strftime("%b %-d, %Y %H:%M UTC") if moment else ""


def iso(moment: datetime | None) -> str:
    moment = utc(moment)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else ""


def ago(moment: datetime | None) -> str:
    moment = utc(moment)
    if moment is None:
        return "never"
    seconds = (datetime.now(UTC) - moment).total_seconds()
    for limit, size, unit in ((90, 1, "second"), (5400, 60, "minute"), (129600, 3600, "hour"),
                              (5184000, 86400, "day")):
        if seconds < limit:
            amount = max(1, int(seconds // size))
            return "just now" if unit == "second" else f"{amount} {unit}{'s' if amount != 1 else ''} ago"
    return moment.strftime("%b %-d, %Y")


def breakable(address: str | None) -> Markup:
    """An address that may wrap before '@' and after each dot (never mid-word)."""
    local, at, domain = (address or "").partition("@")
    parts = [str(escape(local))] + ([f"<wbr>@{escape(domain)}".replace(".", ".<wbr>")] if at else [])
    return Markup("".join(parts))


def number(value) -> str:
    return f"{int(value or 0):,}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        when=when, iso=iso, ago=ago, number=number, breakable=breakable,
        rule_label=lambda name: RULE_LABELS.get(name, name),
        action_label=lambda name: ACTION_LABELS.get(name, name),
        role_label=lambda name: ROLE_LABELS.get(name, name),
        client_label=lambda name: CLIENT_LABELS.get(name, name or "unknown"),
    )
