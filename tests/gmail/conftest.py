"""Fixtures for the Gmail tests: Google's keys, certificates and tokens, played locally."""

from __future__ import annotations

import pytest
from gmail.google_fakes import (
    ADDON_ACCOUNT,
    ADDON_CLIENT,
    DOMAIN,
    EXTENSION_CLIENT,
    PUBLIC_URL,
    CertsServer,
    SigningKey,
)


@pytest.fixture(scope="session")
def google_key() -> SigningKey:
    return SigningKey("google-key-1")


@pytest.fixture(scope="session")
def stranger_key() -> SigningKey:
    """A key nobody published: tokens signed with it are forgeries."""
    return SigningKey("google-key-1")


@pytest.fixture
def certs(google_key):
    server = CertsServer()
    server.publish(google_key)
    yield server
    server.close()


@pytest.fixture
def gmail_app(make_app, certs):
    return make_app(public_url=PUBLIC_URL, google_client_ids=f"{EXTENSION_CLIENT},{ADDON_CLIENT}",
                    google_domains=DOMAIN, google_addon_service_account=ADDON_ACCOUNT,
                    google_certs_url=certs.url)


@pytest.fixture
def gmail_client(gmail_app):
    return gmail_app.test_client()


@pytest.fixture
def admin_headers(gmail_app):
    from safesend.store.apikeys import create_key
    from safesend.store.db import transaction
    from safesend.store.tenants import ensure_tenant

    with transaction(gmail_app.extensions["safesend"].sessions) as session:
        ensure_tenant(session, "default")
        key = create_key(session, "default", "admin").key
    return {"Authorization": f"Bearer {key}"}
