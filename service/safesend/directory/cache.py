"""Where directory answers are kept between checks.

Values are JSON-able dicts. `MemoryCache` lives in one process; `RedisCache`
is shared by every gunicorn worker and falls back to its own in-process
cache, with a logged warning, whenever Redis cannot be reached.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, Protocol

log = logging.getLogger("safesend.directory")

__all__ = ["Cache", "MemoryCache", "RedisCache", "make_cache"]


class Cache(Protocol):
    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]: ...
    def set(self, key: str, value: dict[str, Any], ttl_seconds: float) -> None: ...
    def delete(self, key: str) -> None: ...


class MemoryCache:
    """An in-process TTL cache (least recently used entries go first when full)."""

    def __init__(self, max_entries: int = 50_000, clock: Callable[[], float] = time.time):
        self.max_entries = max_entries
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        now = self.clock()
        found: dict[str, dict[str, Any]] = {}
        with self._lock:
            for key in keys:
                item = self._items.get(key)
                if item is None:
                    continue
                expires, raw = item
                if expires <= now:
                    del self._items[key]
                    continue
                self._items.move_to_end(key)
                found[key] = json.loads(raw)
        return found

    def get(self, key: str) -> dict[str, Any] | None:
        return self.get_many([key]).get(key)

    def set(self, key: str, value: dict[str, Any], ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            self.delete(key)
            return
        raw = json.dumps(value, separators=(",", ":"))
        with self._lock:
            self._items[key] = (self.clock() + ttl_seconds, raw)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class RedisCache:
    """A cache in Redis, shared across processes, with an in-process fallback.

    Redis sits on the send path, so every call has a short socket timeout;
    after a failure Redis is left alone for `retry_seconds` and the fallback
    answers, so a Redis outage costs one timeout, not one per check.
    """

    def __init__(self, url: str, *, prefix: str = "safesend:directory:", socket_timeout: float = 0.25,
                 retry_seconds: float = 30.0, fallback: MemoryCache | None = None, client: Any = None):
        self.url = url
        self.prefix = prefix
        self.retry_seconds = retry_seconds
        self.fallback = fallback or MemoryCache()
        self._client = client
        self._socket_timeout = socket_timeout
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(
                self.url, socket_timeout=self._socket_timeout,
                socket_connect_timeout=self._socket_timeout, health_check_interval=30,
            )
        return self._client

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def get_many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        keys = list(keys)
        if not keys:
            return {}
        if self.available:
            try:
                raws = self.client.mget([self.prefix + k for k in keys])
            except Exception as exc:  # redis.RedisError, OSError: never fail a check over the cache
                self._went_down(exc)
            else:
                found = {}
                for key, raw in zip(keys, raws, strict=False):
                    value = _decode(raw)
                    if value is not None:
                        found[key] = value
                return found
        return self.fallback.get_many(keys)

    def set(self, key: str, value: dict[str, Any], ttl_seconds: float) -> None:
        if self.available:
            try:
                if ttl_seconds <= 0:
                    self.client.delete(self.prefix + key)
                else:
                    raw = json.dumps(value, separators=(",", ":"))
                    self.client.set(self.prefix + key, raw, px=max(1, int(ttl_seconds * 1000)))
                return
            except Exception as exc:
                self._went_down(exc)
        self.fallback.set(key, value, ttl_seconds)

    def delete(self, key: str) -> None:
        self.fallback.delete(key)
        if self.available:
            try:
                self.client.delete(self.prefix + key)
            except Exception as exc:
                self._went_down(exc)

    def _went_down(self, exc: Exception) -> None:
        with self._lock:
            first = self.available
            self._down_until = time.monotonic() + self.retry_seconds
        if first:
            log.warning("directory cache: Redis is unreachable (%s); using the in-process cache "
                        "for the next %.0f s", type(exc).__name__, self.retry_seconds)


def _decode(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def make_cache(redis_url: str | None = None, **kwargs: Any) -> MemoryCache | RedisCache:
    return RedisCache(redis_url, **kwargs) if redis_url else MemoryCache()
