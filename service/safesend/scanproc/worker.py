"""Entry point of a scan process: `python -m safesend.scanproc.worker`.

Runs the content scan of heavy messages (content.scan_message: extraction
and detection) for one web process, one message at a time, and sends the
report back (see pool.py). It has no database: each request carries the
policy's detection settings; the tenant's roster snapshot comes in a
request of its own when this process does not hold it yet (the web process
decides which to keep, see `drop`). Risky formats still go to this process's own extraction worker.

Its log lines go to the web process's stderr (they name no content, as in
the web process); stdin/stdout carry the frames only.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time

from ..procchild import exact_reader, exit_with_parent, lower_priority, no_core_dumps, protocol_streams, send
from ..procpool import read_frame

_MAX_REQUEST = 2 * 1024 * 1024 * 1024
TEST_HOOK = b"SAFESEND-SCAN-TEST-HOOK:"


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    reader, writer = protocol_streams()
    exit_with_parent(args.parent_pid)
    no_core_dumps()  # it holds the roster key
    _limit_memory(args.memory_mb)
    lower_priority()
    _logging()
    from ..extract import isolation

    # Messages come one at a time: one extraction worker is enough; it runs
    # at this process's priority (already below the web process's).
    isolation.configure_default_pool(size=args.extract_workers, test_hooks=args.test_hooks,
                                     niceness=os.getpriority(os.PRIO_PROCESS, 0))
    # Started now, beside this process's own start-up: the first file a new scan process
    # reads would otherwise wait for it (~0.7 s) inside its check's time budget.
    isolation.default_pool()
    _Scanner(args.test_hooks).serve(reader, writer)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="safesend.scanproc.worker")
    parser.add_argument("--parent-pid", type=int, default=0)
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--extract-workers", type=int, default=1)
    parser.add_argument("--test-hooks", action="store_true")
    return parser.parse_args(argv)


def _limit_memory(memory_mb: int) -> None:
    """A soft cap: a message that needs more fails with MemoryError (reported,
    then this process is replaced); the hard limit stays open so the extraction
    worker can set its own."""
    try:
        import resource
    except ImportError:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = memory_mb * 1024 * 1024
    if hard == resource.RLIM_INFINITY or cap < hard:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _logging() -> None:
    from .. import logsafe

    logsafe.install()  # a logged traceback never quotes a value
    logging.basicConfig(level=logging.INFO, format=logsafe.LOG_FORMAT)


class _Scanner:
    def __init__(self, test_hooks: bool):
        self.test_hooks = test_hooks
        self.rosters: dict[tuple[str, int], object] = {}
        self.policies: dict[str, object] = {}
        # Imported before "ready", so that no check pays for it.
        from ..content import scan_message
        from . import wire

        self.scan_message, self.wire = scan_message, wire

    def serve(self, reader, writer) -> None:
        send(writer, {"ready": True, "pid": os.getpid()}, [])
        read_exact = exact_reader(reader)
        while True:
            try:
                header, blobs = read_frame(read_exact, _MAX_REQUEST)
            except EOFError:
                return  # the web process closed the pool
            send(writer, self.handle(header, blobs), [])

    def handle(self, header: dict, blobs: list[bytes]) -> dict:
        from ..bugs import where

        try:
            if "load_roster" in header:
                return self._load_roster(header, blobs)
            roster = None
            if header.get("roster") is not None:
                tenant, snapshot = header["roster"]
                roster = self.rosters[(tenant, snapshot)]  # KeyError: the two sides disagree (a bug)
            message, body = self.wire.message_from_wire(header["message"], blobs)
            if self.test_hooks:
                _test_hook(message)
            report = self.scan_message(message, self._policy(header["policy"]), body, roster,
                                       seconds=float(header["seconds"]))
            return {"report": self.wire.report_to_wire(report), "pid": os.getpid()}
        except MemoryError:
            return {"error": "MemoryError", "memory": True}
        except Exception as exc:  # a bug of ours: type and module:line, never content
            logging.getLogger("safesend.scan").error("scan: internal error (%s)", where(exc))
            return {"error": where(exc)}

    def _load_roster(self, header: dict, blobs: list[bytes]) -> dict:
        """A tenant's snapshot (the stored blob) and the key to read it; forget the ones named in `drop`."""
        from ..check_context import load_roster

        for tenant, snapshot in header.get("drop", ()):
            self.rosters.pop((tenant, snapshot), None)
        tenant, snapshot = header["load_roster"]
        self.rosters[(tenant, snapshot)] = load_roster(blobs[0], bytes.fromhex(header["key"]), tenant)
        return {"loaded": True}

    def _policy(self, sections: dict):
        """Detection settings are compiled once per distinct section (content.detect_config)."""
        key = json.dumps(sections, sort_keys=True)
        policy = self.policies.get(key)
        if policy is None:
            from ..policy import parse_policy, with_time_budget

            limits = dict(sections.get("limits") or {})
            # An incident scan raises the budget past what a saved policy may hold
            # (incident.jobs.scan_policy): parsed without it, then given it as that did.
            budget = limits.pop("time_budget_seconds", None)
            policy = parse_policy({**sections, "limits": limits})
            if budget is not None:
                policy = with_time_budget(policy, budget)
            if len(self.policies) >= 16:
                self.policies.clear()
            self.policies[key] = policy
        return policy


def _test_hook(message) -> None:
    """Tests only (--test-hooks): an attachment starting with
    `SAFESEND-SCAN-TEST-HOOK: hold <folder>` writes this process's pid to
    <folder>/started, then waits until <folder>/release exists (a test may
    kill this process meanwhile, or let the deadline pass)."""
    for attachment in message.attachments:
        if not attachment.data.startswith(TEST_HOOK):
            continue
        action = attachment.data[len(TEST_HOOK):].split(b"\n", 1)[0].decode().strip()
        if action.startswith("hold "):
            folder = action[len("hold "):]
            with open(os.path.join(folder, "started"), "w") as handle:
                handle.write(str(os.getpid()))
            while not os.path.exists(os.path.join(folder, "release")):
                time.sleep(0.01)


if __name__ == "__main__":
    main()
