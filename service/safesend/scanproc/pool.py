"""The web process's side of the scan processes: a small pool, and the scan
of one heavy message through it.

Reading a 5 MB CSV and scanning its table is pure Python for up to ~1.5 s;
in the web process it held the interpreter lock that every quick check
sharing the process needs. A scan process does that work instead, at a
lower CPU priority, while the web thread waits in poll() with the lock free.

- Size: settings.heavy_checks per web process, started on first use; the
  processes die with the web process and are replaced when they die.
- A request carries the message's scanned parts, the policy's `limits` and
  `detection` sections and the time budget. Before it, the roster snapshot
  (blob and key) goes in a request of its own when that process does not
  hold it yet, so loading it does not eat the budget: each process keeps
  the last ROSTERS_PER_PROCESS, and this side decides which (it tells the
  process what to drop), so both agree.
- The reply is the ContentReport as JSON (wire.py).
- The web process waits until the deadline plus GRACE_SECONDS, then kills
  the process: the attachments become unscannable (time); a process that
  dies mid-scan: unscannable (crashed). The subject and body are then
  scanned here (they are small), so the verdict still says what they hold.
- Processes that cannot start at all (3 failures in a row): the scan runs
  in this process, with a log line.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import OrderedDict

from ..check_context import LoadedRoster
from ..content import ContentReport, files_not_scanned, scan_message
from ..extract import reasons as extract_reasons
from ..extract.isolation import GRACE_SECONDS as EXTRACT_GRACE
from ..message import Message
from ..policy import Policy
from ..procpool import (
    FRAME_ERRORS,
    PipeWorker,
    ProcessPool,
    ProtocolError,
    Timeout,
    encode_frame,
    minimal_env,
)
from . import wire

log = logging.getLogger("safesend.scan")

# The process's own extraction worker may take EXTRACT_GRACE past the deadline;
# then the detection stops at its next clock check and the report is sent.
GRACE_SECONDS = EXTRACT_GRACE + 1.0
ROSTERS_PER_PROCESS = 4
MAX_SCANS_PER_PROCESS = 500  # then recycle: bounds leaks
MAX_REPLY = 64 * 1024 * 1024
BODY_RESCAN_SECONDS = 1.0  # the subject and body, scanned here after a failed scan
# Reading a snapshot into an index: ~0.9 s of CPU for 50,000 students on a busy core.
ROSTER_LOAD_SECONDS = 60.0
_PASSED_ON = ("SAFESEND_EXTRACT_MEMORY_MB", "SAFESEND_EXTRACT_PYTHON")


class _ScanWorker(PipeWorker):
    def __init__(self, *args):
        super().__init__(*args)
        self.rosters: OrderedDict[tuple[str, int], None] = OrderedDict()  # what it holds, oldest first


class ScanPool(ProcessPool):
    worker_class = _ScanWorker
    log_to_stderr = True

    def __init__(self, size: int, roster_key: bytes, test_hooks: bool = False,
                 memory_mb: int = 4096):
        self._roster_key = roster_key
        argv = [os.environ.get("SAFESEND_EXTRACT_PYTHON", sys.executable), "-m",
                "safesend.scanproc.worker", "--parent-pid", str(os.getpid()),
                "--memory-mb", str(memory_mb)]
        if test_hooks:
            argv.append("--test-hooks")
        # No database URL or secret key: the roster key comes over the pipe with a roster.
        env = minimal_env({k: v for k, v in os.environ.items() if k in _PASSED_ON})
        super().__init__(argv, env, size, "scan")
        self.roster_loads = 0  # snapshots handed to a process (for tests and stats)

    def scan(self, message: Message, policy: Policy, body: str,
             roster: LoadedRoster | None) -> ContentReport:
        """The content report of `message`, scanned in a scan process under the
        policy's time budget; never raises for a failed scan. The budget starts
        once the process holds the roster (in the web process too, the roster is
        loaded before a check's budget starts)."""
        budget = policy.limits.time_budget_seconds
        worker = self._acquire(time.monotonic() + budget)
        if worker is None:
            if self._broken() or self._closed:
                log.warning("scan: no scan process is available; scanning in the web process")
                return scan_message(message, policy, body, roster.index if roster else None)
            return _failed(message, policy, body, roster, extract_reasons.TIME)
        healthy = False
        try:
            if roster is not None:
                self._hand_over(worker, roster)
            deadline = time.monotonic() + budget
            head, blobs = wire.message_to_wire(message, body)
            header = {"message": head, "policy": wire.policy_to_wire(policy), "seconds": budget,
                      "roster": None if roster is None else [roster.tenant_id, roster.snapshot]}
            worker.send(encode_frame(header, blobs), deadline + GRACE_SECONDS)
            reply, _ = worker.receive(deadline + GRACE_SECONDS, MAX_REPLY)
            if "error" in reply:
                reason = extract_reasons.MEMORY if reply.get("memory") else extract_reasons.INTERNAL
                return _failed(message, policy, body, roster, reason, str(reply["error"])[:200])
            report = wire.report_from_wire(reply["report"])
            worker.jobs += 1
            healthy = worker.jobs < MAX_SCANS_PER_PROCESS
            return report
        except Timeout:
            self.kills += 1
            log.warning("scan: a check with %d attachments overran the time limit; scan process killed",
                        len(message.attachments))
            return _failed(message, policy, body, roster, extract_reasons.TIME)
        except (ProtocolError, *FRAME_ERRORS):
            self.kills += 1
            log.warning("scan: the scan process stopped (exit %s)", worker.proc.poll())
            return _failed(message, policy, body, roster, extract_reasons.CRASHED)
        finally:
            self._release(worker, healthy)

    def _hand_over(self, worker: _ScanWorker, roster: LoadedRoster) -> None:
        """Make sure `worker` holds the roster snapshot: sent (blob and key) the
        first time, with the snapshots it should forget so both sides agree."""
        key = (roster.tenant_id, roster.snapshot)
        if key in worker.rosters:
            worker.rosters.move_to_end(key)
            return
        worker.rosters[key] = None
        drop = []
        while len(worker.rosters) > ROSTERS_PER_PROCESS:
            drop.append(list(worker.rosters.popitem(last=False)[0]))
        self.roster_loads += 1
        header = {"load_roster": list(key), "key": self._roster_key.hex(), "drop": drop}
        deadline = time.monotonic() + ROSTER_LOAD_SECONDS
        worker.send(encode_frame(header, [roster.blob]), deadline)
        reply, _ = worker.receive(deadline, 1024)
        if reply.get("loaded") is not True:
            raise ProtocolError("the roster was not loaded")


def _failed(message: Message, policy: Policy, body: str, roster: LoadedRoster | None,
            reason: str, internal_error: str | None = None) -> ContentReport:
    """Every attachment unscannable for `reason`; the subject and body scanned here."""
    def here(kept: Message, checked: Policy, text: str) -> ContentReport:
        return scan_message(kept, checked, text, roster.index if roster else None,
                            seconds=BODY_RESCAN_SECONDS)

    report = files_not_scanned(here, reason)(message, policy, body)
    if internal_error:
        report.internal_errors = [internal_error, *report.internal_errors]
    return report
