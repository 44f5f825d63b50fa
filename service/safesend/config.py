"""Process settings from SAFESEND_* environment variables.

Policy (thresholds, domains...) lives in the database and the policy file;
this is only what a process needs to start: where data lives and its keys.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Settings:
    instance_path: Path
    database_url: str
    secret_key: str
    policy_file: Path | None = None
    cors_origins: list[str] = field(default_factory=list)
    trust_proxy: bool = False
    public_url: str = ""
    redis_url: str = ""
    max_request_bytes: int = 40 * 1024 * 1024
    testing: bool = False


def load_settings(overrides: dict | None = None) -> Settings:
    env = {k[len("SAFESEND_"):].lower(): v for k, v in os.environ.items()
           if k.startswith("SAFESEND_")}
    env.update({k.lower(): v for k, v in (overrides or {}).items()})
    instance = Path(env.get("instance_path") or Path.cwd() / "instance").resolve()
    instance.mkdir(parents=True, exist_ok=True)
    database_url = env.get("database_url") or f"sqlite:///{instance / 'safesend.db'}"
    return Settings(
        instance_path=instance,
        database_url=str(database_url),
        secret_key=str(env.get("secret_key") or _instance_secret(instance)),
        policy_file=Path(env["policy"]) if env.get("policy") else None,
        cors_origins=_list(env.get("cors_origins", "")),
        trust_proxy=str(env.get("trust_proxy", "")).lower() in ("1", "true", "yes"),
        public_url=str(env.get("public_url", "")).rstrip("/"),
        redis_url=str(env.get("redis_url", "")),
        max_request_bytes=int(env.get("max_request_bytes") or 40 * 1024 * 1024),
        testing=bool(env.get("testing", False)),
    )


def _list(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _instance_secret(instance: Path) -> str:
    """A development secret kept in the instance folder (0600), so roster
    hashes and sessions survive restarts. Production sets SAFESEND_SECRET_KEY."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value
