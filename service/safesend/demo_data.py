"""Synthetic data for the demo: a roster and weeks of checks and overrides.

Every name, ID and address is invented: given names and surnames are
combined at random from a seed, IDs are random digits, family addresses use
reserved example domains. Deterministic for a given seed. The roster comes
from the package's one synthetic district (synthetic_district.py), in the
demo's style.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy.orm import Session

from . import synthetic_district as district
from .store.models import Check, CheckFinding, Override
from .synthetic_district import Student, SyntheticRoster  # noqa: F401 - the demo's names for them


def synthetic_roster(n: int, seed: int = 1, plan_rate: float = 0.12) -> SyntheticRoster:
    """`n` students with unique 8-digit IDs: the synthetic district in the demo's style."""
    return district.synthetic_roster(n, seed=seed, plan_rate=plan_rate, style=district.DEMO_STYLE)


# --- activity: what a few months of the add-ins look like on the dashboard

SCHOOLS = ("lincoln", "washington", "jefferson", "roosevelt", "")   # "" = the district office
STAFF = ("a.rivera", "b.okafor", "c.nguyen", "d.patel", "e.kowalski", "f.haddad", "g.chen",
         "h.mitchell", "i.campbell", "j.thompson", "k.nakamura", "l.mensah", "m.rossi",
         "n.carter", "o.singh", "p.garcia", "q.white", "r.lopez", "s.kim", "t.novak")
JUSTIFICATIONS = (
    "Class newsletter to my own families; addresses are shared at open house anyway.",
    "PTA board asked for one thread so they can reply-all about the fundraiser.",
    "Field trip permission reminder, parents already know each other from the team.",
    "Coach message to the team's parents; they use one group chat already.",
    "Urgent weather closure notice, no time to rebuild the list in Bcc.",
    "Reply to a parent thread that was already in To.",
    "Sending grades to the counselor office, internal recipients only.",
    "District-approved list for the board meeting notice.",
    "Attachment is the public event schedule, no student information.",
    "Parent asked for the roster of carpool volunteers.",
)
REVIEW_NOTES = (
    "Spoke with the sender; acceptable, reminded them to use Bcc next time.",
    "Reasonable: families had agreed to share addresses.",
    "Not acceptable; privacy training scheduled with the principal.",
    "Reviewed with IT: list address will be set up for next term.",
)
# (rule, weight, count range) for flagged checks
RULE_MIX = (("visible_recipients", 52, (11, 64)), ("audience_size", 20, (120, 2400)),
            ("student_data", 18, (1, 40)), ("unscannable_attachment", 7, (1, 2)),
            ("external_recipients", 3, (1, 30)))


def synthetic_activity(db: Session, tenant_id: str, weeks: int = 12, flagged: int = 420,
                       allowed: int = 1800, policy_version: int = 1, seed: int = 5,
                       reviewer: str = "") -> int:
    """Add checks (most allowed), their findings and overrides over the last `weeks`."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    senders = [f"{name}@{school + '.' if school else ''}district.example.org"
               for name in STAFF for school in (rng.choice(SCHOOLS),)]
    heavy = senders[:4]   # a few people override far more than the rest
    rows = []
    for index in range(flagged + allowed):
        # More activity in recent weeks (the rollout widening), on school days.
        age = dt.timedelta(days=min(weeks * 7 - 1, rng.triangular(0, weeks * 7, 0)))
        moment = _school_hours(now - age, rng)
        sender = rng.choice(heavy) if rng.random() < 0.35 else rng.choice(senders)
        check = _check(tenant_id, sender, moment, policy_version, rng)
        if index < flagged:
            _flag(check, rng, reviewer, now)
        rows.append(check)
    db.add_all(rows)
    db.flush()
    return len(rows)


def _school_hours(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    while moment.weekday() >= 5:
        moment -= dt.timedelta(days=1)
    return moment.replace(hour=rng.randint(12, 22), minute=rng.randint(0, 59), second=rng.randint(0, 59))


def _check(tenant_id: str, sender: str, moment, version: int, rng: random.Random) -> Check:
    to = rng.randint(1, 6)
    app = "outlook" if rng.random() < 0.7 else "gmail"
    return Check(id=uuid.UUID(int=rng.getrandbits(128)).hex, tenant_id=tenant_id, created_at=moment,
                 sender=sender, actor=sender, client_app=app, client_version="1.0.0",
                 to_count=to, cc_count=rng.randint(0, 2), bcc_count=rng.randint(0, 30),
                 visible_external=rng.randint(0, min(to, 3)), audience=to + rng.randint(0, 30),
                 attachment_count=rng.choice((0, 0, 0, 1, 2)), students_matched=0,
                 action="allow", audit_action="allow", policy_version=version,
                 message_hash=f"{rng.getrandbits(256):064x}", duration_ms=rng.randint(18, 240),
                 findings=[])


def _flag(check: Check, rng: random.Random, reviewer: str, now: dt.datetime) -> None:
    rule, _, (low, high) = rng.choices(RULE_MIX, weights=[w for _, w, _ in RULE_MIX])[0]
    count = rng.randint(low, high)
    roll = rng.random()
    action = "block" if roll < 0.13 else ("confirm" if roll < 0.42 else "warn")
    if rule == "unscannable_attachment":
        action = "warn"
    check.findings.append(CheckFinding(rule=rule, action=action, count=count, audit=False))
    if rule == "visible_recipients":
        check.to_count, check.visible_external, check.audience = count + 2, count, count + 2
    elif rule == "audience_size":
        check.audience = count
    elif rule == "student_data":
        check.students_matched, check.attachment_count = count, max(1, check.attachment_count)
    if rng.random() < 0.25:   # a rule in test mode fired too, unseen by the sender
        check.findings.append(CheckFinding(rule="unscannable_attachment", action="warn", count=1, audit=True))
        check.audit_action = action
    check.action = check.audit_action = action
    overridden = action != "block" and rng.random() < (0.62 if action == "warn" else 0.5)
    if overridden:
        when = check.created_at + dt.timedelta(seconds=rng.randint(20, 300))
        override = Override(tenant_id=check.tenant_id, check_id=check.id, created_at=when,
                            actor=check.sender, action=action,
                            justification=rng.choice(JUSTIFICATIONS) if action == "confirm" else "")
        if reviewer and (now - when).days > 10 and rng.random() < 0.8:
            override.reviewed_at = when + dt.timedelta(days=rng.randint(1, 6))
            override.reviewed_by, override.review_note = reviewer, rng.choice(REVIEW_NOTES)
        check.override = override
