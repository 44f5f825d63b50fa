"""mbox files: Google Takeout ("Sent.mbox", or "All mail Including Spam and
Trash.mbox" with a --mailbox filter on From), Thunderbird's "Sent" file, or a
folder of them. Each file is a mailbox; a large one is cut into slices of
`slice_size` messages, one queue job each. The checkpoint is the index of
the next message in the file."""

from __future__ import annotations

import email.utils
import mailbox
from collections.abc import Iterator
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

from . import JobPlan, SourceError, SourceMessage, Window

SLICE_SIZE = 2000


def slice_size() -> int:
    """Messages per job: a large mailbox becomes several jobs that workers share."""
    import os

    return int(os.environ.get("SAFESEND_SCAN_SLICE_MESSAGES") or SLICE_SIZE)


class MboxSource:
    kind = "mbox"

    def __init__(self, root: Path, slice_size: int = SLICE_SIZE):
        self.root = root
        self.slice_size = max(1, slice_size)

    def files(self) -> list[Path]:
        if self.root.is_file():
            return [self.root]
        if not self.root.is_dir():
            raise SourceError(f"{self.root} is neither an mbox file nor a folder", retryable=False)
        found = sorted(p for p in self.root.rglob("*") if p.is_file() and _looks_like_mbox(p))
        if not found:
            raise SourceError(f"no mbox files in {self.root}", retryable=False)
        return found

    def _name(self, path: Path) -> str:
        return path.name if self.root.is_file() else str(path.relative_to(self.root))

    def plan(self, mailboxes: tuple[str, ...], window: Window) -> list[JobPlan]:
        plans = []
        for path in self.files():
            count = len(_open(path))
            name = self._name(path)
            for slice_no, start in enumerate(range(0, max(count, 1), self.slice_size)):
                stop = min(start + self.slice_size, count)
                plans.append(JobPlan(name, slice_no, {"file": name, "start": start, "stop": stop,
                                                      "senders": list(mailboxes)}, stop - start))
        return plans

    def messages(self, plan: JobPlan, checkpoint: dict[str, Any] | None,
                 window: Window) -> Iterator[SourceMessage]:
        name = plan.bounds["file"]
        path = self.root if self.root.is_file() else self.root / name
        box = _open(path)
        senders = {s.lower() for s in plan.bounds.get("senders") or ()}
        start = int((checkpoint or {}).get("next", plan.bounds["start"]))
        headers = BytesHeaderParser(policy=compat32)
        keys = box.keys()
        for index in range(start, min(plan.bounds["stop"], len(keys))):
            try:
                raw = box.get_bytes(keys[index])
            except (OSError, KeyError) as exc:
                raise SourceError(f"could not read {name}: {exc}") from None
            head = headers.parsebytes(raw[:65536])
            sent_at = header_date(head.get("Date"))
            position = {"next": index + 1}
            if senders and _sender(head) not in senders:
                yield SourceMessage(f"{name}#{index}", b"", position, sent_at)   # not this mailbox's mail
                continue
            if not window.holds(sent_at):
                yield SourceMessage(f"{name}#{index}", b"", position, sent_at)
                continue
            yield SourceMessage(f"{name}#{index}", raw, position, sent_at)

    def close(self) -> None:
        pass


def _open(path: Path) -> mailbox.mbox:
    if not path.is_file():
        raise SourceError(f"{path} does not exist", retryable=False)
    try:
        return mailbox.mbox(str(path), create=False)
    except (OSError, mailbox.Error) as exc:
        raise SourceError(f"{path.name} is not a readable mbox file: {exc}", retryable=False) from None


def _looks_like_mbox(path: Path) -> bool:
    if path.suffix.lower() == ".mbox" or path.name.lower() in ("sent", "sent mail", "sent items"):
        try:
            with path.open("rb") as handle:
                return handle.read(5) == b"From "
        except OSError:
            return False
    return False


def _sender(head) -> str:
    return email.utils.parseaddr(str(head.get("From") or ""))[1].lower()


def header_date(value: Any) -> datetime | None:
    """The Date header as an aware UTC datetime, or None when it cannot be read."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def from_config(*, location: str, config: dict[str, Any], base_dir: Path | None = None,
                **_: Any) -> MboxSource:
    if not location:
        raise SourceError("the mbox source needs --path (an mbox file or a folder of them)",
                          retryable=False)
    return MboxSource(Path(location).expanduser().resolve(), slice_size=slice_size())
