"""The console session: a signed cookie naming the user, checked on every request.

The cookie holds the user id and the user's session epoch; the user row is
read on each request, so a disabled account, a role change or a sign-out
takes effect at once. Sessions also end after `session_idle_minutes`
without a request and `session_hours` after sign-in.
"""

from __future__ import annotations

import time

from flask import session as cookie
from sqlalchemy.orm import Session

from ..config import Settings
from ..store import users
from ..store.models import User

KEYS = ("uid", "epoch", "since", "seen", "method")


def begin(user: User, method: str) -> None:
    """A fresh session (never reuse one from before sign-in: session fixation)."""
    cookie.clear()
    now = int(time.time())
    cookie.update({"uid": user.id, "epoch": user.session_epoch, "since": now, "seen": now,
                   "method": method})
    cookie.permanent = True


def signed_in_user(db: Session, settings: Settings) -> User | None:
    uid = cookie.get("uid")
    if uid is None:
        return None
    now = int(time.time())
    if (now - int(cookie.get("since", 0)) > settings.session_hours * 3600
            or now - int(cookie.get("seen", 0)) > settings.session_idle_minutes * 60):
        end()
        return None
    user = db.get(User, uid)
    if user is None or user.disabled_at is not None or user.session_epoch != cookie.get("epoch"):
        end()
        return None
    if now - int(cookie.get("seen", 0)) > 60:   # refresh the idle clock once a minute at most
        cookie["seen"] = now
    return user


def end() -> None:
    for key in KEYS:
        cookie.pop(key, None)


def sign_out(db: Session, user: User | None) -> None:
    if user is not None:
        users.end_sessions(user)
    cookie.clear()
