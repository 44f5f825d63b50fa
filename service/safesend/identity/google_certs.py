"""Google's token-signing certificates, fetched once and kept while fresh.

google-auth's `id_token.verify_token` fetches the certificates URL on every
call; this transport sits at the seam it offers (its `request` argument) and
answers repeat GETs from memory for as long as Google's Cache-Control allows.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

import google.auth.transport.requests
import requests

CERTS_TIMEOUT_SECONDS = 5
DEFAULT_MAX_AGE_SECONDS = 3600     # when the response names none
MAX_AGE = re.compile(r"max-age=(\d+)")


@dataclass
class CachedCertsRequest:
    """A google.auth.transport.Request that caches successful GET responses."""

    _inner: google.auth.transport.requests.Request = field(
        default_factory=lambda: google.auth.transport.requests.Request(requests.Session()))
    _cache: dict[str, tuple[float, object]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        if method != "GET":
            return self._inner(url, method=method, body=body, headers=headers, timeout=timeout, **kwargs)
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        response = self._inner(url, method="GET", headers=headers,
                               timeout=timeout or CERTS_TIMEOUT_SECONDS, **kwargs)
        if response.status == 200:
            with self._lock:
                self._cache[url] = (time.monotonic() + _max_age(response.headers), response)
        return response

    def forget(self, url: str) -> None:
        """Drop a cached answer, e.g. when a token names a key it does not hold."""
        with self._lock:
            self._cache.pop(url, None)


def _max_age(headers) -> int:
    match = MAX_AGE.search(str((headers or {}).get("cache-control", "")))
    return int(match.group(1)) if match else DEFAULT_MAX_AGE_SECONDS
