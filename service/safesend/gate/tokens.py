"""Release tokens: a signed, expiring link naming one held check."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "safesend-release"
TOKEN_HOURS = 24          # how long the link in a bounce works
RESEND_MINUTES = 60       # how long a release lets the same message through


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def release_token(secret: str, tenant_id: str, check_id: str) -> str:
    return _serializer(secret).dumps({"t": tenant_id, "c": check_id})


def read_token(secret: str, token: str) -> tuple[str, str] | None:
    """(tenant_id, check_id) of a valid, unexpired token; None otherwise."""
    try:
        data = _serializer(secret).loads(token, max_age=TOKEN_HOURS * 3600)
    except BadSignature:   # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        return None
    return str(data.get("t") or ""), data["c"]


def release_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/r/{token}"
