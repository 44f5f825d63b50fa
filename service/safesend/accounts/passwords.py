"""Local passwords: Argon2id (argon2-cffi's RFC 9106 profile), never stored in clear."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024   # hashing megabytes of "password" is a denial of service

_hasher = PasswordHasher()
# Verified when the account does not exist, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("safesend-no-such-account")


class WeakPassword(ValueError):
    pass


def check_strength(password: str, email: str = "") -> None:
    """A long passphrase is the whole rule (NIST SP 800-63B): no composition rules."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters; a short sentence works well.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.")
    if email and password.strip().lower() in (email.lower(), email.split("@")[0].lower()):
        raise WeakPassword("The password must not be your address.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
