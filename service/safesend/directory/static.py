"""List sizes from a file, for districts without a directory API and for demos.

YAML::

    lists:
      - address: all-parents@district.org
        members: 2000
        external: 1850
      - address: grade5-team@district.org
        members: [ann@district.org, bo@district.org, pta.chair@gmail.com]

or a mapping ``{address: {members: 2000, external: 1850}}`` or
``{address: 2000}``. CSV: a header row with ``address,members,external``.

`members` is a count or a list of addresses (then `external` may be left out
and is counted from the internal domains). The file is read again when it
changes; a broken edit keeps the last good lists and is logged.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .base import ConfigReader, DirectoryConfigError, GroupInfo, is_external, normalize_address

log = logging.getLogger("safesend.directory")

__all__ = ["StaticBackend", "StaticList", "StaticFileError", "from_config"]


class StaticFileError(ValueError):
    """The list file cannot be read; the message says where and why."""


@dataclass(frozen=True)
class StaticList:
    address: str
    members: int | None
    external: int | None = None
    member_addresses: tuple[str, ...] | None = None


class StaticBackend:
    kind = "static"

    def __init__(self, path: str | os.PathLike | None = None, *,
                 lists: Mapping[str, Any] | list[Any] | None = None, name: str = "static",
                 recheck_seconds: float = 5.0):
        if (path is None) == (lists is None):
            raise ValueError("give a file path or the lists themselves")
        self.name = name
        self.path = Path(path) if path is not None else None
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._checked = 0.0
        self._lists: dict[str, StaticList] = {}
        if self.path is not None:
            self._load()
        else:
            self._lists = parse_lists(lists, "lists")

    def covers(self, address: str, internal_domains: frozenset[str]) -> bool:
        return normalize_address(address) in self._current()

    def lookup(self, address: str, internal_domains: frozenset[str]) -> GroupInfo | None:
        address = normalize_address(address)
        entry = self._current().get(address)
        if entry is None:
            return None
        external = entry.external
        if entry.member_addresses is not None and external is None and internal_domains:
            external = sum(1 for a in entry.member_addresses if is_external(a, internal_domains))
        return GroupInfo(address, True, entry.members, external, self.name)

    @property
    def lists(self) -> dict[str, StaticList]:
        return dict(self._current())

    def _current(self) -> dict[str, StaticList]:
        if self.path is not None and time.monotonic() - self._checked >= self.recheck_seconds:
            with self._lock:
                if time.monotonic() - self._checked >= self.recheck_seconds:
                    try:
                        self._load()
                    except (OSError, StaticFileError) as exc:
                        log.error("directory backend %s: keeping the lists read before: %s", self.name, exc)
        return self._lists

    def _load(self) -> None:
        assert self.path is not None
        self._checked = time.monotonic()
        try:
            mtime = self.path.stat().st_mtime
        except OSError as exc:
            raise StaticFileError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        if mtime == self._mtime:
            return
        self._lists = read_list_file(self.path)
        self._mtime = mtime


def read_list_file(path: Path) -> dict[str, StaticList]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise StaticFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".csv":
        return _parse_csv(text, path.name)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise StaticFileError(f"{path.name}{where}: not valid YAML") from None
    if isinstance(data, Mapping) and "lists" in data:
        data = data["lists"]
    return parse_lists(data if data is not None else [], path.name)


def parse_lists(data: Any, where: str) -> dict[str, StaticList]:
    items: list[tuple[str, Any]]
    if isinstance(data, Mapping):
        items = [(f"{where}: {key}", {"address": key, **(value if isinstance(value, Mapping) else
                                                          {"members": value})})
                 for key, value in data.items()]
    elif isinstance(data, list):
        items = [(f"{where}: entry {n}", value) for n, value in enumerate(data, 1)]
    else:
        raise StaticFileError(f"{where}: expected a list of lists (address, members, external)")
    lists: dict[str, StaticList] = {}
    for label, item in items:
        entry = _entry(item, label)
        if entry.address in lists:
            raise StaticFileError(f"{label}: {entry.address} is listed twice")
        lists[entry.address] = entry
    return lists


def _entry(item: Any, label: str) -> StaticList:
    if not isinstance(item, Mapping):
        raise StaticFileError(f"{label}: expected address, members and external")
    unknown = set(item) - {"address", "members", "external", "name"}
    if unknown:
        raise StaticFileError(f"{label}: unknown field {sorted(unknown)[0]!r}")
    address = normalize_address(str(item.get("address") or ""))
    if "@" not in address:
        raise StaticFileError(f"{label}: address {item.get('address')!r} is not an email address")
    members = item.get("members")
    external = _count(item.get("external"), label, "external")
    if isinstance(members, list):
        people = tuple(dict.fromkeys(normalize_address(str(m)) for m in members if str(m).strip()))
        return StaticList(address, len(people), external, people)
    count = _count(members, label, "members")
    if count is not None and external is not None and external > count:
        raise StaticFileError(f"{label}: external ({external}) is more than members ({count})")
    return StaticList(address, count, external)


def _count(value: Any, label: str, field: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise StaticFileError(f"{label}: {field} must be a whole number, not {value!r}")
    try:
        number = int(str(value).strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise StaticFileError(f"{label}: {field} must be a whole number, not {value!r}") from None
    if number < 0:
        raise StaticFileError(f"{label}: {field} must not be negative")
    return number


def _parse_csv(text: str, name: str) -> dict[str, StaticList]:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "address" not in fields or "members" not in fields:
        raise StaticFileError(f"{name}: the first row must name the columns address,members,external")
    reader.fieldnames = fields
    rows = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        rows.append((f"{name} line {reader.line_num}",
                     {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()
                      if k in ("address", "members", "external")}))
    lists: dict[str, StaticList] = {}
    for label, item in rows:
        entry = _entry(item, label)
        if entry.address in lists:
            raise StaticFileError(f"{label}: {entry.address} is listed twice")
        lists[entry.address] = entry
    return lists


def from_config(reader: ConfigReader, base_dir: Path | None) -> StaticBackend:
    reader.allow_only({"type", "name", "path", "lists"})
    name = reader.text("name", default="static") or "static"
    path = reader.text("path")
    inline = reader.data.get("lists")
    if (path is None) == (inline is None):
        raise reader.error("path", "give either path (a YAML or CSV file of lists) or lists")
    try:
        if inline is not None:
            return StaticBackend(lists=inline, name=name)
        full = Path(path).expanduser()
        if not full.is_absolute() and base_dir is not None:
            full = Path(base_dir) / full
        if full.suffix.lower() not in (".yaml", ".yml", ".csv"):
            raise reader.error("path", f"{path} must be a .yaml, .yml or .csv file")
        return StaticBackend(full, name=name)
    except (StaticFileError, OSError) as exc:
        raise DirectoryConfigError(reader.key("lists" if inline is not None else "path"), str(exc)) from None
