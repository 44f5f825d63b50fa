"""Exchange on premises through exchangelib: each mailbox's Sent Items, by date.

The service account needs the ``ApplicationImpersonation`` role, scoped
(``New-ManagementScope``) to the staff mailboxes; the scan signs in with the
credentials of the policy's ``directory.backends`` entry of ``type: ews``
(service_endpoint, username and password_env, auth_type, version; the
password stays in the environment variable it names). No autodiscover: the
configured endpoint and version are used at once.

Per mailbox: GetFolder (the distinguished folder ``sentitems``), FindItem over
it ordered by ``DateTimeSent`` with an indexed page view (``Offset``), then
GetItem with ``MimeContent`` for a page of ids. The checkpoint is the offset
of the next message; ``ErrorServerBusy`` is waited out as Exchange asks.

A large mailbox is cut into date slices (see slices.py): a job counts its
dates (FindItem for ids only, 1,000 a page, under the same restriction on
``DateTimeSent``), finds the first and last message with a one-item view,
and each slice reads ``datetime_sent >= after and datetime_sent < before``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import JobPlan, SourceError, SourceMessage, Window, slice_window

log = logging.getLogger("safesend.incident")

PAGE_SIZE = 50
MAX_RETRIES = 5


class EwsSentItems:
    kind = "ews"
    exact_counts = True

    def __init__(self, backend: Any, *, impersonate: bool = True, page_size: int = PAGE_SIZE,
                 sleep: Callable[[float], None] = time.sleep):
        self.backend = backend          # directory.ews.EwsBackend: endpoint, version, credentials
        self.impersonate = impersonate
        self.page_size = page_size
        self.sleep = sleep
        self._folders: dict[str, Any] = {}

    def plan(self, mailboxes: tuple[str, ...], window: Window) -> list[JobPlan]:
        return [JobPlan(m) for m in mailboxes]

    def messages(self, plan: JobPlan, checkpoint: dict[str, Any] | None,
                 window: Window) -> Iterator[SourceMessage]:
        offset = int((checkpoint or {}).get("offset", 0))
        dates = slice_window(plan, window)
        folder, query = self._query(plan.mailbox, dates)
        query = query.order_by("datetime_sent").only("id", "changekey", "datetime_sent")
        while True:
            page = self._retrying(lambda q=query, o=offset: list(q[o:o + self.page_size]))
            listed = [item for item in page if not isinstance(item, Exception)]
            if not listed:
                return
            # A listed message outside the slice's dates is another slice's: not fetched.
            ids = [i for i in listed if dates.holds(_plain_time(i.datetime_sent))]
            full = self._retrying(lambda ids=ids: list(folder.account.fetch(
                ids=[(i.id, i.changekey) for i in ids], only_fields=["mime_content", "datetime_sent"]))) \
                if ids else []
            fetched = {i.id: item for i, item in zip(ids, full, strict=False)}
            for listing in listed:
                offset += 1
                item = fetched.get(listing.id)
                raw = b"" if item is None or isinstance(item, Exception) else (item.mime_content or b"")
                yield SourceMessage(listing.id, bytes(raw), {"offset": offset},
                                    _plain_time(listing.datetime_sent))
            if len(page) < self.page_size:
                return

    def count(self, mailbox: str, dates: Window) -> int:
        _, query = self._query(mailbox, dates)
        return int(self._retrying(lambda: query.count(page_size=1000)))

    def span(self, mailbox: str, dates: Window):
        _, query = self._query(mailbox, dates)
        ends = []
        for order in ("datetime_sent", "-datetime_sent"):
            first = self._retrying(lambda o=order: list(query.order_by(o).only("datetime_sent")[0:1]))
            ends.append(_plain_time(first[0].datetime_sent)
                        if first and not isinstance(first[0], Exception) else None)
        return ends[0], ends[1]

    def _query(self, mailbox: str, dates: Window):
        """Sent Items restricted to [since, until) on DateTimeSent."""
        if mailbox not in self._folders:           # a job asks several times while it cuts its dates
            self._folders[mailbox] = self._retrying(lambda: self._sent_folder(mailbox))
        folder = self._folders[mailbox]
        query = folder.all()
        if dates.since is not None:
            query = query.filter(datetime_sent__gte=_ews_time(dates.since))
        if dates.until is not None:
            query = query.filter(datetime_sent__lt=_ews_time(dates.until))
        return folder, query

    def _sent_folder(self, mailbox: str) -> Any:
        from exchangelib import DELEGATE, IMPERSONATION, Account
        from exchangelib.folders import SentItems

        self.backend._get_protocol()          # builds the configuration (endpoint, version, credentials)
        account = Account(primary_smtp_address=mailbox, config=self.backend._config, autodiscover=False,
                          access_type=IMPERSONATION if self.impersonate else DELEGATE)
        # GetFolder on the root, then on the distinguished folder "sentitems" (no folder-tree walk).
        return SentItems.get_distinguished(root=account.root)

    def _retrying(self, call: Callable[[], Any]) -> Any:
        from exchangelib import errors

        from ...directory.ews import _describe

        for attempt in range(MAX_RETRIES + 1):
            try:
                return call()
            except errors.ErrorServerBusy as exc:
                wait = float(exc.back_off or min(2 ** attempt, 60))
                if attempt >= MAX_RETRIES:
                    raise SourceError("Exchange kept throttling requests; gave up after "
                                      f"{attempt + 1} tries") from None
                log.info("Exchange is busy; retrying in %g s", wait)
                self.sleep(wait)
            except (errors.ErrorNonExistentMailbox, errors.ErrorFolderNotFound) as exc:
                raise SourceError(f"Exchange has no such mailbox or Sent Items folder ({type(exc).__name__})",
                                  retryable=False) from None
            except (errors.ErrorImpersonateUserDenied, errors.ErrorAccessDenied,
                    errors.UnauthorizedError) as exc:
                raise SourceError(f"Exchange refused access to the mailbox ({type(exc).__name__}); give the "
                                  "service account the ApplicationImpersonation role for staff mailboxes",
                                  retryable=False) from None
            except Exception as exc:
                described = _describe(exc)
                if described is None:
                    raise
                raise SourceError(described) from None
        raise SourceError("Exchange kept throttling requests")

    def close(self) -> None:
        self.backend.close()


def _ews_time(moment):
    from exchangelib import EWSDateTime

    return EWSDateTime.from_datetime(moment)


def _plain_time(moment):
    if moment is None:
        return None
    from datetime import UTC, datetime

    return datetime.fromtimestamp(moment.timestamp(), UTC)


def from_config(*, location: str, config: dict[str, Any], base_dir: Path | None = None,
                sleep: Any = None, page_size: int = PAGE_SIZE, **_: Any) -> EwsSentItems:
    """Sign in as the policy's `directory.backends` entry of type ews does."""
    from ...directory.base import ConfigReader, DirectoryConfigError
    from ...directory.ews import from_config as ews_backend

    if not config:
        raise SourceError("no Exchange sign-in in the policy: add a directory backend of type ews "
                          "(service_endpoint, username, password_env)", retryable=False)
    try:
        backend = ews_backend(ConfigReader(config, "directory.backends[ews]"), base_dir)
    except DirectoryConfigError as exc:
        raise SourceError(f"{exc.key}: {exc.why}", retryable=False) from None
    options: dict[str, Any] = {"page_size": page_size}
    if sleep is not None:
        options["sleep"] = sleep
    return EwsSentItems(backend, **options)
