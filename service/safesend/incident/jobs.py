"""Scan jobs: plan a scan into jobs (one per mailbox or slice), and run one
job from its checkpoint.

Exactly-once bookkeeping: messages are judged in batches, and a batch's
flagged records, its counts and the checkpoint after it are written in ONE
transaction, guarded by the job's lease. A worker killed mid-batch loses only
that uncommitted batch, which the next owner reads again from the checkpoint;
nothing is counted or kept twice. A worker whose lease was taken over (it
stalled past the lease) finds its write refused and stops.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..fingerprint import derive_key
from ..policy import with_time_budget
from ..store import audit
from ..store.db import transaction
from ..store.scans import FlaggedMessage, Scan, ScanJob, ScanWorker
from .scanner import Outcome, message_key, scan_raw
from .sources import JobPlan, SourceError, SourceMessage, Window, build_source
from .sources.mbox import slice_size
from .sources.slices import halve

log = logging.getLogger("safesend.incident")

BATCH_MESSAGES = 50
MAX_ATTEMPTS = 5
WORKER_STALE_SECONDS = 20
ACTIVE = ("queued", "running", "retrying")


def lease_seconds() -> float:
    """How long a silent worker keeps its job before another may take it over."""
    return float(os.environ.get("SAFESEND_SCAN_LEASE_SECONDS") or 120)


def backoff_seconds(attempt: int) -> float:
    """Exponential back-off between tries of a failing mailbox (1 s base in tests)."""
    base = float(os.environ.get("SAFESEND_SCAN_RETRY_BASE_SECONDS") or 30)
    return min(base * 2 ** max(attempt - 1, 0), 3600)


def now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


# ---------------------------------------------------------------------- planning


@dataclass(frozen=True)
class ScanRequest:
    source: str
    location: str = ""
    mailboxes: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    created_by: str = ""


def create_scan(services, tenant_id: str, request: ScanRequest, **seams: Any) -> Scan:
    """Record a scan and its jobs. Raises SourceError when the source cannot be planned."""
    window = Window(request.since, request.until)
    with transaction(services.sessions) as session:
        policy = services.policy_for(session, tenant_id)
    source = open_source(services, tenant_id, request.source, request.location, policy, **seams)
    try:
        plans = source.plan(request.mailboxes, window)
    finally:
        source.close()
    if not plans:
        raise SourceError("nothing to scan: give the mailboxes to read (--mailbox)", retryable=False)
    with transaction(services.sessions) as session:
        scan = Scan(id=uuid.uuid4().hex, tenant_id=tenant_id, created_by=request.created_by,
                    source=request.source, location=request.location,
                    since=request.since, until=request.until)
        session.add(scan)
        session.flush()
        for plan in plans:
            session.add(ScanJob(scan_id=scan.id, mailbox=plan.mailbox, slice_no=plan.slice_no,
                                bounds=plan.bounds, expected=plan.expected))
        # Reading staff mail is itself worth a line in the audit trail (no paths or addresses).
        audit.append(session, tenant_id, request.created_by or "cli", "scan.start", scan.id,
                     {"source": request.source, "jobs": len(plans),
                      "since": request.since.isoformat() if request.since else None,
                      "until": request.until.isoformat() if request.until else None})
    return scan


def open_source(services, tenant_id: str, kind: str, location: str, policy, **seams: Any):
    base_dir = services.settings.policy_file.parent if services.settings.policy_file else None
    return build_source(kind, location=location, config=source_config(policy, kind), base_dir=base_dir,
                        **{**_SEAMS.get(kind, {}), **seams})


# scan source -> the directory backend type whose sign-in it shares
_SIGN_IN_FROM = {"graph": "graph", "ews": "ews", "gmail": "google"}


def source_config(policy, kind: str) -> dict[str, Any]:
    """The API sources sign in with the policy's directory backend of the same
    service (tenant, client, the names of the environment variables holding
    secrets): one app registration or service account, one place to name secrets."""
    wanted = _SIGN_IN_FROM.get(kind)
    if wanted is None:
        return {}
    for entry in (policy.directory or {}).get("backends") or []:
        if isinstance(entry, dict) and entry.get("type") == wanted:
            return entry
    return {}


# Test seams for sources run inside workers (set by tests before jobs run in-process).
_SEAMS: dict[str, dict[str, Any]] = {}


def set_source_seams(kind: str, **seams: Any) -> None:
    _SEAMS[kind] = seams


def clear_source_seams() -> None:
    _SEAMS.clear()


# ---------------------------------------------------------------------- running one job


def scan_policy(policy):
    """The policy as a scan applies it: the same rules and limits, but a longer time
    budget per message (nobody is waiting to send, and a busy machine must not turn
    a spreadsheet of students into an unscannable attachment)."""
    budget = float(os.environ.get("SAFESEND_SCAN_TIME_BUDGET_SECONDS") or 60)
    if policy.limits.time_budget_seconds >= budget:
        return policy
    return with_time_budget(policy, budget)


class LeaseLost(Exception):
    """Another worker took the job over; this one stops without writing."""


@dataclass
class JobResult:
    status: str                 # done | failed | retry | busy | lost
    retry_in: float = 0.0


def run_job(services, job_id: int, worker: str, *,
            on_new_jobs: Callable[[list[int]], None] | None = None, **seams: Any) -> JobResult:
    """Run one job from its checkpoint. A mailbox read through an API that holds
    more than a slice's worth of mail first gives the newer halves of its dates
    to new jobs (see sources/slices.py), handed to `on_new_jobs` to enqueue."""
    claimed = _claim(services, job_id, worker)
    if claimed is None:
        return JobResult("busy")
    job, scan = claimed
    window = Window(_aware(scan.since), _aware(scan.until))
    plan = JobPlan(job.mailbox, job.slice_no, job.bounds or {}, job.expected)
    secret = derive_key(services.settings.secret_key, "incident-message")
    with transaction(services.sessions) as session:
        policy = scan_policy(services.policy_for(session, scan.tenant_id))
        context = services.context_for(session, scan.tenant_id, policy)
    batch: list[tuple[SourceMessage, Outcome]] = []
    checkpoint = job.checkpoint
    last_commit = time.monotonic()
    commit_every = max(lease_seconds() / 4, 0.5)
    try:
        source = open_source(services, scan.tenant_id, scan.source, scan.location, policy, **seams)
        try:
            if checkpoint is None and hasattr(source, "count"):      # not started: its dates may still be cut
                plan = _slice(services, job, worker, source, plan, window, on_new_jobs)
            for item in source.messages(plan, checkpoint, window):
                outcome = Outcome() if item.skipped else scan_raw(item.raw, policy, context, item.sent_at)
                batch.append((item, outcome))
                if len(batch) >= BATCH_MESSAGES or time.monotonic() - last_commit > commit_every:
                    _commit(services, job, scan, worker, batch, secret)
                    batch, last_commit = [], time.monotonic()
        finally:
            source.close()
        _commit(services, job, scan, worker, batch, secret, finished=True)
        _finish_scan_if_done(services, scan.id)
        return JobResult("done")
    except LeaseLost:
        log.warning("scan job %s was taken over by another worker", job_id)
        return JobResult("lost")
    except SourceError as exc:
        _commit(services, job, scan, worker, batch, secret)      # keep what was read before the failure
        return _failed(services, job, scan, worker, str(exc), exc.retryable)
    except Exception as exc:  # an unexpected failure fails the mailbox, visibly, never silently
        log.exception("scan job %s failed", job_id)
        return _failed(services, job, scan, worker, f"unexpected failure ({type(exc).__name__})", True)


def _slice(services, job: ScanJob, worker: str, source, plan: JobPlan, window: Window,
           on_new_jobs: Callable[[list[int]], None] | None) -> JobPlan:
    """Cut this job's dates to a slice's worth, recording the new jobs and this
    job's narrower dates in one transaction (a worker killed before it commits
    leaves the job as it was; one killed after leaves the new jobs queued, and
    the watcher enqueues them)."""
    own, given = halve(source, plan, window, slice_size())
    with transaction(services.sessions) as session:
        written = session.execute(update(ScanJob).where(ScanJob.id == job.id, ScanJob.owner == worker).values(
            slice_no=own.slice_no, bounds=own.bounds, expected=own.expected, updated_at=now()))
        if written.rowcount != 1:
            raise LeaseLost()
        rows = [ScanJob(scan_id=job.scan_id, mailbox=p.mailbox, slice_no=p.slice_no, bounds=p.bounds,
                        expected=p.expected) for p in given]
        session.add_all(rows)
        session.flush()
        new_ids = [row.id for row in rows]
    if new_ids:
        log.info("scan job %s: %d message(s) in its dates; %d newer slice(s) given to new jobs %s",
                 job.id, own.expected or 0, len(new_ids), new_ids)
        if on_new_jobs is not None:
            on_new_jobs(new_ids)
    return own


def _claim(services, job_id: int, worker: str) -> tuple[ScanJob, Scan] | None:
    moment = now()
    with transaction(services.sessions) as session:
        job = session.get(ScanJob, job_id)
        if job is None or job.status in ("done", "failed"):
            return None
        lease = _aware(job.lease_until)
        if job.status == "running" and job.owner != worker and lease is not None and lease > moment:
            return None                      # a live worker has it
        claimed = session.execute(
            update(ScanJob).where(ScanJob.id == job_id, ScanJob.owner == job.owner,
                                  ScanJob.status == job.status)
            .values(owner=worker, status="running", attempts=ScanJob.attempts + 1,
                    lease_until=moment + timedelta(seconds=lease_seconds()), updated_at=moment,
                    retry_at=None))
        if claimed.rowcount != 1:
            return None                      # another worker claimed it first
        session.expire(job)
        session.refresh(job)
        scan = session.get(Scan, job.scan_id)
        session.expunge(job)
        session.expunge(scan)
        return job, scan


def _commit(services, job: ScanJob, scan: Scan, worker: str, batch, secret: bytes,
            finished: bool = False) -> None:
    if not batch and not finished:
        return
    moment = now()
    scanned = sum(1 for item, _ in batch if not item.skipped)
    unreadable = sum(1 for _, outcome in batch if outcome.unreadable)
    flagged = [(item, outcome.flag) for item, outcome in batch if outcome.flag is not None]
    values: dict[str, Any] = {
        "scanned": ScanJob.scanned + scanned, "unreadable": ScanJob.unreadable + unreadable,
        "lease_until": moment + timedelta(seconds=lease_seconds()), "updated_at": moment,
    }
    if batch:
        values["checkpoint"] = batch[-1][0].position
        dates = [item.sent_at for item, _ in batch if item.sent_at is not None]
        if dates:
            values["last_message_at"] = max(dates)
    if finished:
        values.update(status="done", owner="", lease_until=None, error="")
    with transaction(services.sessions) as session:
        keys = {message_key(secret, f"{job.mailbox}\0{item.key}"): (item, flag) for item, flag in flagged}
        known = set(session.scalars(select(FlaggedMessage.message_key).where(
            FlaggedMessage.scan_id == scan.id, FlaggedMessage.message_key.in_(list(keys))))) \
            if keys else set()
        new = {k: v for k, v in keys.items() if k not in known}
        values["flagged"] = ScanJob.flagged + len(new)
        written = session.execute(update(ScanJob).where(ScanJob.id == job.id, ScanJob.owner == worker)
                                  .values(**values))
        if written.rowcount != 1:
            raise LeaseLost()
        for key, (item, flag) in new.items():
            session.add(FlaggedMessage(
                ref=new_ref(), scan_id=scan.id, job_id=job.id, tenant_id=scan.tenant_id, message_key=key,
                message_id=flag.message_id, sent_at=flag.sent_at or item.sent_at, sender=flag.sender,
                action=flag.action, rules=list(flag.rules), recipients_total=flag.recipients_total,
                recipients_visible=flag.recipients_visible, recipients_outside=flag.recipients_outside,
                students=flag.students, students_sensitive=flag.students_sensitive,
                roster_refs=list(flag.roster_refs), sensitive_refs=list(flag.sensitive_refs)))


def new_ref() -> str:
    """The id a person types to open a flagged message (`safesend incident report ID`)."""
    return "scan-" + uuid.uuid4().hex[:16]


def _failed(services, job: ScanJob, scan: Scan, worker: str, reason: str, retryable: bool) -> JobResult:
    with transaction(services.sessions) as session:
        current = session.get(ScanJob, job.id)
        if current is None or current.owner != worker:
            return JobResult("lost")
        if retryable and current.attempts < MAX_ATTEMPTS:
            wait = backoff_seconds(current.attempts)
            current.status, current.retry_at = "retrying", now() + timedelta(seconds=wait)
            current.error = f"{reason} (try {current.attempts} of {MAX_ATTEMPTS}; next in {wait:g} s)"
            current.owner, current.lease_until, current.updated_at = "", None, now()
            log.warning("scan job %s: %s", job.id, current.error)
            return JobResult("retry", wait)
        current.status, current.error = "failed", (
            reason if not retryable else f"{reason} (gave up after {current.attempts} tries)")
        current.owner, current.lease_until, current.updated_at = "", None, now()
        log.error("scan job %s failed: %s", job.id, current.error)
    _finish_scan_if_done(services, scan.id)
    return JobResult("failed")


def _finish_scan_if_done(services, scan_id: str) -> None:
    with transaction(services.sessions) as session:
        active = session.scalar(select(func.count()).select_from(ScanJob).where(
            ScanJob.scan_id == scan_id, ScanJob.status.in_(ACTIVE)))
        scan = session.get(Scan, scan_id)
        if scan is not None and not active and scan.finished_at is None:
            scan.finished_at = now()


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; they were stored as UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


# ---------------------------------------------------------------------- watching


def jobs_to_enqueue(session: Session, scan_id: str | None = None,
                    exclude: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """Jobs no live worker is on: queued but not picked up for a lease period
    (the worker that popped them died), running past their lease (killed),
    or retrying and due; `exclude` holds the jobs still waiting in the queue.
    Marks them so the next look does not return them again at once. A job
    enqueued twice is harmless: the second run finds it done or leased."""
    moment = now()
    stale = moment - timedelta(seconds=lease_seconds())
    query = select(ScanJob).where(or_(
        (ScanJob.status == "queued") & (ScanJob.updated_at < stale),
        (ScanJob.status == "running") & (ScanJob.lease_until < moment),
        (ScanJob.status == "retrying") & (ScanJob.retry_at <= moment) & (ScanJob.updated_at < stale),
    ))
    if scan_id is not None:
        query = query.where(ScanJob.scan_id == scan_id)
    found = [job for job in session.scalars(query) if job.id not in exclude]
    for job in found:
        job.updated_at = moment
    return [job.id for job in found]


def live_workers(session: Session) -> int:
    since = now() - timedelta(seconds=WORKER_STALE_SECONDS)
    return session.scalar(select(func.count()).select_from(ScanWorker)
                          .where(ScanWorker.seen_at >= since)) or 0


def heartbeat(services, worker: str) -> None:
    with transaction(services.sessions) as session:
        row = session.get(ScanWorker, worker)
        if row is None:
            session.add(ScanWorker(id=worker))
        else:
            row.seen_at = now()
        session.execute(ScanWorker.__table__.delete().where(
            ScanWorker.seen_at < now() - timedelta(days=1)))


def forget_worker(services, worker: str) -> None:
    with transaction(services.sessions) as session:
        session.execute(ScanWorker.__table__.delete().where(ScanWorker.id == worker))


def unfinished_job_ids(session: Session, scan_id: str) -> list[int]:
    """Jobs still to run, new slices included."""
    return list(session.scalars(select(ScanJob.id).where(ScanJob.scan_id == scan_id,
                                                         ScanJob.status.in_(ACTIVE)).order_by(ScanJob.id)))


def job_ids(session: Session, scan_id: str) -> list[int]:
    return list(session.scalars(select(ScanJob.id).where(ScanJob.scan_id == scan_id).order_by(ScanJob.id)))
