"""Schemathesis against the real app: every documented operation, with every role's key, every
check it has (the `--checks all` set), and a bounded number of generated examples.

The document must say what the API really takes: what it generates as valid must be accepted,
what it generates as invalid refused with a documented 4xx, and every answer must match the
response schemas. Generated checks must also get through to the rules engine, not stop at 400.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode
from waitress.server import create_server

from messages import DISTRICT

ROLES = ("client", "it", "admin", "auditor")
EXAMPLES = 10  # per operation in the fuzzing phase; the coverage phase adds its own cases
SEED = 10  # the same cases every run: a red CI run can be replayed
ST = Path(sys.executable).with_name("st")
TESTS = Path(__file__).resolve().parent
KEYS_ENV = "SAFESEND_SCHEMATHESIS_KEYS"  # read by schemathesis_hooks.py in the `st` process only
# What the document cannot say (a policy or roster may fit its schema and still be unusable: 422).
CONFIG = TESTS.parent / "schemathesis.toml"


@pytest.fixture
def served(app):
    """The app behind waitress (as `safesend serve` runs it) on a free loopback port."""
    server = create_server(app, host="127.0.0.1", port=0, threads=4,
                           max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1024)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


def test_schemathesis_finds_nothing_with_any_role(served, auth, tmp_path, database_url):
    """`st run --checks all` as an outsider would run it; the requests take every role's key in
    turn (schemathesis_hooks.py), so each operation is tried as client, IT, admin and auditor."""
    keys = {role: auth[role]["Authorization"].removeprefix("Bearer ") for role in ROLES}
    # The coverage phase (every boundary of every schema: thousands of requests) once, on SQLite;
    # on PostgreSQL the fuzzing phase, which finds what only PostgreSQL refuses (NUL in text).
    phases = "examples,coverage,fuzzing" if database_url.startswith("sqlite") else "fuzzing"
    command = [str(ST), "--config-file", str(CONFIG), "run", f"{served}/api/openapi.json",
               "--phases", phases,
               "--checks", "all", "--max-examples", str(EXAMPLES), "--seed", str(SEED),
               "--workers", "1", "--generation-database", "none", "--no-color",
               "--request-timeout", "30", "--warnings", "off"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", KEYS_ENV: json.dumps(keys),
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(command, capture_output=True, text=True, timeout=400, cwd=tmp_path, env=env)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-15000:]
    from safesend.api.openapi import openapi_document

    operations = sum(len(methods) for methods in openapi_document()["paths"].values())
    assert f"{operations} selected" in output and " failed" not in output, output[-4000:]


def test_generated_checks_reach_the_rules_engine(app, auth):
    """Valid generated messages get a verdict (200), not a 400 the document did not predict."""
    # The policy names the district, so recipients are classified as they would be in use.
    app.test_client().put("/api/v1/policy", headers=auth["it"], json={"internal_domains": [DISTRICT]})
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operation = schema["/api/v1/checks"]["POST"]
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call_and_validate(headers=auth["client"])
        statuses.append(response.status_code)
        if response.status_code == 200:
            assert response.json()["action"] in ("allow", "warn", "confirm", "block")

    check()
    assert len(statuses) >= 20
    reached = sum(status == 200 for status in statuses)
    assert reached == len(statuses), f"only {reached} of {len(statuses)} valid checks got a verdict"
