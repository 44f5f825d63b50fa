"""Exchange on premises (Exchange Web Services) through exchangelib.

``ExpandDL`` returns one level of a distribution list; nested lists
(MailboxType ``PublicDL``, or ``PrivateDL`` for contact groups) are expanded
in turn, each list once, so a cycle of lists ends. People are counted once
however many lists they are on. The service endpoint, the schema version and
the authentication type are configured, so exchangelib sends the ExpandDL
request straight away, with no autodiscover or version guessing.

An address that is not a list answers ``ErrorNameResolutionNoResults`` (or an
empty expansion): not a group. Throttling (``ErrorServerBusy`` with a back-off
time) is retried while the lookup's budget allows.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .base import ConfigReader, Deadline, GroupInfo, in_scope, is_external, normalize_address

log = logging.getLogger("safesend.directory")

__all__ = ["EwsBackend", "from_config", "AUTH_TYPES", "API_VERSIONS"]

# config value -> exchangelib auth type name
AUTH_TYPES = {"ntlm": "NTLM", "basic": "basic", "oauth2": "OAuth 2.0"}
API_VERSIONS = ("Exchange2007_SP1", "Exchange2010", "Exchange2010_SP1", "Exchange2010_SP2",
                "Exchange2013", "Exchange2013_SP1", "Exchange2016")
_LIST_TYPES = {"PublicDL", "PrivateDL"}


class _EwsFailure(Exception):
    """A failure already worded for people."""


@functools.lru_cache(maxsize=1)
def _expand_dl_service() -> Any:
    from exchangelib.services import ExpandDL

    class ExpandDLNotingCompleteness(ExpandDL):
        """exchangelib's ExpandDL, also noting DLExpansion's IncludesLastItemInRange and
        TotalItemsInView, so that a list Exchange returned only in part is not
        taken for a small list."""

        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.includes_last_item = True
            self.total_items: int | None = None

        def _get_element_container(self, message: Any, name: Any = None) -> Any:
            container = super()._get_element_container(message, name=name)
            getter = getattr(container, "get", None)
            if callable(getter):
                if str(getter("IncludesLastItemInRange") or "true").lower() == "false":
                    self.includes_last_item = False
                try:
                    self.total_items = int(getter("TotalItemsInView"))
                except (TypeError, ValueError):
                    pass
            return container

    return ExpandDLNotingCompleteness


class EwsBackend:
    kind = "ews"

    def __init__(self, *, service_endpoint: str, credentials: Any, auth_type: str = "ntlm",
                 version: str = "Exchange2016", name: str = "ews", domains: frozenset[str] = frozenset(),
                 timeout_seconds: float = 10.0, lookup_budget_seconds: float = 30.0, max_retries: int = 2,
                 max_lists: int = 500, max_connections: int = 4, sleep: Callable[[float], None] = time.sleep):
        if auth_type not in AUTH_TYPES:
            raise ValueError(f"auth_type must be one of {sorted(AUTH_TYPES)}")
        if version not in API_VERSIONS:
            raise ValueError(f"version must be one of {API_VERSIONS}")
        self.name = name
        self.service_endpoint = service_endpoint
        self.auth_type = auth_type
        self.version = version
        self.domains = domains
        self.timeout_seconds = timeout_seconds
        self.lookup_budget_seconds = lookup_budget_seconds
        self.max_retries = max_retries
        self.max_lists = max_lists
        self.max_connections = max_connections
        self._credentials = credentials
        self._sleep = sleep
        self._config: Any = None
        self._protocol: Any = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ DirectoryBackend

    def covers(self, address: str, internal_domains: frozenset[str]) -> bool:
        return in_scope(address, self.domains, internal_domains)

    def lookup(self, address: str, internal_domains: frozenset[str]) -> GroupInfo | None:
        from exchangelib.properties import DLMailbox

        address = normalize_address(address)
        if not self.covers(address, internal_domains):
            return None
        deadline = Deadline(self.lookup_budget_seconds)
        people: dict[str, str | None] = {}
        found = False
        try:
            protocol = self._get_protocol()
            top, complete = self._expand(protocol, DLMailbox(email_address=address, mailbox_type="PublicDL"),
                                         deadline)
            if not top:
                return None         # not a list Exchange knows (or an empty one)
            found = True
            lists_seen = {address}
            pending = deque([top])
            incomplete = not complete
            unexpanded = 0
            while pending:
                for member in pending.popleft():
                    if isinstance(member, Exception):
                        raise member
                    key = _member_key(member)
                    if member.mailbox_type in _LIST_TYPES:
                        if key in lists_seen:
                            continue        # already expanded: a cycle or a list nested twice
                        lists_seen.add(key)
                        if len(lists_seen) > self.max_lists:
                            raise _EwsFailure(f"more than {self.max_lists} nested lists; stopped expanding")
                        nested = DLMailbox(email_address=member.email_address,
                                           mailbox_type=member.mailbox_type, item_id=member.item_id)
                        members, complete = self._expand(protocol, nested, deadline)
                        if members is None:
                            unexpanded += 1     # hidden from the address book, or gone
                            continue
                        incomplete |= not complete
                        pending.append(members)
                    elif key not in people:
                        people[key] = member.email_address
            external = (sum(1 for a in people.values() if is_external(a, internal_domains))
                        if internal_domains else None)
            if incomplete or unexpanded:
                what = ("Exchange listed only part of the list" if incomplete
                        else f"{unexpanded} nested list(s) could not be expanded")
                return GroupInfo(address, True, len(people), None, self.name,
                                 f"{what}; it has at least {len(people)} members")
            return GroupInfo(address, True, len(people), external, self.name)
        except _EwsFailure as exc:
            reason = str(exc)
        except Exception as exc:  # never let a directory failure reach the send path
            reason = _describe(exc)
            if reason is None:
                log.exception("directory backend %s: unexpected failure", self.name)
                reason = f"the Exchange lookup failed ({type(exc).__name__})"
        return GroupInfo(address, found, len(people) if people else None, None, self.name,
                         reason + (f"; it has at least {len(people)} members" if people else ""))

    def close(self) -> None:
        with self._lock:
            if self._protocol is not None:
                from exchangelib.protocol import Protocol

                try:
                    self._protocol.close()
                    del Protocol[self._config]
                except Exception:  # closing is best effort
                    pass
                self._protocol = None

    # ------------------------------------------------------------------ exchangelib

    def _get_protocol(self) -> Any:
        with self._lock:
            if self._protocol is None:
                from exchangelib import Build, Configuration, Version
                from exchangelib.protocol import Protocol
                from exchangelib.version import VERSIONS

                build = next((b for b, api, _ in VERSIONS if api == self.version), Build(15, 1))
                self._config = Configuration(
                    credentials=self._credentials, service_endpoint=self.service_endpoint,
                    auth_type=AUTH_TYPES[self.auth_type],
                    version=Version(build=build, api_version=self.version),
                    max_connections=self.max_connections,
                )
                protocol = Protocol(config=self._config)
                protocol.TIMEOUT = self.timeout_seconds     # per request; exchangelib's default is 120 s
                self._protocol = protocol
            return self._protocol

    def _expand(self, protocol: Any, mailbox: Any, deadline: Deadline) -> tuple[list[Any] | None, bool]:
        """One ExpandDL call: (members, complete), or (None, True) when there is no such list."""
        from exchangelib.errors import ErrorNameResolutionNoResults, ErrorServerBusy

        service_class = _expand_dl_service()
        attempt = 0
        while True:
            if deadline.expired():
                raise _EwsFailure(f"Exchange did not finish within {deadline.seconds:g} s")
            service = service_class(protocol=protocol, timeout=deadline.timeout(self.timeout_seconds))
            try:
                members = list(service.call(distribution_list=mailbox))
            except ErrorNameResolutionNoResults:
                return None, True
            except ErrorServerBusy as exc:
                wait = float(exc.back_off or min(2 ** attempt, 30))
                if attempt >= self.max_retries or wait > deadline.remaining():
                    raise _EwsFailure(f"Exchange is throttling requests and asked to wait {wait:g} s; "
                                      f"gave up after {attempt + 1} tries") from None
                log.info("directory backend %s: Exchange is busy, retrying in %g s", self.name, wait)
                self._sleep(wait)
                attempt += 1
                continue
            for member in members:
                if isinstance(member, ErrorNameResolutionNoResults):
                    return None, True
            complete = service.includes_last_item
            if service.total_items is not None and service.total_items > len(members):
                complete = False
            return (members or None), complete


def _member_key(member: Any) -> str:
    if member.email_address:
        return member.email_address.lower()
    if member.item_id is not None and member.item_id.id:
        return f"item:{member.item_id.id}"
    return f"name:{(member.name or '').lower()}"


def _describe(exc: Exception) -> str | None:
    """Plain words for exchangelib's failures (None for the unexpected)."""
    from exchangelib import errors

    if isinstance(exc, errors.UnauthorizedError):
        return "Exchange refused the sign-in (check the EWS account's user name, password and auth_type)"
    if isinstance(exc, errors.ErrorAccessDenied):
        return "Exchange denied the EWS account access to expand lists"
    if isinstance(exc, errors.ErrorTimeoutExpired):
        if "ConnectionError" in str(exc) and "Timeout" not in str(exc):
            return "could not connect to Exchange"
        return "Exchange did not answer in time"
    if isinstance(exc, errors.RedirectError):
        return "Exchange redirected the request; check service_endpoint"
    if isinstance(exc, errors.TransportError):
        return f"could not reach Exchange ({type(exc).__name__})"
    if isinstance(exc, errors.ErrorServerBusy):
        return "Exchange is throttling requests"
    if isinstance(exc, errors.EWSError):
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        return f"Exchange answered {type(exc).__name__}" + (f": {text}" if text else "")
    return None


# ---------------------------------------------------------------------- configuration

def from_config(reader: ConfigReader, base_dir: Path | None) -> EwsBackend:
    from .config import secret_from_env

    reader.allow_only(
        {"type", "name", "service_endpoint", "username", "password_env", "auth_type", "version",
         "tenant_id", "client_id", "client_secret_env", "impersonate", "domains", "timeout_seconds",
         "lookup_budget_seconds", "max_retries", "max_lists", "max_connections"},
        hints={"password": "do not put the password in the policy; set an environment variable and "
                           "name it in password_env",
               "server": "give the full service_endpoint, e.g. https://mail.district.org/EWS/Exchange.asmx",
               "client_secret": "name an environment variable in client_secret_env"},
    )
    endpoint = reader.url("service_endpoint", None)
    auth_type = (reader.text("auth_type", default="ntlm") or "ntlm").lower()
    if auth_type not in AUTH_TYPES:
        raise reader.error("auth_type", f"must be one of {', '.join(sorted(AUTH_TYPES))}, not {auth_type!r}")
    version = reader.text("version", default="Exchange2016") or "Exchange2016"
    if version not in API_VERSIONS:
        raise reader.error("version", f"must be one of {', '.join(API_VERSIONS)}")
    credentials = _credentials(reader, auth_type, secret_from_env)
    return EwsBackend(
        name=reader.text("name", default="ews") or "ews",
        service_endpoint=endpoint, credentials=credentials, auth_type=auth_type, version=version,
        domains=reader.domains(),
        timeout_seconds=reader.number("timeout_seconds", 10.0, above=True, maximum=120),
        lookup_budget_seconds=reader.number("lookup_budget_seconds", 30.0, above=True, maximum=600),
        max_retries=int(reader.number("max_retries", 2, maximum=10, whole=True)),
        max_lists=int(reader.number("max_lists", 500, minimum=1, whole=True)),
        max_connections=int(reader.number("max_connections", 4, minimum=1, maximum=32, whole=True)),
    )


def _credentials(reader: ConfigReader, auth_type: str, secret_from_env: Callable[..., str]) -> Any:
    if auth_type == "oauth2":
        from exchangelib import Identity, OAuth2Credentials

        tenant_id = reader.text("tenant_id", required=True)
        client_id = reader.text("client_id", required=True)
        reader.text("client_secret_env", required=True)
        secret = secret_from_env(reader, "client_secret_env")
        impersonate = reader.text("impersonate")
        identity = Identity(primary_smtp_address=impersonate) if impersonate else None
        return OAuth2Credentials(client_id=client_id, client_secret=secret, tenant_id=tenant_id,
                                 identity=identity)
    from exchangelib import Credentials

    username = reader.text("username", required=True)
    reader.text("password_env", required=True)
    return Credentials(username=username or "", password=secret_from_env(reader, "password_env"))
