"""Google Workspace groups through the Admin SDK Directory API.

A service account with domain-wide delegation acts as an administrator
(``delegated_admin``) with the scope
``https://www.googleapis.com/auth/admin.directory.group.member.readonly``.
``members().list(groupKey=..., includeDerivedMembership=True)`` is paged with
``pageToken``; nested groups' members come back flattened, each person is
counted once, and the group entries themselves are not readers. A 404 means
the address is not a group.

``groups().get`` needs the broader ``admin.directory.group.readonly`` scope
(see the API's discovery document); it is only called when that scope is
configured (``check_group_first``). The service is built from the discovery
document shipped with google-api-python-client (no network fetch).
``customer`` is accepted and kept for the status page; the calls used here
take the group's address and need no customer ID.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .base import (
    ConfigReader,
    Deadline,
    DirectoryConfigError,
    GroupInfo,
    in_scope,
    is_external,
    normalize_address,
)

log = logging.getLogger("safesend.directory")

MEMBER_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.member.readonly"
GROUP_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.readonly"
_THROTTLE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "backendError"}

__all__ = ["GoogleBackend", "from_config", "MEMBER_SCOPE", "GROUP_SCOPE"]


class _GoogleFailure(Exception):
    """A failure already worded for people."""


class _NotFound(Exception):
    pass


class GoogleBackend:
    kind = "google"

    def __init__(self, *, credentials: Any = None, http_factory: Callable[[], Any] | None = None,
                 name: str = "google", customer: str = "my_customer", domains: frozenset[str] = frozenset(),
                 check_group_first: bool = False, timeout_seconds: float = 5.0,
                 lookup_budget_seconds: float = 20.0, max_retries: int = 3, page_size: int = 200,
                 api_endpoint: str | None = None, sleep: Callable[[float], None] = time.sleep):
        if credentials is None and http_factory is None:
            raise ValueError("give service-account credentials or an http_factory")
        self.name = name
        self.customer = customer
        self.domains = domains
        self.check_group_first = check_group_first
        self.timeout_seconds = timeout_seconds
        self.lookup_budget_seconds = lookup_budget_seconds
        self.max_retries = max_retries
        self.page_size = page_size
        self.api_endpoint = api_endpoint
        self._credentials = credentials
        self._http_factory = http_factory or self._authorized_http
        self._sleep = sleep
        self._local = threading.local()     # httplib2 is not thread-safe: one client per thread

    # ------------------------------------------------------------------ DirectoryBackend

    def covers(self, address: str, internal_domains: frozenset[str]) -> bool:
        return in_scope(address, self.domains, internal_domains)

    def lookup(self, address: str, internal_domains: frozenset[str]) -> GroupInfo | None:
        address = normalize_address(address)
        if not self.covers(address, internal_domains):
            return None
        deadline = Deadline(self.lookup_budget_seconds)
        found = False
        try:
            service = self._service()
            if self.check_group_first:
                try:
                    self._execute(service.groups().get(groupKey=address), deadline)
                except _NotFound:
                    return None
                found = True
            people, external, everyone = self._list_members(service, address, internal_domains, deadline)
            if people is None:
                return None
            found = True
            if everyone:
                return GroupInfo(address, True, None, None, self.name,
                                 "the group includes everyone in the organization, so its size is not listed")
            return GroupInfo(address, True, people, external, self.name)
        except _GoogleFailure as exc:
            reason = str(exc)
        except _NotFound:
            reason = "the group disappeared while it was being read"
        except Exception as exc:  # never let a directory failure reach the send path
            log.exception("directory backend %s: unexpected failure", self.name)
            reason = f"the Google lookup failed ({type(exc).__name__})"
        return GroupInfo(address, found, None, None, self.name, reason)

    # ------------------------------------------------------------------ Directory API

    def _list_members(self, service: Any, address: str, internal_domains: frozenset[str],
                      deadline: Deadline) -> tuple[int | None, int | None, bool]:
        seen: set[str] = set()
        external = 0
        everyone = False
        token: str | None = None
        first = True
        while True:
            kwargs: dict[str, Any] = {"groupKey": address, "includeDerivedMembership": True,
                                      "maxResults": self.page_size}
            if token:
                kwargs["pageToken"] = token
            try:
                page = self._execute(service.members().list(**kwargs), deadline)
            except _NotFound:
                if first:
                    return None, None, False
                raise
            first = False
            for member in page.get("members") or []:
                kind = member.get("type")
                if kind == "GROUP":
                    continue        # its members are listed too (includeDerivedMembership)
                if kind == "CUSTOMER":
                    everyone = True
                    continue
                key = member.get("id") or (member.get("email") or "").lower()
                if not key or key in seen:
                    continue
                seen.add(key)
                if is_external(member.get("email"), internal_domains):
                    external += 1
            token = page.get("nextPageToken")
            if not token:
                return len(seen), (external if internal_domains else None), everyone

    def _execute(self, request: Any, deadline: Deadline) -> dict[str, Any]:
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        attempt = 0
        while True:
            if deadline.expired():
                raise _GoogleFailure(f"Google did not finish within {deadline.seconds:g} s")
            try:
                return request.execute(num_retries=0) or {}
            except HttpError as exc:
                status = int(getattr(exc.resp, "status", 0) or 0)
                reasons = {d.get("reason") for d in (exc.error_details or []) if isinstance(d, dict)} \
                    if isinstance(exc.error_details, list) else set()
                if status == 404:
                    raise _NotFound() from None
                if status in (429, 500, 502, 503, 504) or (status == 403 and reasons & _THROTTLE_REASONS):
                    wait = _retry_after(exc.resp, attempt)
                    if attempt >= self.max_retries or wait > deadline.remaining():
                        what = ("is throttling requests" if status in (403, 429)
                                else f"is busy (HTTP {status})")
                        raise _GoogleFailure(f"Google {what} and asked to wait {wait:g} s; "
                                             f"gave up after {attempt + 1} tries") from None
                    self._sleep(wait)
                    attempt += 1
                    continue
                if status in (401, 403):
                    raise _GoogleFailure(
                        f"Google refused access (HTTP {status}: {_reason(exc)}); check the service "
                        "account's domain-wide delegation, its scope and that delegated_admin is an "
                        "administrator") from None
                raise _GoogleFailure(f"Google answered HTTP {status}: {_reason(exc)}") from None
            except RefreshError as exc:
                raise _GoogleFailure("Google sign-in for the service account failed "
                                     f"({_refresh_reason(exc)}); check domain-wide delegation "
                                     "and the scope") from None
            except TimeoutError:
                raise _GoogleFailure("Google did not answer in time") from None
            except (TransportError, OSError) as exc:
                raise _GoogleFailure(f"could not reach Google ({type(exc).__name__})") from None

    # ------------------------------------------------------------------ clients

    def _service(self) -> Any:
        service = getattr(self._local, "service", None)
        if service is None:
            from googleapiclient.discovery import build

            options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
            service = build("admin", "directory_v1", http=self._http_factory(), static_discovery=True,
                            cache_discovery=False, client_options=options)
            self._local.service = service
        return service

    def _authorized_http(self) -> Any:
        import google_auth_httplib2
        import httplib2

        return google_auth_httplib2.AuthorizedHttp(self._credentials,
                                                   http=httplib2.Http(timeout=self.timeout_seconds))


def _retry_after(resp: Any, attempt: int) -> float:
    try:
        value = resp.get("retry-after") if hasattr(resp, "get") else None
        if value:
            return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    return float(min(2 ** attempt, 30))


def _reason(exc: Any) -> str:
    text = str(getattr(exc, "reason", "") or "")
    return (text.strip().splitlines()[0] if text.strip() else "no reason given")[:200]


def _refresh_reason(exc: Exception) -> str:
    args = getattr(exc, "args", ())
    text = str(args[0]) if args else str(exc)
    return text.split(":", 1)[0].strip()[:100] or type(exc).__name__


# ---------------------------------------------------------------------- configuration

def from_config(reader: ConfigReader, base_dir: Path | None) -> GoogleBackend:
    reader.allow_only(
        {"type", "name", "service_account_file", "delegated_admin", "customer", "scopes", "domains",
         "timeout_seconds", "lookup_budget_seconds", "max_retries"},
        hints={"service_account_json": "give the key file's path in service_account_file"},
    )
    path = reader.text("service_account_file", required=True) or ""
    admin = reader.text("delegated_admin", required=True) or ""
    if "@" not in admin:
        raise reader.error("delegated_admin", f"{admin!r} is not an administrator's email address")
    scopes = reader.text_list("scopes") or [MEMBER_SCOPE]
    if MEMBER_SCOPE not in scopes and GROUP_SCOPE not in scopes \
            and "https://www.googleapis.com/auth/admin.directory.group" not in scopes:
        raise reader.error("scopes", f"must include {MEMBER_SCOPE}")
    full = Path(path).expanduser()
    if not full.is_absolute() and base_dir is not None:
        full = Path(base_dir) / full
    try:
        from google.oauth2 import service_account

        credentials = service_account.Credentials.from_service_account_file(
            str(full), scopes=scopes, subject=admin)
    except FileNotFoundError:
        raise reader.error("service_account_file", f"{full} does not exist") from None
    except (ValueError, KeyError, OSError) as exc:
        raise DirectoryConfigError(reader.key("service_account_file"),
                                   f"{full.name} is not a service-account key file "
                                   f"({type(exc).__name__}: {str(exc)[:120]})") from None
    return GoogleBackend(
        credentials=credentials,
        name=reader.text("name", default="google") or "google",
        customer=reader.text("customer", default="my_customer") or "my_customer",
        domains=reader.domains(),
        check_group_first=GROUP_SCOPE in scopes
        or "https://www.googleapis.com/auth/admin.directory.group" in scopes,
        timeout_seconds=reader.number("timeout_seconds", 5.0, above=True, maximum=120),
        lookup_budget_seconds=reader.number("lookup_budget_seconds", 20.0, above=True, maximum=600),
        max_retries=int(reader.number("max_retries", 3, maximum=10, whole=True)),
    )
