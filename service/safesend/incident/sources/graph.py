"""Microsoft 365 through Microsoft Graph: each mailbox's Sent Items.

App-only sign-in with msal (a client secret or a certificate), with the
*application* permission ``Mail.Read`` and admin consent; an Exchange Online
application access policy (``New-ApplicationAccessPolicy -AccessRight
RestrictAccess``) keeps the app to a mail-enabled security group of staff
mailboxes. Sign-in and throttled requests (429/503/504 with ``Retry-After``)
go through the directory's Graph backend: the scan uses the policy's
``directory.backends`` entry of ``type: graph`` (the same app registration;
the secret stays in the environment variable it names).

Per mailbox:

1. ``GET /users/{mailbox}/mailFolders/sentitems/messages?$select=id,sentDateTime
   &$orderby=sentDateTime&$filter=sentDateTime ge … and sentDateTime lt …&$top=…``,
   following ``@odata.nextLink``;
2. ``GET /users/{mailbox}/messages/{id}/$value``: the message's MIME.

The checkpoint is the page being read and the position in it.

A large mailbox is cut into date slices (see slices.py): the job counts its
dates with ``$count=true`` (``@odata.count``) under the same ``$filter``, finds
the mailbox's first and last ``sentDateTime`` with ``$orderby`` and ``$top=1``,
and each slice reads ``sentDateTime ge after and sentDateTime lt before``. A
listed message outside its slice's dates is passed over before its MIME is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from ...directory.base import ConfigReader, Deadline, DirectoryConfigError
from . import JobPlan, SourceError, SourceMessage, Window, slice_window

PAGE_SIZE = 100
REQUEST_BUDGET_SECONDS = 300.0       # one request, its throttling waits included


class GraphSentItems:
    kind = "graph"
    exact_counts = True

    def __init__(self, backend: Any, page_size: int = PAGE_SIZE):
        self.backend = backend           # directory.graph.GraphBackend: sign-in, throttling, errors
        self.page_size = page_size

    def plan(self, mailboxes: tuple[str, ...], window: Window) -> list[JobPlan]:
        return [JobPlan(m) for m in mailboxes]

    def messages(self, plan: JobPlan, checkpoint: dict[str, Any] | None,
                 window: Window) -> Iterator[SourceMessage]:
        user = quote(plan.mailbox, safe="@")
        base = self.backend.graph_base_url
        dates = slice_window(plan, window)
        page_url: str | None = (checkpoint or {}).get("page")
        skip = int((checkpoint or {}).get("index", 0))
        first_params = None if page_url else self._first_page_params(dates)
        url = page_url or self._sent_items(plan.mailbox)
        while url:
            body = self._json(url, first_params)
            entries = [m for m in body.get("value") or [] if isinstance(m, dict) and m.get("id")]
            for index, entry in enumerate(entries):
                if index < skip:
                    continue
                position = {"page": page_url, "index": index + 1}
                sent_at = _graph_date(entry.get("sentDateTime"))
                if not dates.holds(sent_at):          # another slice's (the server's filter is the guard)
                    yield SourceMessage(entry["id"], b"", position, sent_at)
                    continue
                raw = self._get(f"{base}/users/{user}/messages/{quote(entry['id'], safe='')}/$value",
                                None).content
                yield SourceMessage(entry["id"], raw, position, sent_at)
            next_link = body.get("@odata.nextLink")
            if next_link and not next_link.startswith(self.backend._graph_origin + "/"):
                raise SourceError("Microsoft Graph sent a next-page link to another host; not following it",
                                  retryable=False)
            url = page_url = next_link
            first_params, skip = None, 0

    def count(self, mailbox: str, dates: Window) -> int:
        """How many sent messages the dates hold (Graph's @odata.count)."""
        params = {"$select": "id", "$top": "1", "$count": "true", **_date_filter(dates)}
        count = self._json(self._sent_items(mailbox), params).get("@odata.count")
        if not isinstance(count, int) or count < 0:
            raise SourceError("Microsoft Graph did not say how many messages a mailbox's Sent Items hold",
                              retryable=False)
        return count

    def span(self, mailbox: str, dates: Window) -> tuple[datetime | None, datetime | None]:
        """The first and last sentDateTime within the dates."""
        ends = []
        for order in ("sentDateTime", "sentDateTime desc"):
            params = {"$select": "id,sentDateTime", "$orderby": order, "$top": "1", **_date_filter(dates)}
            entries = self._json(self._sent_items(mailbox), params).get("value") or []
            ends.append(_graph_date(entries[0].get("sentDateTime"))
                        if entries and isinstance(entries[0], dict) else None)
        return ends[0], ends[1]

    def _sent_items(self, mailbox: str) -> str:
        user = quote(mailbox, safe="@")
        return f"{self.backend.graph_base_url}/users/{user}/mailFolders/sentitems/messages"

    def _first_page_params(self, dates: Window) -> dict[str, str]:
        return {"$select": "id,sentDateTime", "$orderby": "sentDateTime", "$top": str(self.page_size),
                **_date_filter(dates)}

    def _json(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        response = self._get(url, params)
        try:
            body = response.json()
        except ValueError:
            raise SourceError("Microsoft Graph sent a page that is not JSON") from None
        if not isinstance(body, dict):
            raise SourceError("Microsoft Graph sent an unexpected page")
        return body

    def _get(self, url: str, params: dict[str, str] | None) -> requests.Response:
        from ...directory.graph import _GraphFailure

        try:
            return self.backend._get(url, params, Deadline(REQUEST_BUDGET_SECONDS))
        except _GraphFailure as exc:
            raise SourceError(_mail_wording(str(exc)), retryable=_retryable(str(exc))) from None
        except requests.RequestException as exc:
            raise SourceError(f"could not reach Microsoft Graph ({type(exc).__name__})") from None

    def close(self) -> None:
        self.backend.close()


def _date_filter(dates: Window) -> dict[str, str]:
    """[since, until) as Graph's $filter (whole seconds: cuts and --since/--until fall on them)."""
    conditions = []
    if dates.since is not None:
        conditions.append(f"sentDateTime ge {dates.since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
    if dates.until is not None:
        conditions.append(f"sentDateTime lt {dates.until.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
    return {"$filter": " and ".join(conditions)} if conditions else {}


def _mail_wording(text: str) -> str:
    """The directory's hints name its own permission; the scan needs Mail.Read."""
    return text.replace("GroupMember.Read.All", "Mail.Read (and an application access policy that "
                        "includes this mailbox)").replace("could not find the group", "could not find "
                                                          "the mailbox")


def _retryable(text: str) -> bool:
    """Throttling and outages pass; refused access and bad credentials do not."""
    permanent = ("refused access", "could not find", "sign-in failed", "not set up right")
    return not any(p in text for p in permanent)


def _graph_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def from_config(*, location: str, config: dict[str, Any], base_dir: Path | None = None,
                http_client: Any = None, sleep: Any = None, page_size: int = PAGE_SIZE,
                **_: Any) -> GraphSentItems:
    """Sign in as the policy's `directory.backends` entry of type graph does."""
    from ...directory.config import secret_from_env
    from ...directory.graph import (
        DEFAULT_AUTHORITY_HOST,
        DEFAULT_GRAPH_URL,
        GraphBackend,
        certificate_credential,
    )

    if not config:
        raise SourceError("no Microsoft Graph sign-in in the policy: add a directory backend of type graph "
                          "(tenant_id, client_id, client_secret_env or certificate_path)", retryable=False)
    reader = ConfigReader(config, "directory.backends[graph]")
    try:
        secret_env = reader.text("client_secret_env")
        if secret_env is not None:
            credential: Any = secret_from_env(reader, "client_secret_env")
        else:
            password = (secret_from_env(reader, "certificate_password_env")
                        if reader.text("certificate_password_env") else None)
            credential = certificate_credential(reader, reader.text("certificate_path", required=True) or "",
                                                password, base_dir)
        options: dict[str, Any] = dict(
            tenant_id=reader.text("tenant_id", required=True) or "",
            client_id=reader.text("client_id", required=True) or "", client_credential=credential,
            authority_host=reader.url("authority_host", DEFAULT_AUTHORITY_HOST),
            graph_base_url=reader.url("graph_base_url", DEFAULT_GRAPH_URL),
            timeout_seconds=reader.number("timeout_seconds", 30.0, above=True, maximum=300),
            max_retries=6, http_client=http_client)
    except DirectoryConfigError as exc:
        raise SourceError(f"{exc.key}: {exc.why}", retryable=False) from None
    if sleep is not None:
        options["sleep"] = sleep
    return GraphSentItems(GraphBackend(**options), page_size=page_size)
