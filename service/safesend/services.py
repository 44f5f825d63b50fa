"""The long-lived parts of a running service, built once per process."""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .check_context import LoadedRoster, check_context, load_roster
from .config import Settings
from .facts import CheckContext
from .fingerprint import derive_key
from .hot_reads import TtlCache, clear_on_change
from .policy import Policy, load_policy_file, parse_policy
from .store import audit, db
from .store.audit_head import HeadStore
from .store.check_writer import CheckWriter, DirectWriter
from .store.checks import write_check_records, writes_in_one_statement
from .store.models import PolicyVersion, RosterSnapshot
from .store.policies import current_policy, policy_at, save_policy
from .store.roster import active_roster_id, roster_blob
from .store.tenants import DEFAULT_TENANT, ensure_tenant

log = logging.getLogger("safesend")


def _versions_query():
    """A tenant's current policy version and active roster snapshot id, in one query."""
    tenant = bindparam("tenant_id")
    return select(
        select(func.max(PolicyVersion.version)).where(PolicyVersion.tenant_id == tenant)
        .scalar_subquery(),
        select(RosterSnapshot.id).where(RosterSnapshot.tenant_id == tenant,
                                        RosterSnapshot.active.is_(True))
        .limit(1).scalar_subquery())


_VERSIONS = _versions_query()   # built once per process, not on every cache miss


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    fingerprint_key: bytes
    roster_key: bytes
    reads: sessionmaker[Session] | None = None  # autocommit single-statement reads (db.make_read_sessions)
    check_writer: CheckWriter | DirectWriter | None = None  # group commit of check records
    # Verified API keys (by the key's SHA-256) and each tenant's (policy version, roster
    # snapshot), reused for settings.read_cache_seconds: see hot_reads.py.
    verified_keys: TtlCache = field(default_factory=lambda: TtlCache(0))
    tenant_versions: TtlCache = field(default_factory=lambda: TtlCache(0))
    # Long-lived per-tenant helpers, rebuilt when their policy section changes.
    _directories: dict[str, tuple[str, Any]] = field(default_factory=dict)
    # tenant -> (snapshot id, the loaded roster or None when it cannot be used)
    _rosters: dict[str, tuple[int, LoadedRoster | None]] = field(default_factory=dict)
    _policies: dict[str, tuple[int | None, Policy]] = field(default_factory=dict)
    # Why a tenant's directory section could not be used, for the dashboard.
    directory_errors: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _scan_pool: Any = None  # scanproc.ScanPool, started by the first heavy check (settings.scan_processes)

    def policy_for(self, session: Session, tenant_id: str) -> Policy:
        return current_policy(session, tenant_id)

    def check_inputs(self, session: Session, tenant_id: str) -> tuple[Policy, CheckContext]:
        """Policy and context for a check in ONE query (the current policy version
        and roster snapshot ids), none while they are cached; a policy version is
        parsed once per process."""
        versions = self.tenant_versions.get(tenant_id)
        if versions is None:
            versions = tuple(session.execute(_VERSIONS, {"tenant_id": tenant_id}).one())
            self.tenant_versions.put(tenant_id, versions)
        version, snapshot = versions
        cached = self._policies.get(tenant_id)
        if cached is not None and cached[0] == version:
            policy = cached[1]
        else:
            # Saved versions never change: a (tenant, version) pair parses to the same policy.
            policy = (policy_at(session, tenant_id, version) if version else None) or parse_policy({})
            self._policies[tenant_id] = (version, policy)
        return policy, self._context(tenant_id, policy, self._loaded_roster(session, tenant_id, snapshot))

    def cached_check_inputs(self, tenant_id: str) -> tuple[Policy, CheckContext] | None:
        """check_inputs without a session, while the tenant's versions are cached and
        their policy and roster loaded; None when the database must be read."""
        versions = self.tenant_versions.get(tenant_id)
        policy = self._policies.get(tenant_id)
        roster = self._rosters.get(tenant_id)
        if versions is None or policy is None or policy[0] != versions[0]:
            return None
        if versions[1] is not None and (roster is None or roster[0] != versions[1]):
            return None
        return policy[1], self._context(tenant_id, policy[1], roster[1] if versions[1] is not None else None)

    def context_for(self, session: Session, tenant_id: str, policy: Policy,
                    check_id: str | None = None) -> CheckContext:
        loaded = self._loaded_roster(session, tenant_id, active_roster_id(session, tenant_id))
        return self._context(tenant_id, policy, loaded, check_id)

    def _context(self, tenant_id: str, policy: Policy, roster: LoadedRoster | None,
                 check_id: str | None = None) -> CheckContext:
        directory = self.directory_for(tenant_id, policy)
        heavy_scanner = None
        if self.settings.scan_processes:
            def heavy_scanner(message, checked_policy, body):
                return self.scan_pool().scan(message, checked_policy, body, roster)
        return check_context(roster.index if roster is not None else None,
                             directory.resolve if directory is not None else None, check_id,
                             heavy_scanner)

    def scan_pool(self):
        """This process's scan processes (scanproc/), started on first use."""
        pool = self._scan_pool
        if pool is not None and pool.pid == os.getpid():
            return pool
        from .scanproc.pool import ScanPool

        with self._lock:
            if self._scan_pool is None or self._scan_pool.pid != os.getpid():
                # A pool inherited through fork belongs to the parent: ours starts afresh.
                self._scan_pool = ScanPool(self.settings.heavy_checks, self.roster_key)
            return self._scan_pool

    def use_scan_pool(self, pool):
        """Swap the scan pool (tests: one started with test hooks); returns the old one."""
        with self._lock:
            previous, self._scan_pool = self._scan_pool, pool
            return previous

    def roster_for(self, session: Session, tenant_id: str):
        """The tenant's roster index, loaded once per imported snapshot."""
        loaded = self._loaded_roster(session, tenant_id, active_roster_id(session, tenant_id))
        return loaded.index if loaded is not None else None

    def _loaded_roster(self, session: Session, tenant_id: str, snapshot: int | None
                       ) -> LoadedRoster | None:
        if snapshot is None:
            self._rosters.pop(tenant_id, None)
            return None
        cached = self._rosters.get(tenant_id)
        if cached is not None and cached[0] == snapshot:
            return cached[1]
        with self._lock:
            cached = self._rosters.get(tenant_id)
            if cached is not None and cached[0] == snapshot:
                return cached[1]
            blob = roster_blob(session, snapshot)
            if blob is None:
                return None
            index = load_roster(blob, self.roster_key, tenant_id)
            # The blob is kept with its index: the scan processes get it from here.
            loaded = LoadedRoster(tenant_id, snapshot, blob, index) if index is not None else None
            self._rosters[tenant_id] = (snapshot, loaded)
            return loaded

    def directory_for(self, tenant_id: str, policy: Policy):
        """The tenant's Directory (threads, cache), kept while its config is unchanged."""
        if not policy.directory:
            return None
        config = {"cache_prefix": f"safesend:{tenant_id}:directory:", **policy.directory}
        fingerprint = json.dumps(config, sort_keys=True)
        with self._lock:
            cached = self._directories.get(tenant_id)
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
            directory = self._build_directory(tenant_id, config)
            self._directories[tenant_id] = (fingerprint, directory)
        if cached is not None and cached[1] is not None:
            cached[1].close()
        return directory

    def _build_directory(self, tenant_id: str, config: dict):
        from .directory import DirectoryConfigError, build_directory

        try:
            directory = build_directory(config, redis_url=self.settings.redis_url or None,
                                        base_dir=self.settings.instance_path)
        except DirectoryConfigError as exc:
            # Saved policies are validated; this is an environment change
            # (a secret variable unset). Checks go on without list sizes.
            log.error("directory for tenant %s is not usable: %s", tenant_id, exc)
            self.directory_errors[tenant_id] = str(exc)
            return None
        self.directory_errors.pop(tenant_id, None)
        return directory

    def close(self) -> None:
        with self._lock:
            directories = [d for _, d in self._directories.values() if d is not None]
            self._directories.clear()
            scan_pool, self._scan_pool = self._scan_pool, None
        for directory in directories:
            directory.close()
        if scan_pool is not None and scan_pool.pid == os.getpid():
            scan_pool.close()
        if self.check_writer is not None:
            self.check_writer.close()
        self.engine.dispose()


def build_services(settings: Settings, migrate: bool = True) -> Services:
    engine = db.make_engine(settings.database_url, settings.db_pool_size, settings.db_max_overflow,
                            settings.db_pool_timeout)
    if migrate:
        db.upgrade(engine)
    sessions = db.make_sessions(engine)
    services = Services(
        settings=settings, engine=engine, sessions=sessions, reads=db.make_read_sessions(engine),
        fingerprint_key=derive_key(settings.secret_key, "message-fingerprint"),
        roster_key=derive_key(settings.secret_key, "roster"),
        verified_keys=TtlCache(settings.read_cache_seconds),
        tenant_versions=TtlCache(settings.read_cache_seconds),
        check_writer=(DirectWriter(engine, write_check_records) if db.is_memory_sqlite(settings.database_url)
                      else CheckWriter(engine, write_check_records, one_statement=writes_in_one_statement)),
    )
    clear_on_change(sessions, (services.verified_keys, services.tenant_versions))
    _configure_audit(settings, sessions)
    if migrate:
        try:
            with db.transaction(sessions) as session:
                ensure_tenant(session, DEFAULT_TENANT)
                for tenant in audit.seal_legacy_chains(session):
                    log.info("audit chain of tenant %s: entries before the key pinned as legacy", tenant)
                if settings.policy_file is not None:
                    sync_policy_file(session, DEFAULT_TENANT, settings.policy_file)
        except IntegrityError:
            log.info("another worker saved the tenant or policy file first")
    return services


def _configure_audit(settings: Settings, sessions) -> None:
    """The audit chain's key and signed heads live outside the database (store/audit.py)."""
    secret = settings.audit_key or settings.secret_key
    folder = settings.audit_head_dir or settings.instance_path / "audit-heads"
    audit.configure(sessions, derive_key(secret, "audit-chain"),
                    HeadStore(folder, derive_key(secret, "audit-head")))


def sync_policy_file(session: Session, tenant_id: str, path) -> Policy:
    """Save the policy file as a new version when it differs from the current one,
    so a file-managed policy is versioned like one edited in the console."""
    wanted = load_policy_file(path)
    current = current_policy(session, tenant_id)
    if current.version and current.document() == wanted.document():
        return current
    saved = save_policy(session, tenant_id, wanted, author=f"file:{path}")
    log.info("policy file %s saved as version %d", path, saved.version)
    return saved

