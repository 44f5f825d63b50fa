"""Demo data for the quick start: a policy and one API key per role.

The keys are kept in the instance folder (0600) so that running the demo
again reuses them instead of piling up new ones. Development only.
"""

from __future__ import annotations

import json
import os

from .policy import parse_policy
from .store import apikeys
from .store.db import transaction
from .store.policies import current_policy, save_policy
from .store.tenants import DEFAULT_TENANT, ensure_tenant

DEMO_POLICY = {
    "internal_domains": ["district.example.org"],
    "rules": {"external_recipients": {"enabled": False}},
    # A file-free directory so list addresses show their real audience.
    "directory": {"backends": [{"type": "static", "lists": [
        {"address": "all-parents@district.example.org", "members": 2000, "external": 1960},
        {"address": "all-staff@district.example.org", "members": 420, "external": 0},
        {"address": "grade5-families@district.example.org", "members": 96, "external": 96},
    ]}]},
}


def setup_demo(app) -> dict[str, str]:
    services = app.extensions["safesend"]
    path = services.settings.instance_path / "demo_keys.json"
    with transaction(services.sessions) as session:
        ensure_tenant(session, DEFAULT_TENANT, "Demo district")
        if current_policy(session, DEFAULT_TENANT).version == 0:
            save_policy(session, DEFAULT_TENANT, parse_policy(DEMO_POLICY), author="demo",
                        comment="demo policy")
        keys = _existing_keys(session, path)
        for role in apikeys.ROLES:
            if role not in keys:
                keys[role] = apikeys.create_key(session, DEFAULT_TENANT, role, f"demo {role}",
                                                created_by="demo").key
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keys, handle, indent=2)
    return keys


def _existing_keys(session, path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        stored = json.loads(path.read_text())
    except ValueError:
        return {}
    return {role: key for role, key in stored.items()
            if isinstance(key, str) and apikeys.find_active_key(session, key) is not None}


# --- Admin console demo (issue 5): accounts, a synthetic roster, weeks of activity.

DEMO_USERS = (("admin@district.example.org", "admin", "Dana Whitfield"),
              ("it@district.example.org", "it", "Sam Okafor"),
              ("auditor@district.example.org", "auditor", "Riley Chen"))
DEMO_ROSTER_STUDENTS = 1200


def setup_demo_console(app) -> dict[str, str]:
    """Demo console accounts (one password, kept in the instance folder so reruns
    print the same), a synthetic roster, and synthetic checks and overrides.
    Returns {email: password}. Each part is added only when missing."""
    from .accounts.passwords import hash_password
    from .demo_data import synthetic_activity, synthetic_roster
    from .roster_import import import_roster_file
    from .store import users
    from .store.models import Check
    from .store.roster import roster_summary

    services = app.extensions["safesend"]
    path = services.settings.instance_path / "demo_console.json"
    password = _demo_password(path)
    with transaction(services.sessions) as session:
        tenant = ensure_tenant(session, DEFAULT_TENANT)
        if tenant.name == DEFAULT_TENANT:
            tenant.name = "Riverside Unified (demo)"
        for email, role, name in DEMO_USERS:
            if users.find_by_email(session, email) is None:
                users.create_user(session, DEFAULT_TENANT, email, role, "demo", name=name,
                                  password_hash=hash_password(password))
        if current_policy(session, DEFAULT_TENANT).version < 2:
            # A second version, so the console shows history: a rule in test mode.
            policy = current_policy(session, DEFAULT_TENANT).document()
            policy["rules"]["unscannable_attachment"]["mode"] = "audit"
            save_policy(session, DEFAULT_TENANT, parse_policy(policy), author=DEMO_USERS[1][0],
                        comment="Measure unscannable attachments in test mode before enforcing")
        if roster_summary(session, DEFAULT_TENANT) is None:
            roster = synthetic_roster(DEMO_ROSTER_STUDENTS).csv_text().encode("utf-8")
            import_roster_file(session, DEFAULT_TENANT, roster, services.roster_key, None,
                               author=DEMO_USERS[1][0])
        if session.query(Check.id).filter(Check.tenant_id == DEFAULT_TENANT).first() is None:
            synthetic_activity(session, DEFAULT_TENANT, reviewer=DEMO_USERS[0][0])
    return {email: password for email, _, _ in DEMO_USERS}


def _demo_password(path) -> str:
    if path.exists():
        try:
            stored = json.loads(path.read_text()).get("password")
            if isinstance(stored, str) and stored:
                return stored
        except ValueError:
            pass
    import secrets

    password = "demo-" + secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"password": password}, handle)
    return password
