"""Schemathesis hooks for tests/test_openapi_conformance.py (SCHEMATHESIS_HOOKS=schemathesis_hooks):
every generated request carries the next role's API key in turn, so one run tries every
operation with every role's key."""

from __future__ import annotations

import itertools
import json
import os

import schemathesis

# {"client": "ss_...", "it": "ss_...", ...}, set by the test that starts the run.
KEYS_ENV = "SAFESEND_SCHEMATHESIS_KEYS"


@schemathesis.auth(refresh_interval=None)
class EveryRoleInTurn:
    def __init__(self):
        self._roles = None

    def get(self, case, context):
        if self._roles is None:
            self._roles = itertools.cycle(sorted(json.loads(os.environ[KEYS_ENV]).items()))
        return next(self._roles)

    def set(self, case, data, context):
        role, key = data
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}",
                        "X-SafeSend-Test-Role": role}  # shows in a failure's curl; the API ignores it
