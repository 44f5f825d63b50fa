"""Dashboard: outcomes per week and per rule, who overrides most, the latest serious events."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template, request

from ...store import stats
from ...store.db import transaction
from ...store.policies import current_policy
from .. import bp
from ..charts import Series, sparkline, stacked_bars
from ..filters import RULE_LABELS
from ..guard import current_user, page, services
from ..roster_health import roster_warnings

RANGES = {4: "Last 4 weeks", 12: "Last 12 weeks", 26: "Last 26 weeks"}
RULE_COLOURS = {"visible_recipients": "c-rule1", "audience_size": "c-rule2",
                "external_recipients": "c-rule3", "student_data": "c-rule4",
                "unscannable_attachment": "c-rule5"}


@bp.get("/")
@page("dashboard")
def dashboard():
    tenant = current_user().tenant_id
    weeks = request.args.get("weeks", 12, type=int)
    weeks = weeks if weeks in RANGES else 12
    now = datetime.now(UTC)
    since = stats.first_week(weeks)
    with transaction(services().sessions) as db:
        weekly = stats.weekly(db, tenant, weeks)
        current = stats.totals(db, tenant, since)
        previous = stats.totals(db, tenant, since - (now - since), since)
        senders = stats.top_override_senders(db, tenant, since)
        latest = stats.latest_high_severity(db, tenant)
        test_mode = stats.test_mode_findings(db, tenant, since)
        internal_errors = stats.internal_errors(db, tenant, since)
        policy = current_policy(db, tenant)
        rules_in_test = [name for name in RULE_LABELS if _in_test_mode(getattr(policy.rules, name))]
        roster_notes = roster_warnings(db, tenant, services().settings.roster_max_age_days)
    directory = services().directory_for(tenant, policy)
    directory_status = directory.status() if directory is not None else []
    directory_error = services().directory_errors.get(tenant) if policy.directory else None
    labels = [start.strftime("%b %-d") for start in weekly.starts]
    outcomes = stacked_bars(labels, [Series("Warned", "c-warn", weekly.warned),
                                     Series("Justification asked", "c-confirm", weekly.confirmed),
                                     Series("Blocked", "c-block", weekly.blocked)],
                            line=Series("Overrides", "c-override", weekly.overrides), height=300)
    by_rule = stacked_bars(labels, [Series(RULE_LABELS[name], RULE_COLOURS[name], values)
                                    for name, values in weekly.by_rule.items()], width=560, height=300)
    tiles = [
        _tile("Checks", current.checks, previous.checks, weekly.checks, "neutral"),
        _tile("Warnings", current.warned, previous.warned,
              [a + b for a, b in zip(weekly.warned, weekly.confirmed, strict=True)], "warn"),
        _tile("Overrides", current.overrides, previous.overrides, weekly.overrides, "override",
              note=f"{current.unreviewed:,} not yet reviewed" if current.unreviewed else "all reviewed"),
        _tile("Blocks", current.blocked, previous.blocked, weekly.blocked, "block"),
    ]
    return render_template("admin/dashboard.html", weeks=weeks, ranges=RANGES, tiles=tiles,
                           outcomes=outcomes, by_rule=by_rule, senders=senders, latest=latest,
                           test_mode=test_mode, rules_in_test=rules_in_test,
                           internal_errors=internal_errors,
                           directory_status=directory_status, directory_error=directory_error,
                           top_sender_max=max((s[1] for s in senders), default=1),
                           has_data=current.checks > 0, roster_notes=roster_notes)


def _tile(label: str, value: int, before: int, trend: list[int], tone: str, note: str = "") -> dict:
    return {"label": label, "value": value, "delta": change_words(value, before), "tone": tone,
            "note": note, "spark": sparkline(trend)}


MIN_BASE = 20          # fewer events before: a percentage would mislead; show the counts
MAX_PERCENT = 500      # a larger change reads better as counts too


def change_words(value: int, before: int) -> str:
    """'+12% vs previous period'; the counts when the previous period was (nearly) empty."""
    if not before:
        return "new this period" if value else "no earlier data"
    change = (value - before) / before * 100
    if before < MIN_BASE or abs(change) > MAX_PERCENT:
        if value == before:
            return f"same as the previous period ({before:,})"
        return f"{'up' if value > before else 'down'} from {before:,} in the previous period"
    return f"{'+' if change >= 0 else ''}{change:.0f}% vs previous period"


def _in_test_mode(rule) -> bool:
    return rule.enabled and rule.mode == "audit"
