"""The signed head of each tenant's audit chain, kept outside the database.

The chain in `audit_log` proves that no entry was changed or inserted (each
entry is an HMAC over its content and the previous entry's MAC, with a key
the database does not hold). It cannot prove that nothing was removed from
its end: a table cut after entry 40 is a perfectly good 40-entry chain.
The head closes that gap: after every commit that appends, the tenant's
entry count and newest MAC are written here, HMAC-signed, so `verify` can
tell a cut tail or a vanished tenant chain from an intact one.

The head lives in a folder (default: the instance folder's `audit-heads/`,
`SAFESEND_AUDIT_HEAD_DIR` to move it), one small JSON file per tenant,
replaced atomically and only ever moved forward (count never decreases).
Several hosts must share that folder (or each keeps its own and `verify`
runs where the writes happen).

`legacy` is how many leading entries were written before the chain was
keyed (plain SHA-256, before migration 0003): they are verified the old
way, and only as a prefix pinned by this signed number.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Head:
    tenant: str
    count: int
    mac: str      # MAC of entry number `count`
    legacy: int = 0


class HeadForged(Exception):
    """A head file whose signature does not verify (edited or copied)."""


class HeadStore:
    def __init__(self, folder: Path, key: bytes):
        self.folder = Path(folder)
        self._key = key

    def read(self, tenant: str) -> Head | None:
        """The tenant's head; None when none was ever written; HeadForged when tampered."""
        try:
            raw = json.loads(self._path(tenant).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise HeadForged(f"the signed head cannot be read ({type(exc).__name__})") from None
        try:
            head = Head(str(raw["tenant"]), int(raw["count"]), str(raw["mac"]), int(raw["legacy"]))
            signature = str(raw["signature"])
        except (KeyError, TypeError, ValueError):
            raise HeadForged("the signed head is malformed") from None
        if head.tenant != tenant or not hmac.compare_digest(signature, self._sign(head)):
            raise HeadForged("the signed head's signature does not verify")
        return head

    def advance(self, tenant: str, count: int, mac: str, legacy: int = 0) -> None:
        """Record a newer head; an older one (a slower worker's commit) is ignored.
        The legacy prefix, once recorded, never changes."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.folder / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                current = self.read(tenant)
            except HeadForged:
                current = None   # verify reports it until a newer head replaces it
            if current is not None and current.count >= count:
                return
            head = Head(tenant, count, mac, current.legacy if current is not None else legacy)
            body = {"tenant": head.tenant, "count": head.count, "mac": head.mac,
                    "legacy": head.legacy, "signature": self._sign(head)}
            path = self._path(tenant)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(body, sort_keys=True), encoding="utf-8")
            os.replace(temporary, path)

    def tenants(self) -> list[str]:
        """Every tenant that has a head (its chain must exist in the table)."""
        names = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                names.append(str(json.loads(path.read_text(encoding="utf-8"))["tenant"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return names

    def _path(self, tenant: str) -> Path:
        # Tenant ids are free text: the file is named by a hash of it.
        return self.folder / f"{hashlib.sha256(tenant.encode('utf-8')).hexdigest()[:32]}.json"

    def _sign(self, head: Head) -> str:
        canonical = json.dumps([head.tenant, head.count, head.mac, head.legacy], separators=(",", ":"))
        return hmac.new(self._key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
