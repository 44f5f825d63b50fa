"""Rate-limited sign-in: failures counted per client address and per account.

Counted in the database, so every worker behind the load balancer sees the
same numbers. A success clears the account's count (not the address's: a
guesser on a shared address should not be able to reset it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..store.models import SignInFailure, utcnow


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    window: timedelta


def _keys(address: str, account: str) -> tuple[str, str]:
    return f"ip:{address}"[:400], f"account:{account.strip().lower()}"[:400]


def blocked(session: Session, limits: Limits, address: str, account: str = "") -> bool:
    """True when this address or account has failed too often within the window."""
    since = utcnow() - limits.window
    ip_key, account_key = _keys(address, account)
    if _failures(session, ip_key, since) >= limits.per_address:
        return True
    return bool(account) and _failures(session, account_key, since) >= limits.per_account


def record_failure(session: Session, limits: Limits, address: str, account: str = "") -> None:
    ip_key, account_key = _keys(address, account)
    session.add(SignInFailure(key=ip_key))
    if account:
        session.add(SignInFailure(key=account_key))
    # Old failures no longer count: drop them as we go rather than in a cron job.
    session.execute(delete(SignInFailure).where(SignInFailure.created_at < utcnow() - limits.window))


def record_success(session: Session, account: str) -> None:
    _, account_key = _keys("", account)
    session.execute(delete(SignInFailure).where(SignInFailure.key == account_key))


def _failures(session: Session, key: str, since) -> int:
    return session.scalar(select(func.count(SignInFailure.id))
                          .where(SignInFailure.key == key, SignInFailure.created_at >= since)) or 0
