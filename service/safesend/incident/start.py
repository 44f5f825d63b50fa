"""Start a scan from the API or the console: check the request, keep export
paths inside the exports folder, plan the jobs and hand them to the queue."""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from .api_models import ScanStartRequest
from .jobs import ScanRequest, create_scan
from .sources import SourceError


class ScanRefused(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def exports_dir(settings) -> Path:
    """Where the web service may read exports from: never the whole disk."""
    configured = os.environ.get("SAFESEND_SCAN_EXPORTS_DIR")
    return Path(configured).resolve() if configured else (settings.instance_path / "exports").resolve()


def start_scan(services, tenant_id: str, body: ScanStartRequest, actor: str):
    """Plan and enqueue a scan; returns the Scan. Raises ScanRefused for a bad request."""
    from . import queue

    location = ""
    if body.source in ("mbox", "folder"):
        if not body.path:
            raise ScanRefused(f"the {body.source} source needs a path inside the exports folder", "path")
        root = exports_dir(services.settings)
        wanted = (root / body.path).resolve()
        if wanted != root and root not in wanted.parents:
            raise ScanRefused(f"the path must be inside the exports folder ({root})", "path")
        if not wanted.exists():
            raise ScanRefused(f"{body.path} is not in the exports folder", "path")
        location = str(wanted)
    else:
        mailboxes = [m.strip().lower() for m in body.mailboxes if m.strip()]
        if not mailboxes or any("@" not in m for m in mailboxes):
            raise ScanRefused(f"the {body.source} source needs mailbox addresses", "mailboxes")
    if body.since and body.until and body.until < body.since:
        raise ScanRefused("until is before since", "until")
    request = ScanRequest(
        source=body.source, location=location,
        mailboxes=tuple(m.strip().lower() for m in body.mailboxes if m.strip()),
        since=datetime.combine(body.since, time.min, tzinfo=UTC) if body.since else None,
        until=datetime.combine(body.until, time.min, tzinfo=UTC) + timedelta(days=1) if body.until else None,
        created_by=actor)
    try:
        scan = create_scan(services, tenant_id, request)
    except SourceError as exc:
        raise ScanRefused(str(exc)) from None
    from ..store.db import transaction
    from .jobs import job_ids

    with transaction(services.sessions) as session:
        queue.enqueue(job_ids(session, scan.id), services.settings)
    return scan
