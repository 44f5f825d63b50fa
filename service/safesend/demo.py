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
