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
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from . import JobPlan, SourceError, SourceMessage, Window

log = logging.getLogger("safesend.incident")

PAGE_SIZE = 50
MAX_RETRIES = 5


class EwsSentItems:
    kind = "ews"

    def __init__(self, backend: Any, *, impersonate: bool = True, page_size: int = PAGE_SIZE,
                 sleep: Callable[[float], None] = time.sleep):
        self.backend = backend          # directory.ews.EwsBackend: endpoint, version, credentials
        self.impersonate = impersonate
        self.page_size = page_size
        self.sleep = sleep

    def plan(self, mailboxes: tuple[str, ...], window: Window) -> list[JobPlan]:
        return [JobPlan(m) for m in mailboxes]

    def messages(self, plan: JobPlan, checkpoint: dict[str, Any] | None,
                 window: Window) -> Iterator[SourceMessage]:
        offset = int((checkpoint or {}).get("offset", 0))
        folder = self._retrying(lambda: self._sent_folder(plan.mailbox))
        query = folder.all()
        if window.since is not None:
            query = query.filter(datetime_sent__gte=_ews_time(window.since))
        if window.until is not None:
            query = query.filter(datetime_sent__lt=_ews_time(window.until))
        query = query.order_by("datetime_sent").only("id", "changekey", "datetime_sent")
        while True:
            page = self._retrying(lambda q=query, o=offset: list(q[o:o + self.page_size]))
            ids = [item for item in page if not isinstance(item, Exception)]
            if not ids:
                return
            full = self._retrying(lambda ids=ids: list(folder.account.fetch(
                ids=[(i.id, i.changekey) for i in ids], only_fields=["mime_content", "datetime_sent"])))
            for n, item in enumerate(full):
                offset += 1
                raw = b"" if isinstance(item, Exception) else (item.mime_content or b"")
                sent = None if isinstance(item, Exception) else item.datetime_sent
                key = ids[n].id if n < len(ids) else f"offset-{offset}"
                yield SourceMessage(key, bytes(raw), {"offset": offset}, _plain_time(sent))
            if len(page) < self.page_size:
                return

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
