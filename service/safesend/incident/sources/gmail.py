"""Google Workspace through the Gmail API: each mailbox's sent mail.

A service account with domain-wide delegation acts as each mailbox in turn
with the scope ``https://www.googleapis.com/auth/gmail.readonly`` (add it to
the service account's client ID in the Admin console, next to the directory
scope). The scan signs in with the key file of the policy's
``directory.backends`` entry of ``type: google``.

Per mailbox: ``users.messages.list(userId="me", q="in:sent after:… before:…")``
pages of ids, then ``users.messages.get(format="raw")`` for up to 50 ids per
batch request. Quotas: a get costs 5 units of a mailbox's 250 per second, so
batches are paced to stay under it; a 429 or rate-limit 403 (for the whole
batch or one part of it) is retried after ``Retry-After`` or with back-off.
The service is built from the discovery document shipped with
google-api-python-client (no network fetch).

The checkpoint is the page token of the page being read and the position in it.

A large mailbox is cut into date slices (see slices.py), counted with the
list's ``resultSizeEstimate`` (an estimate: it sizes slices, it never decides
what is read). Gmail does not document whether ``after:``/``before:`` include
their second, so a slice asks for one second more on each side and keeps a
message only when its ``internalDate`` is within [after, before): a message on
a cut is read by exactly one slice.
"""

from __future__ import annotations

import base64
import logging
import math
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import JobPlan, SourceError, SourceMessage, Window, slice_window

log = logging.getLogger("safesend.incident")

GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
PAGE_SIZE = 100
BATCH_SIZE = 50
UNITS_PER_GET, UNITS_PER_SECOND = 5, 250
MAX_RETRIES = 6
_THROTTLE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "backendError"}


class GmailSent:
    kind = "gmail"
    exact_counts = False

    def __init__(self, http_for: Callable[[str], Any], *, page_size: int = PAGE_SIZE,
                 batch_size: int = BATCH_SIZE, pace: bool = True,
                 sleep: Callable[[float], None] = time.sleep):
        self.http_for = http_for                 # mailbox -> an authorized httplib2-like object
        self.page_size = page_size
        self.batch_size = batch_size
        self.min_batch_seconds = batch_size * UNITS_PER_GET / UNITS_PER_SECOND if pace else 0.0
        self.sleep = sleep
        self._services: dict[str, Any] = {}

    def plan(self, mailboxes: tuple[str, ...], window: Window) -> list[JobPlan]:
        return [JobPlan(m) for m in mailboxes]

    def messages(self, plan: JobPlan, checkpoint: dict[str, Any] | None,
                 window: Window) -> Iterator[SourceMessage]:
        service = self._service(plan.mailbox)
        dates = slice_window(plan, window)
        token: str | None = (checkpoint or {}).get("page")
        skip = int((checkpoint or {}).get("index", 0))
        last_batch = 0.0
        while True:
            kwargs: dict[str, Any] = {"userId": "me", "q": _query(dates), "maxResults": self.page_size}
            if token:
                kwargs["pageToken"] = token
            page = self._execute(service.users().messages().list(**kwargs))
            ids = [m["id"] for m in page.get("messages") or [] if isinstance(m, dict) and m.get("id")]
            for start in range(skip, len(ids), self.batch_size):
                wait = self.min_batch_seconds - (time.monotonic() - last_batch)
                if wait > 0:
                    self.sleep(wait)
                last_batch = time.monotonic()
                chunk = ids[start:start + self.batch_size]
                found = self._get_batch(service, chunk)
                for offset, message_id in enumerate(chunk):
                    raw, sent_at = found.get(message_id, (b"", None))
                    position = {"page": token, "index": start + offset + 1}
                    # A message deleted since the listing is passed over (raw is empty), and so is
                    # one of the extra second around the dates (another slice's).
                    yield SourceMessage(message_id, raw if dates.holds(sent_at) else b"", position, sent_at)
            token, skip = page.get("nextPageToken"), 0
            if not token:
                return

    def count(self, mailbox: str, dates: Window) -> int:
        """Gmail's estimate of the messages within the dates."""
        page = self._execute(self._service(mailbox).users().messages().list(
            userId="me", q=_query(dates), maxResults=1))
        estimate = page.get("resultSizeEstimate")
        if isinstance(estimate, int) and estimate >= 0:
            return estimate
        return len(page.get("messages") or [])

    def span(self, mailbox: str, dates: Window) -> tuple[datetime | None, datetime | None]:
        """Not known cheaply (the list gives ids only): cuts start from the dates or slices.FLOOR and now."""
        return None, None

    def _get_batch(self, service: Any, ids: list[str]) -> dict[str, tuple[bytes, datetime | None]]:
        found: dict[str, tuple[bytes, datetime | None]] = {}
        pending = list(ids)
        for attempt in range(MAX_RETRIES + 1):
            pending, wait = self._one_batch(service, pending, attempt, found)
            if not pending:
                return found
            if attempt < MAX_RETRIES:
                log.info("Gmail throttled %d request(s); retrying in %g s", len(pending), wait)
                self.sleep(wait)
        raise SourceError(f"Gmail kept throttling requests; gave up after {MAX_RETRIES + 1} tries")

    def _one_batch(self, service: Any, ids: list[str], attempt: int,
                   found: dict[str, tuple[bytes, datetime | None]]) -> tuple[list[str], float]:
        """One batch request: fills `found`; returns the throttled ids and how long to wait."""
        from googleapiclient.errors import HttpError

        throttled: list[str] = []
        failures: list[SourceError] = []
        waits = [0.0]

        def collect(request_id: str, response: Any, error: Exception | None) -> None:
            if error is None:
                found[request_id] = _decoded(response)
                return
            status = int(getattr(getattr(error, "resp", None), "status", 0) or 0)
            if _throttled(error, status):
                throttled.append(request_id)
                waits.append(_retry_after(getattr(error, "resp", None), attempt))
            elif status == 404:
                log.info("a Gmail message disappeared while being scanned")
            else:
                failures.append(_failure(error, status))

        batch = service.new_batch_http_request(callback=collect)
        for message_id in ids:
            batch.add(service.users().messages().get(userId="me", id=message_id, format="raw"),
                      request_id=message_id)
        try:
            batch.execute()
        except HttpError as exc:
            status = int(getattr(exc.resp, "status", 0) or 0)
            if not _throttled(exc, status):
                raise _failure(exc, status) from None
            return list(ids), _retry_after(exc.resp, attempt)
        if failures:
            raise failures[0]
        return throttled, max(waits)

    def _execute(self, request: Any) -> dict[str, Any]:
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        attempt = 0
        while True:
            try:
                return request.execute(num_retries=0) or {}
            except HttpError as exc:
                status = int(getattr(exc.resp, "status", 0) or 0)
                if _throttled(exc, status) and attempt < MAX_RETRIES:
                    self.sleep(_retry_after(exc.resp, attempt))
                    attempt += 1
                    continue
                raise _failure(exc, status) from None
            except RefreshError as exc:
                why = str(exc.args[0] if exc.args else exc).split(":", 1)[0][:100]
                raise SourceError(f"Google sign-in for the service account failed ({why}); check "
                                  f"domain-wide delegation and the scope {GMAIL_SCOPE}",
                                  retryable=False) from None
            except (TransportError, OSError) as exc:
                raise SourceError(f"could not reach Google ({type(exc).__name__})") from None

    def _service(self, mailbox: str) -> Any:
        """One client per mailbox and job: counting and reading share its sign-in."""
        from googleapiclient.discovery import build

        if mailbox not in self._services:
            self._services[mailbox] = build("gmail", "v1", http=self.http_for(mailbox), static_discovery=True,
                                            cache_discovery=False)
        return self._services[mailbox]

    def close(self) -> None:
        pass


def _query(dates: Window) -> str:
    """The dates with a second to spare each side (what Gmail does at the edge is not documented);
    `dates.holds` on each message's internalDate draws the exact line."""
    parts = ["in:sent"]
    if dates.since is not None:
        parts.append(f"after:{math.floor(dates.since.timestamp()) - 1}")
    if dates.until is not None:
        parts.append(f"before:{math.ceil(dates.until.timestamp()) + 1}")
    return " ".join(parts)


def _decoded(response: Any) -> tuple[bytes, datetime | None]:
    raw = (response or {}).get("raw") or ""
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (ValueError, TypeError):
        data = b""
    sent_at = None
    try:
        sent_at = datetime.fromtimestamp(int((response or {}).get("internalDate")) / 1000, UTC)
    except (TypeError, ValueError):
        pass
    return data, sent_at


def _reasons(error: Any) -> set[str]:
    details = getattr(error, "error_details", None)
    if isinstance(details, list):
        return {d.get("reason") for d in details if isinstance(d, dict)}
    return set()


def _throttled(error: Any, status: int) -> bool:
    if status in (429, 500, 502, 503, 504):
        return True
    return status == 403 and bool(_reasons(error) & _THROTTLE_REASONS)


def _retry_after(resp: Any, attempt: int) -> float:
    try:
        value = resp.get("retry-after") if resp is not None and hasattr(resp, "get") else None
        if value:
            return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    return float(min(2 ** attempt, 60))


def _failure(error: Any, status: int) -> SourceError:
    reason = str(getattr(error, "reason", "") or "").strip().splitlines()
    text = reason[0][:200] if reason else "no reason given"
    if status in (401, 403):
        return SourceError(f"Google refused access to the mailbox (HTTP {status}: {text}); check domain-wide "
                           f"delegation of {GMAIL_SCOPE} for the service account", retryable=False)
    if status == 400 and "failedPrecondition" in str(getattr(error, "content", b"")):
        return SourceError("Gmail is not enabled for this account", retryable=False)
    return SourceError(f"Google answered HTTP {status}: {text}", retryable=status >= 500 or status == 0)


def from_config(*, location: str, config: dict[str, Any], base_dir: Path | None = None,
                http_factory: Callable[[Any], Any] | None = None, sleep: Any = None, pace: bool = True,
                **_: Any) -> GmailSent:
    """Sign in with the key file of the policy's `directory.backends` entry of type google;
    `http_factory(credentials)` is the test seam (default: an AuthorizedHttp)."""
    if not config:
        raise SourceError("no Google sign-in in the policy: add a directory backend of type google "
                          "(service_account_file, delegated_admin)", retryable=False)
    path = Path(str(config.get("service_account_file") or "")).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    timeout = float(config.get("timeout_seconds") or 30.0)
    try:
        from google.oauth2 import service_account

        credentials = service_account.Credentials.from_service_account_file(str(path), scopes=[GMAIL_SCOPE])
    except FileNotFoundError:
        raise SourceError(f"directory.backends[google].service_account_file: {path} does not exist",
                          retryable=False) from None
    except (ValueError, KeyError, OSError) as exc:
        raise SourceError(f"directory.backends[google].service_account_file: {path.name} is not a "
                          f"service-account key file ({type(exc).__name__})", retryable=False) from None

    def authorized(mailbox: str) -> Any:
        delegated = credentials.with_subject(mailbox)       # act as the mailbox itself
        if http_factory is not None:
            return http_factory(delegated)
        import google_auth_httplib2
        import httplib2

        return google_auth_httplib2.AuthorizedHttp(delegated, http=httplib2.Http(timeout=timeout))

    options: dict[str, Any] = {"pace": pace}
    if sleep is not None:
        options["sleep"] = sleep
    return GmailSent(authorized, **options)
