"""Fixtures for the directory tests: a local HTTP responder (what Microsoft
Graph, Exchange and Google answer is replayed from recorded shapes), a clock
the tests can move, and throwaway keys and certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from directory.directory_fakes import FakeClock, Recorded, Reply, Responder


@pytest.fixture
def responder():
    """A factory: responder(handler) -> a running local HTTP server."""
    servers: list[Responder] = []

    def start(handler: Callable[[Recorded], Reply]) -> Responder:
        server = Responder(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def rsa_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture(scope="session")
def certificate_pem(rsa_key_pem: str) -> str:
    """A self-signed certificate for the session's RSA key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = serialization.load_pem_private_key(rsa_key_pem.encode(), password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "safesend-directory-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def service_account_info(rsa_key_pem: str) -> dict[str, str]:
    """A service-account key file's content, shaped like the one Google Cloud gives out."""
    return {
        "type": "service_account",
        "project_id": "safesend-test",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": rsa_key_pem,
        "client_email": "safesend-directory@safesend-test.iam.gserviceaccount.com",
        "client_id": "104857600000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                "safesend-directory%40safesend-test.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com",
    }
