"""Build a `Directory` from the policy's `directory` section.

::

    directory:
      budget_seconds: 0.5          # how long a check waits for cold lookups
      ttl_seconds: 3600            # a list's size is fresh this long
      negative_ttl_seconds: 600    # "not a list" is fresh this long
      backends:
        - type: static
          path: lists.yaml
        - type: graph
          tenant_id: 00000000-0000-0000-0000-000000000000
          client_id: 11111111-1111-1111-1111-111111111111
          client_secret_env: SAFESEND_GRAPH_SECRET

Secrets never sit in the policy (it is versioned and shown in the admin
console): the policy names the environment variable that holds each one.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .base import ConfigReader, DirectoryBackend, DirectoryConfigError
from .cache import MemoryCache, RedisCache
from .directory import Directory

__all__ = ["build_directory", "build_backend", "secret_from_env", "BACKEND_TYPES"]

ROOT = "directory"

# type name -> module holding `from_config(reader, base_dir)`; imported only when used,
# so a district on Google never loads exchangelib.
BACKEND_TYPES = {"static": "static", "graph": "graph", "ews": "ews", "google": "google"}

_SETTINGS = {"enabled", "backends", "budget_seconds", "ttl_seconds", "negative_ttl_seconds",
             "error_ttl_seconds", "stale_seconds", "max_workers", "redis_url", "cache_prefix"}


def build_directory(config: dict | None, *, redis_url: str | None = None,
                    base_dir: str | os.PathLike | None = None) -> Directory | None:
    """A Directory for the policy's `directory` section, or None when none is set up.

    Raises DirectoryConfigError naming the bad key (``directory.backends[1].client_id``)
    and why. Relative file paths are taken from `base_dir` (the policy file's folder).
    """
    if config is None:
        return None
    reader = ConfigReader(config, ROOT)
    if not config:
        return None
    reader.allow_only(_SETTINGS)
    if config.get("enabled", True) is False:
        return None
    raw_backends = config.get("backends")
    if raw_backends is None:
        raise reader.error("backends", "is required: list the directories to ask "
                           "(static, graph, ews, google)")
    if not isinstance(raw_backends, list):
        raise reader.error("backends", "must be a list of backends, each with a type")
    if not raw_backends:
        return None
    folder = Path(base_dir) if base_dir is not None else None
    backends = [build_backend(item, f"{ROOT}.backends[{n}]", folder) for n, item in enumerate(raw_backends)]
    names: dict[str, int] = {}
    for n, backend in enumerate(backends):
        if backend.name in names:
            raise DirectoryConfigError(
                f"{ROOT}.backends[{n}].name",
                f"{backend.name!r} is already the name of backends[{names[backend.name]}]; "
                "give each backend its own name")
        names[backend.name] = n
    ttl = reader.number("ttl_seconds", 3600, minimum=1, maximum=7 * 86_400, whole=True)
    url = redis_url or reader.text("redis_url")
    cache: MemoryCache | RedisCache
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise reader.error("redis_url", "must start with redis://, rediss:// or unix://")
        cache = RedisCache(url, prefix=reader.text("cache_prefix", default="safesend:directory:")
                           or "safesend:directory:")
    else:
        cache = MemoryCache()
    return Directory(
        backends, cache,
        budget_seconds=reader.number("budget_seconds", 0.5, maximum=30),
        ttl_seconds=int(ttl),
        negative_ttl_seconds=int(reader.number("negative_ttl_seconds", 600, minimum=1, maximum=86_400,
                                               whole=True)),
        error_ttl_seconds=reader.number("error_ttl_seconds", 60, maximum=3600),
        stale_seconds=reader.number("stale_seconds", 86_400, maximum=30 * 86_400),
        max_workers=int(reader.number("max_workers", 8, minimum=1, maximum=64, whole=True)),
    )


def build_backend(item: Any, where: str, base_dir: Path | None) -> DirectoryBackend:
    reader = ConfigReader(item, where)
    kind = reader.text("type", required=True)
    if kind not in BACKEND_TYPES:
        raise reader.error("type", f"{kind!r} is not a directory type (expected one of: "
                           + ", ".join(BACKEND_TYPES) + ")")
    module = importlib.import_module(f"{__package__}.{BACKEND_TYPES[kind]}")
    from_config: Callable[[ConfigReader, Path | None], DirectoryBackend] = module.from_config
    try:
        return from_config(reader, base_dir)
    except ImportError as exc:
        raise reader.error("type", f"the {kind} directory needs a package that is not installed "
                           f"({exc.name})") from None


def secret_from_env(reader: ConfigReader, key: str) -> str:
    """The value of the environment variable named by `key`."""
    variable = reader.text(key, required=True) or ""
    if not variable.replace("_", "").isalnum():
        raise reader.error(key, "must be the name of an environment variable (letters, digits and _); "
                           "do not paste the secret itself here")
    value = os.environ.get(variable)
    if not value:
        raise reader.error(key, f"the environment variable {variable} is not set")
    return value
