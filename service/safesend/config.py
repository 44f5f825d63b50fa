"""Process settings from SAFESEND_* environment variables.

Policy (thresholds, domains...) lives in the database and the policy file;
this is only what a process needs to start: where data lives and its keys.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TENANT = "default"  # here, not in store/, so commands can name it without importing SQLAlchemy


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
    # Database connections per web process (checks hold one only to read and to record).
    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_pool_timeout: float = 30.0
    # Checks with big attachments evaluated at once per process: a scan keeps a core busy
    # (bench_load, 2 cores: 1 gave quick checks a lower p99 and finished more big ones than 2).
    heavy_checks: int = 1
    # Their content scanned in that many scan processes (scanproc/); off: in the web process.
    scan_processes: bool = True
    read_cache_seconds: float = 2.0  # API keys and policy/roster versions reused per process (hot_reads.py)
    # Outlook add-in and Entra ID tokens (issue 4): see addin/ and identity/.
    entra_client_id: str = ""
    entra_audiences: list[str] = field(default_factory=list)   # extra accepted audiences (App ID URI)
    entra_tenants: dict[str, str] = field(default_factory=dict)  # Entra tenant id -> SafeSend tenant id
    entra_authority: str = "https://login.microsoftonline.com"
    entra_scope: str = "access_as_user"
    addin_dir: Path | None = None
    addin_send_mode: str = "SoftBlock"
    addin_dev_api_key: str = ""
    # Gmail (issue 6): Google ID tokens and the Workspace add-on; see identity/google_tokens.py, gmail/.
    google_client_ids: list[str] = field(default_factory=list)   # accepted ID-token audiences
    google_domains: dict[str, str] = field(default_factory=dict)  # Workspace domain (hd) -> tenant
    google_addon_service_account: str = ""                       # signs the add-on's requests
    google_certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"  # tests point it at a local server
    # Admin console sign-in and sessions (issue 5): see identity/*_signin.py, accounts/, admin/.
    # Google sign-in also uses google_domains and google_certs_url above.
    signin_entra_client_id: str = ""      # default: entra_client_id
    signin_entra_client_secret: str = ""  # SAFESEND_SIGNIN_ENTRA_CLIENT_SECRET, from the environment
    signin_entra_tenant: str = "organizations"
    google_client_id: str = ""            # the console's OAuth client (web application)
    google_client_secret: str = ""
    google_auth_uri: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_uri: str = "https://oauth2.googleapis.com/token"
    role_groups: dict[str, str] = field(default_factory=dict)  # IdP group id or app role -> role
    session_hours: float = 8.0
    session_idle_minutes: int = 60
    session_cookie_secure: bool = False   # False: Secure whenever the request came over HTTPS
    signin_max_failures: int = 5          # per account in the window
    signin_max_failures_per_ip: int = 20
    signin_window_minutes: int = 15
    # Audit chain (issue 10): the entries' HMAC key (default: derived from
    # secret_key) and the folder of the signed chain heads; see store/audit_head.py.
    audit_key: str = ""
    audit_head_dir: Path | None = None
    roster_max_age_days: int = 30         # the dashboard warns when the roster is older (issue 16)


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
        testing=_flag(env.get("testing", False)),
        db_pool_size=int(env.get("db_pool_size") or 10),
        db_max_overflow=int(_given(env.get("db_max_overflow"), 20)),
        db_pool_timeout=float(env.get("db_pool_timeout") or 30),
        heavy_checks=max(1, int(env.get("heavy_checks") or 1)),
        scan_processes=_flag(_given(env.get("scan_processes"), True)),
        read_cache_seconds=max(0.0, float(_given(env.get("read_cache_seconds"), 2.0))),
        # Outlook add-in and Entra ID tokens (issue 4).
        entra_client_id=str(env.get("entra_client_id", "")).strip(),
        entra_audiences=_list(env.get("entra_audience", "")),
        entra_tenants=_mapping(env.get("entra_tenants", "")),
        entra_authority=str(env.get("entra_authority") or "https://login.microsoftonline.com").rstrip("/"),
        entra_scope=str(env.get("entra_scope", "access_as_user")).strip(),
        addin_dir=Path(env["addin_dir"]) if env.get("addin_dir") else None,
        addin_send_mode=str(env.get("addin_send_mode") or "SoftBlock"),
        addin_dev_api_key=str(env.get("addin_dev_api_key", "")).strip(),
        # Gmail (issue 6).
        google_client_ids=_list(env.get("google_client_ids", "")),
        google_domains=_mapping(env.get("google_domains", "")),
        google_addon_service_account=str(env.get("google_addon_service_account", "")).strip().lower(),
        google_certs_url=str(env.get("google_certs_url") or "https://www.googleapis.com/oauth2/v1/certs"),
        # Admin console (issue 5).
        signin_entra_client_id=str(env.get("signin_entra_client_id")
                                   or env.get("entra_client_id", "")).strip(),
        signin_entra_client_secret=str(env.get("signin_entra_client_secret", "")).strip(),
        signin_entra_tenant=str(env.get("signin_entra_tenant") or "organizations").strip(),
        google_client_id=str(env.get("google_client_id", "")).strip(),
        google_client_secret=str(env.get("google_client_secret", "")).strip(),
        google_auth_uri=str(env.get("google_auth_uri") or Settings.google_auth_uri),
        google_token_uri=str(env.get("google_token_uri") or Settings.google_token_uri),
        role_groups=_mapping(env.get("role_groups", "")),
        session_hours=float(env.get("session_hours") or 8),
        session_idle_minutes=int(env.get("session_idle_minutes") or 60),
        session_cookie_secure=str(env.get("session_cookie_secure", "")).lower() in ("1", "true", "yes"),
        signin_max_failures=int(env.get("signin_max_failures") or 5),
        signin_max_failures_per_ip=int(env.get("signin_max_failures_per_ip") or 20),
        signin_window_minutes=int(env.get("signin_window_minutes") or 15),
        audit_key=str(env.get("audit_key", "")).strip(),
        audit_head_dir=Path(env["audit_head_dir"]) if env.get("audit_head_dir") else None,
        roster_max_age_days=int(env.get("roster_max_age_days") or 30),
    )


def _given(value, default):
    """The value unless it is unset or empty (0 is a value)."""
    return default if value is None or value == "" else value


def _flag(value) -> bool:
    """True for True, 1, "1", "true", "yes", "on"; "false", "0" and "" are False."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _list(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _mapping(value) -> dict[str, str]:
    """'tid1=tenant1,tid2=tenant2' (or a dict); a bare tid maps to the default tenant."""
    if isinstance(value, dict):
        return {str(k).strip().lower(): str(v).strip() for k, v in value.items()}
    pairs = (item.partition("=") for item in _list(value))
    return {key.strip().lower(): (tenant.strip() or "default") for key, _, tenant in pairs}


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
