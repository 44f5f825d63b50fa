"""Sign-in attempt counters (migration 0003): one row per key, bumped atomically."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class SignInCounter(Base):
    """Attempts in the current window for one key: a keyed hash of
    (source address, account) or of the source address alone, never either in clear."""

    __tablename__ = "sign_in_counters"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer, default=0)
