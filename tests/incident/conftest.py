"""Fixtures for the incident tests: a database with the test policy and the
synthetic roster, and the sent-mail folder."""

from __future__ import annotations

import pytest
from incident import sent_mail

from safesend.detect import RosterHasher


@pytest.fixture(scope="session")
def mail():
    return sent_mail.build()


@pytest.fixture
def scan_env(tmp_path, monkeypatch, database_url, mail):
    """SAFESEND_* settings for a command or worker, with the policy and roster loaded."""
    from conftest import _clean
    from safesend.config import load_settings
    from safesend.policy import parse_policy
    from safesend.roster_import import import_roster_file
    from safesend.services import build_services
    from safesend.store.db import transaction
    from safesend.store.policies import save_policy
    from safesend.store.tenants import DEFAULT_TENANT, ensure_tenant

    env = {"SAFESEND_INSTANCE_PATH": str(tmp_path / "instance"), "SAFESEND_DATABASE_URL": database_url,
           "SAFESEND_SECRET_KEY": "incident-test-secret", "SAFESEND_SCAN_RETRY_BASE_SECONDS": "0.2"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SAFESEND_REDIS_URL", raising=False)
    _clean(database_url)
    services = build_services(load_settings())
    with transaction(services.sessions) as session:
        ensure_tenant(session, DEFAULT_TENANT)
        save_policy(session, DEFAULT_TENANT, parse_policy(sent_mail.POLICY), author="test")
        import_roster_file(session, DEFAULT_TENANT, mail.roster_csv, services.roster_key, None, author="test")
    yield env, services
    services.close()
    from safesend.incident import queue

    queue._state.clear()


def expected_refs(services, ids) -> set[str]:
    hasher = RosterHasher(services.roster_key)
    return {hasher.hash_id(i).hex() for i in ids}


def skip_or_fail(reason: str):
    """Skip when a service is missing on a developer's machine; fail under CI=true."""
    import os

    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


REDIS_URL = "redis://127.0.0.1:6379/7"     # database 7: this suite's own


@pytest.fixture
def redis_queue(monkeypatch):
    """A Huey queue of its own on Redis database 7, emptied afterwards."""
    import uuid

    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {REDIS_URL} is not reachable ({type(exc).__name__}); start redis-server")
    name = f"safesend-test-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("SAFESEND_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("SAFESEND_QUEUE_NAME", name)
    yield name
    for key in client.scan_iter(match=f"huey.*{name}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def responder():
    """A factory: responder(handler) -> a running local HTTP server (see directory_fakes)."""
    from directory.directory_fakes import Responder

    servers = []

    def start(handler):
        servers.append(Responder(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


# Throwaway RSA key and a service-account key file shaped like Google's (from the directory tests).
from directory.conftest import rsa_key_pem, service_account_info  # noqa: E402,F401
