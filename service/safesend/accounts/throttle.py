"""Rate-limited sign-in: attempts counted per (source address, account) and per address.

Limited per account *and* source together, so a stranger who knows an
address cannot lock its owner out (the owner signs in from elsewhere);
the per-address limit, over all accounts, stops one source spraying many.

Each attempt is counted before its password is checked, with one atomic
upsert per key (INSERT ... ON CONFLICT DO UPDATE ... RETURNING) committed in
its own transaction, so 30 simultaneous guesses get 30 distinct counts and
at most the limit of them are checked. Counted in the database, so every
worker behind the load balancer sees the same numbers. A success gives the
attempt back. Keys are keyed hashes: no address or typed email is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ..store.db import transaction
from ..store.models import utcnow
from ..store.signin_counters import SignInCounter

_COUNTERS = SignInCounter.__table__


@dataclass(frozen=True)
class Limits:
    per_account: int      # attempts per account from one source address
    per_address: int      # attempts from one source address, all accounts together
    window: timedelta
    key: bytes = b"safesend sign-in counters"   # names the counters (see _name)


def attempt(sessions: sessionmaker[Session], limits: Limits, address: str, account: str = "") -> bool:
    """Count one attempt; False when it is over a limit (then do not check it)."""
    with transaction(sessions) as session:
        from_address = _bump(session, limits, _name(limits, "ip", address))
        if not account:
            return from_address <= limits.per_address
        pair = _bump(session, limits, _name(limits, "pair", address, account))
        return from_address <= limits.per_address and pair <= limits.per_account


def blocked(session: Session, limits: Limits, address: str) -> bool:
    """True when this address has used up its attempts (single sign-on starts)."""
    count = session.scalar(select(SignInCounter.count).where(
        SignInCounter.key == _name(limits, "ip", address),
        SignInCounter.window_start >= utcnow() - limits.window))
    return (count or 0) >= limits.per_address


def record_failure(session: Session, limits: Limits, address: str) -> None:
    """A failed single sign-on counts against the address."""
    _bump(session, limits, _name(limits, "ip", address))


def record_success(session: Session, limits: Limits, address: str, account: str) -> None:
    """The right password: this account's failures from here are forgotten and
    the attempt is given back to the address (a school shares one address)."""
    session.execute(delete(SignInCounter).where(
        SignInCounter.key == _name(limits, "pair", address, account)))
    session.execute(update(SignInCounter).where(SignInCounter.key == _name(limits, "ip", address),
                                                SignInCounter.count > 0)
                    .values(count=SignInCounter.count - 1))


def _bump(session: Session, limits: Limits, key: str) -> int:
    now = utcnow()
    expired = _COUNTERS.c.window_start < now - limits.window
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(SignInCounter).values(key=key, window_start=now, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[_COUNTERS.c.key],
        set_={"count": case((expired, 1), else_=_COUNTERS.c.count + 1),
              "window_start": case((expired, now), else_=_COUNTERS.c.window_start)},
    ).returning(_COUNTERS.c.count)
    # Drop windows long past as we go rather than in a cron job.
    session.execute(delete(SignInCounter).where(SignInCounter.window_start < now - 2 * limits.window))
    return int(session.execute(statement).scalar_one())


def _name(limits: Limits, kind: str, address: str, account: str = "") -> str:
    value = f"{kind}\0{address}\0{account.strip().lower()}"
    return hmac.new(limits.key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
