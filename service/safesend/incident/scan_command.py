"""`safesend incident scan`: scan sent mail for past exposures.

With no worker running the jobs run here, one after another; with workers
(`safesend worker`) they are enqueued and this command waits, showing their
progress, and enqueues again any job whose worker died.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

import click

from ..store.db import transaction
from ..store.tenants import DEFAULT_TENANT
from .commands import incident
from .sources import SOURCE_KINDS, SourceError

EXIT_OK, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2


def parse_day(value: str | None, end: bool = False) -> datetime | None:
    """An ISO date (or date-time) as UTC; an --until date includes that whole day."""
    if not value:
        return None
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), dtime.min, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date like 2026-01-31") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@incident.command("scan")
@click.option("--source", required=True, type=click.Choice(SOURCE_KINDS))
@click.option("--path", "location", type=click.Path(exists=True),
              help="mbox: an mbox file or a folder of them; folder: a folder of .eml/.msg files.")
@click.option("--mailbox", "mailboxes", multiple=True, metavar="ADDRESS",
              help="A mailbox whose sent items to read (graph, ews, gmail); repeat as needed.")
@click.option("--since", help="ISO date: messages sent on or after it.")
@click.option("--until", help="ISO date: messages sent on or before it (inclusive).")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON line per flagged message, worst first, then a summary line.")
@click.option("--tenant", default=DEFAULT_TENANT, show_default=True)
def scan(source, location, mailboxes, since, until, as_json, tenant) -> None:
    """Scan sent mail for past exposures. Exit 0 nothing flagged, 1 flagged, 2 failures."""
    from ..cli_support import services as _services
    from . import jobs, queue
    from .progress import flagged_json, load_progress, worst_first

    if source in ("mbox", "folder") and not location:
        raise click.UsageError(f"--source {source} needs --path")
    if source in ("graph", "ews", "gmail") and not mailboxes:
        raise click.UsageError(f"--source {source} needs at least one --mailbox")
    request = jobs.ScanRequest(source=source, location=str(location or ""),
                               mailboxes=tuple(m.strip().lower() for m in mailboxes),
                               since=parse_day(since), until=parse_day(until, end=True),
                               created_by="cli")
    services = _services()
    queue.use_services(services)
    try:
        created = jobs.create_scan(services, tenant, request)
    except SourceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    with transaction(services.sessions) as session:
        ids = jobs.job_ids(session, created.id)
        workers = jobs.live_workers(session)
    how = f"{workers} worker(s) running, enqueued" if workers else "no worker running, scanning here"
    click.echo(f"scan {created.id}: {len(ids)} job(s); {how}", err=True)
    bar = _ProgressLine(services, tenant, created.id)
    bar.start()
    try:
        if workers:
            queue.enqueue(ids)
            _wait_for_workers(services, tenant, created.id)
        else:
            _run_here(services, created.id)
    finally:
        bar.stop()
    with transaction(services.sessions) as session:
        progress = load_progress(session, tenant, created.id)
        rows = [flagged_json(r) for r in worst_first(session, tenant, created.id)]
    assert progress is not None
    for mailbox in progress.mailboxes():
        for error in mailbox["errors"]:
            click.echo(f"{mailbox['mailbox']}: FAILED: {error}", err=True)
    if as_json:
        for row in rows:
            click.echo(json.dumps({k: row[k] for k in ("message_id", "date", "sender", "action", "rules",
                                                        "students", "students_sensitive", "incident")}))
        click.echo(json.dumps({"scanned": progress.scanned, "flagged": progress.flagged,
                               "failed": progress.failed}))
    else:
        for row in rows:
            click.echo(f"{row['incident']}  {(row['date'] or '')[:10]}  {row['action'].upper():8} "
                       f"{row['sender']}  {row['students']} students ({row['students_sensitive']} with "
                       f"plans)  to {row['recipients']['total']} ({row['recipients']['outside']} outside)  "
                       f"{', '.join(row['rules'])}")
    click.echo(f"scanned {progress.scanned:,} messages in {len(progress.mailboxes())} mailbox(es): "
               f"{progress.flagged:,} flagged, {progress.failed} job(s) failed"
               + (f", {progress.unreadable:,} unreadable" if progress.unreadable else ""), err=True)
    sys.exit(EXIT_ERROR if progress.failed else (EXIT_FLAGGED if progress.flagged else EXIT_OK))


def _run_here(services, scan_id: str) -> None:
    """The scan's unfinished jobs, in this process, each once (a job another
    worker still holds is left to it); the slices a job gives away are run
    after it. Retries wait out their back-off here."""
    from . import jobs, queue

    worker = queue.current_worker()
    tried: set[int] = set()
    while True:
        with transaction(services.sessions) as session:
            ids = [i for i in jobs.unfinished_job_ids(session, scan_id) if i not in tried]
        if not ids:
            return
        for job_id in ids:
            tried.add(job_id)
            while True:
                result = jobs.run_job(services, job_id, worker)
                if result.status != "retry":
                    break
                time.sleep(result.retry_in)


def _wait_for_workers(services, tenant: str, scan_id: str, poll: float = 0.5) -> None:
    """Wait for the workers, enqueueing again the jobs of any that died; when no
    worker is left at all, finish the remaining jobs here."""
    from . import jobs, queue
    from .progress import load_progress

    while True:
        with transaction(services.sessions) as session:
            progress = load_progress(session, tenant, scan_id)
            workers = jobs.live_workers(session)
        if progress is None or progress.finished:
            return
        if not workers:
            click.echo("\nno worker is running any more; scanning the rest here", err=True)
            _run_here(services, scan_id)
        else:
            queue.enqueue_stalled(scan_id=scan_id)
        time.sleep(poll)


class _ProgressLine(threading.Thread):
    """Messages, mailboxes and ETA on stderr, redrawn in place on a terminal."""

    def __init__(self, services, tenant: str, scan_id: str, every: float = 0.5):
        super().__init__(name="safesend-scan-progress", daemon=True)
        self.services, self.tenant, self.scan_id, self.every = services, tenant, scan_id, every
        self.stopped = threading.Event()
        self.started_at = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last = ""

    def run(self) -> None:
        while not self.stopped.wait(self.every if self.tty else max(self.every, 5.0)):
            self.draw()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)
        self.draw(final=True)

    def draw(self, final: bool = False) -> None:
        from .progress import load_progress

        try:
            with transaction(self.services.sessions) as session:
                progress = load_progress(session, self.tenant, self.scan_id)
        except Exception:  # progress is best effort; the scan goes on
            return
        if progress is None:
            return
        line = render_progress(progress, time.monotonic() - self.started_at)
        if line == self.last and not final:
            return
        self.last = line
        end = "\n" if final or not self.tty else ""
        sys.stderr.write(("\r" if self.tty else "") + line + end)
        sys.stderr.flush()


def render_progress(progress, elapsed: float, width: int = 24) -> str:
    scanned, expected = progress.scanned, progress.expected
    if expected:
        share = min(scanned / expected, 1.0)
        bar = "#" * int(share * width) + "-" * (width - int(share * width))
        rate = scanned / elapsed if elapsed > 0 else 0
        eta = f"ETA {_duration((expected - scanned) / rate)}" if rate > 0 and scanned < expected else ""
        messages = f"[{bar}] {scanned:,}/{expected:,} messages"
    else:
        messages, eta = f"{scanned:,} messages", ""
    boxes = progress.mailboxes()
    mailboxes = f"{sum(1 for m in boxes if m['done'] == m['jobs'])}/{len(boxes)} mailboxes"
    if len(progress.jobs) > len(boxes):             # some were cut into slices
        mailboxes += f" ({progress.done}/{len(progress.jobs)} slices)"
    return "  ".join(p for p in (messages, mailboxes, f"{progress.flagged} flagged", eta) if p)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"
