"""Fixtures for the admin console: users of each role and signed-in test clients."""

from __future__ import annotations

import pytest
from admin.console_helpers import PASSWORD, sign_in


@pytest.fixture
def make_user(app):
    from safesend.accounts.passwords import hash_password
    from safesend.store import users
    from safesend.store.db import transaction
    from safesend.store.tenants import ensure_tenant

    hashed = hash_password(PASSWORD)   # Argon2 is slow on purpose: hash once per test

    def factory(role: str, email: str | None = None, tenant: str = "default",
                password: bool = True) -> str:
        email = email or f"{role}@{tenant}.example.org"
        with transaction(app.extensions["safesend"].sessions) as session:
            ensure_tenant(session, tenant)
            users.create_user(session, tenant, email, role, "test",
                              password_hash=hashed if password else None)
        return email

    return factory


@pytest.fixture
def console(app, make_user):
    """Signed-in test clients by role: console['it'], console['admin'], console['auditor']."""

    class Clients(dict):
        def __missing__(self, role):
            client = app.test_client()
            response = sign_in(client, make_user(role))
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
            self[role] = client
            return client

    return Clients()


@pytest.fixture
def services(app):
    return app.extensions["safesend"]
