"""A folder of .eml and .msg files (an Outlook or Thunderbird export, or
files saved one by one). Each subfolder is a mailbox (files at the top are
one mailbox, "."); a large one is cut into slices. The checkpoint is the
index of the next file in name order."""

from __future__ import annotations

from collections.abc import Iterator
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

from . import JobPlan, SourceError, SourceMessage, Window
from .mbox import SLICE_SIZE, header_date, slice_size

SUFFIXES = (".eml", ".msg")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class FolderSource:
    kind = "folder"

    def __init__(self, root: Path, slice_size: int = SLICE_SIZE):
        self.root = root
        self.slice_size = max(1, slice_size)

    def _mailboxes(self) -> dict[str, list[Path]]:
        if not self.root.is_dir():
            raise SourceError(f"{self.root} is not a folder", retryable=False)
        boxes: dict[str, list[Path]] = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and path.suffix.lower() in SUFFIXES:
                parent = path.parent.relative_to(self.root)
                boxes.setdefault(str(parent), []).append(path)
        if not boxes:
            raise SourceError(f"no .eml or .msg files in {self.root}", retryable=False)
        return boxes

    def plan(self, mailboxes: tuple[str, ...], window: Window) -> list[JobPlan]:
        plans = []
        for name, files in self._mailboxes().items():
            if mailboxes and name not in mailboxes:
                continue
            for slice_no, start in enumerate(range(0, len(files), self.slice_size)):
                stop = min(start + self.slice_size, len(files))
                plans.append(JobPlan(name, slice_no, {"start": start, "stop": stop}, stop - start))
        return plans

    def messages(self, plan: JobPlan, checkpoint: dict[str, Any] | None,
                 window: Window) -> Iterator[SourceMessage]:
        files = self._mailboxes().get(plan.mailbox, [])
        start = int((checkpoint or {}).get("next", plan.bounds["start"]))
        headers = BytesHeaderParser(policy=compat32)
        for index in range(start, min(plan.bounds["stop"], len(files))):
            path = files[index]
            key = str(path.relative_to(self.root))
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise SourceError(f"could not read a file in {plan.mailbox}: {exc.strerror}") from None
            sent_at = None if raw.startswith(OLE_MAGIC) else header_date(
                headers.parsebytes(raw[:65536]).get("Date"))
            position = {"next": index + 1}
            yield SourceMessage(key, raw if window.holds(sent_at) else b"", position, sent_at)

    def close(self) -> None:
        pass


def from_config(*, location: str, config: dict[str, Any], base_dir: Path | None = None,
                **_: Any) -> FolderSource:
    if not location:
        raise SourceError("the folder source needs --path (a folder of .eml/.msg files)", retryable=False)
    return FolderSource(Path(location).expanduser().resolve(), slice_size=slice_size())
