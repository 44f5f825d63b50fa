"""What every directory backend shares: the answer type, the backend seam,
configuration errors and a few small helpers.

A backend answers one question about one address: is it a list, how many
people does it reach (nested lists expanded), and how many of them are outside
the internal domains. It never raises into the send path: a failure comes
back as a `GroupInfo` whose `error` says, in plain words, what went wrong.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

from ..message import domain_of, is_internal

__all__ = [
    "GroupInfo", "DirectoryBackend", "DirectoryConfigError", "Deadline", "ConfigReader",
    "normalize_address", "normalize_domains", "in_scope", "is_external", "redact_address",
]


@dataclass(frozen=True)
class GroupInfo:
    """What the directory knows of one address.

    `member_count` and `external_count` are None when unknown. `error` is set
    when something failed (timeout, sign-in, throttling); a count may then
    still be given as a lower bound (the error says so).
    """

    address: str
    is_group: bool
    member_count: int | None      # transitive (nested lists expanded), None = unknown
    external_count: int | None    # members outside the internal domains, None = unknown
    source: str                   # backend name, e.g. "graph", "ews", "google", "static"
    error: str | None = None      # plain-words reason when the size is unknown

    @property
    def complete(self) -> bool:
        """True when the answer is final: nothing failed on the way."""
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupInfo:
        return cls(
            address=str(data["address"]),
            is_group=bool(data["is_group"]),
            member_count=_optional_int(data.get("member_count")),
            external_count=_optional_int(data.get("external_count")),
            source=str(data.get("source") or "directory"),
            error=data.get("error") or None,
        )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


@runtime_checkable
class DirectoryBackend(Protocol):
    """One source of list sizes.

    `lookup` returns None when the address is not a group this backend knows.
    A backend may also define `covers(address, internal_domains) -> bool`
    (may this address be one of my groups?) so that the directory can skip
    it for addresses it cannot know, and `close()`.
    """

    name: str

    def lookup(self, address: str, internal_domains: frozenset[str]) -> GroupInfo | None: ...


class DirectoryConfigError(ValueError):
    """The `directory` section of the policy is wrong; `key` names the setting."""

    def __init__(self, key: str, why: str):
        super().__init__(f"{key}: {why}")
        self.key = key
        self.why = why


class Deadline:
    """A point in time (monotonic) that a lookup must finish by."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def timeout(self, per_request: float) -> float:
        """The timeout for one request: the per-request limit or what is left."""
        return max(0.05, min(per_request, self.remaining()))


def normalize_address(address: str) -> str:
    """'All-Parents@District.org' or 'Parents <x@y.org>' -> 'x@y.org' (lower-cased)."""
    text = (address or "").strip()
    if "<" in text:
        text = email.utils.parseaddr(text)[1] or text
    return text.strip().strip("<>").lower().rstrip(".")


def normalize_domains(domains: Iterable[str] | None) -> frozenset[str]:
    return frozenset(d.strip().lower().lstrip("@").rstrip(".") for d in (domains or ()) if d.strip())


def in_scope(address: str, scope: frozenset[str], internal_domains: frozenset[str]) -> bool:
    """May `address` be a list in a directory that holds the domains `scope`?

    With no scope configured, the internal domains are the scope; with neither,
    every address is looked up.
    """
    domains = scope or internal_domains
    if not domains:
        return True
    return is_internal(domain_of(address), domains)


def is_external(address: str | None, internal_domains: frozenset[str]) -> bool:
    """An address outside the internal domains (Entra guest UPNs count as outside)."""
    if not address:
        return False
    if "#ext#" in address.lower():
        return True
    return not is_internal(domain_of(address), internal_domains)


def redact_address(address: str) -> str:
    """'all-parents@district.org' -> 'a***@district.org', for logs."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class ConfigReader:
    """Reads one mapping of the `directory` section, naming the key on error."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, Mapping):
            raise DirectoryConfigError(where, f"must be a mapping of settings, not {_kind(data)}")
        self.data = data
        self.where = where

    def key(self, name: str) -> str:
        return f"{self.where}.{name}"

    def error(self, name: str, why: str) -> DirectoryConfigError:
        return DirectoryConfigError(self.key(name), why)

    def allow_only(self, names: Iterable[str], hints: Mapping[str, str] | None = None) -> None:
        allowed = set(names)
        for name in self.data:
            if name in (hints or {}):
                raise self.error(str(name), (hints or {})[name])
            if name not in allowed:
                raise self.error(str(name), "unknown setting (expected one of: "
                                 + ", ".join(sorted(allowed)) + ")")

    def text(self, name: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise self.error(name, "is required")
            return default
        if not isinstance(value, str):
            raise self.error(name, f"must be text, not {_kind(value)}")
        return value.strip()

    def number(self, name: str, default: float, *, minimum: float = 0.0, maximum: float | None = None,
               above: bool = False, whole: bool = False) -> float:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(name, f"must be a number, not {_kind(value)}")
        if whole and int(value) != value:
            raise self.error(name, "must be a whole number")
        if value < minimum or (above and value == minimum):
            raise self.error(name, f"must be {'more than' if above else 'at least'} {minimum:g}")
        if maximum is not None and value > maximum:
            raise self.error(name, f"must be at most {maximum:g}")
        return int(value) if whole else float(value)

    def text_list(self, name: str) -> list[str]:
        value = self.data.get(name)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(name, "must be a list of text values")
        return [v.strip() for v in value]

    def domains(self, name: str = "domains") -> frozenset[str]:
        domains = normalize_domains(self.text_list(name))
        for domain in domains:
            if "." not in domain or "@" in domain or " " in domain:
                raise self.error(name, f"{domain!r} is not a domain name like district.org")
        return domains

    def url(self, name: str, default: str | None) -> str:
        value = self.text(name, required=default is None, default=default) or default or ""
        if not value.startswith(("https://", "http://")):
            raise self.error(name, f"must be an http(s) URL, not {value!r}")
        return value.rstrip("/")


def _kind(value: Any) -> str:
    return {list: "a list", dict: "a mapping", str: "text", bool: "true/false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)
