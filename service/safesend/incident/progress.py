"""What a scan has done so far: per job, in total, and its flagged messages
worst first. Shared by the command, the API and the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from ..store.scans import FlaggedMessage, Scan, ScanJob

ACTION_ORDER = ("block", "confirm", "warn", "allow")


@dataclass
class ScanProgress:
    scan: Scan
    jobs: list[ScanJob]

    @property
    def scanned(self) -> int:
        return sum(j.scanned for j in self.jobs)

    @property
    def expected(self) -> int | None:
        known = [j.expected for j in self.jobs]
        return None if any(e is None for e in known) else sum(e or 0 for e in known)

    @property
    def flagged(self) -> int:
        return sum(j.flagged for j in self.jobs)

    @property
    def unreadable(self) -> int:
        return sum(j.unreadable for j in self.jobs)

    @property
    def failed(self) -> int:
        return sum(1 for j in self.jobs if j.status == "failed")

    @property
    def done(self) -> int:
        return sum(1 for j in self.jobs if j.status in ("done", "failed"))

    @property
    def finished(self) -> bool:
        return self.done == len(self.jobs)

    @property
    def status(self) -> str:
        if not self.finished:
            return "running" if any(j.status != "queued" for j in self.jobs) else "queued"
        return "finished with failures" if self.failed else "finished"

    def mailboxes(self) -> list[dict]:
        """Per mailbox (its slices added up)."""
        rows: dict[str, dict] = {}
        for job in self.jobs:
            row = rows.setdefault(job.mailbox, {"mailbox": job.mailbox, "jobs": 0, "done": 0,
                                                "scanned": 0, "expected": 0, "flagged": 0,
                                                "unreadable": 0, "status": "done", "errors": []})
            row["jobs"] += 1
            row["done"] += job.status in ("done", "failed")
            row["scanned"] += job.scanned
            row["flagged"] += job.flagged
            row["unreadable"] += job.unreadable
            row["expected"] = None if row["expected"] is None or job.expected is None \
                else row["expected"] + job.expected
            row["status"] = _worse(row["status"], job.status)
            if job.error:
                row["errors"].append(job.error)
        return list(rows.values())

    def to_json(self, with_locations: bool = True) -> dict:
        scan = self.scan
        return {
            "id": scan.id, "source": scan.source, "status": self.status,
            "created_at": _iso(scan.created_at), "finished_at": _iso(scan.finished_at),
            "created_by": scan.created_by if with_locations else "",
            "since": _iso(scan.since), "until": _iso(scan.until),
            "scanned": self.scanned, "expected": self.expected, "flagged": self.flagged,
            "failed": self.failed, "unreadable": self.unreadable,
            "jobs": len(self.jobs), "jobs_done": self.done,
            "mailboxes": self.mailboxes() if with_locations else
            [{k: v for k, v in m.items() if k not in ("mailbox", "errors")} for m in self.mailboxes()],
        }


_STATUS_ORDER = ("done", "queued", "retrying", "running", "failed")


def _worse(a: str, b: str) -> str:
    return a if _STATUS_ORDER.index(a) >= _STATUS_ORDER.index(b) else b


def load_progress(session: Session, tenant_id: str, scan_id: str) -> ScanProgress | None:
    scan = session.get(Scan, scan_id)
    if scan is None or scan.tenant_id != tenant_id:
        return None
    jobs = list(session.scalars(select(ScanJob).where(ScanJob.scan_id == scan_id)
                                .order_by(ScanJob.mailbox, ScanJob.slice_no)))
    return ScanProgress(scan, jobs)


def list_scans(session: Session, tenant_id: str, limit: int = 50) -> list[ScanProgress]:
    scans = session.scalars(select(Scan).where(Scan.tenant_id == tenant_id)
                            .order_by(Scan.created_at.desc()).limit(limit))
    return [load_progress(session, tenant_id, s.id) for s in scans]  # type: ignore[misc]


def worst_first(session: Session, tenant_id: str, scan_id: str, limit: int | None = None,
                offset: int = 0) -> list[FlaggedMessage]:
    severity = case({a: n for n, a in enumerate(ACTION_ORDER)}, value=FlaggedMessage.action, else_=9)
    query = (select(FlaggedMessage)
             .where(FlaggedMessage.tenant_id == tenant_id, FlaggedMessage.scan_id == scan_id)
             .order_by(severity, FlaggedMessage.students_sensitive.desc(), FlaggedMessage.students.desc(),
                       FlaggedMessage.recipients_outside.desc(), FlaggedMessage.sent_at, FlaggedMessage.id)
             .offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def flagged_json(row: FlaggedMessage) -> dict:
    """A flagged message as the command's --json and the API give it (no roster references:
    those are for the report in part 2, opened with the `incident` id)."""
    return {
        "incident": row.ref, "message_id": row.message_id, "date": _iso(row.sent_at),
        "sender": row.sender, "action": row.action, "rules": list(row.rules),
        "recipients": {"total": row.recipients_total, "visible": row.recipients_visible,
                       "outside": row.recipients_outside},
        "students": row.students, "students_sensitive": row.students_sensitive,
    }


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    from .jobs import _aware

    return _aware(moment).isoformat()  # type: ignore[union-attr]
