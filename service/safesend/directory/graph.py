"""Microsoft Graph (Entra ID / Exchange Online): list sizes for cloud groups.

Sign-in is app-only (client credentials) through msal, with a client secret
or a certificate; the token is cached by msal and reused until it expires.
The app needs the Graph *application* permission ``GroupMember.Read.All``
with admin consent.

One lookup:

1. ``GET /groups?$filter=mail eq '{a}' or proxyAddresses/any(p:p eq 'smtp:{a}')``
   (an empty answer means: not a group in this tenant);
2. ``GET /groups/{id}/transitiveMembers/$count`` with ``ConsistencyLevel: eventual``;
3. ``GET /groups/{id}/transitiveMembers?$select=id,mail,userPrincipalName``,
   following ``@odata.nextLink``, to count people (users and contacts; nested
   groups, devices and service principals are not readers) and those outside
   the internal domains. Lists larger than ``max_members_to_list`` keep the
   count from step 2 and leave the external count unknown.

Throttling (429, or 503/504) is retried after ``Retry-After`` while the lookup's
own budget allows; timeouts, sign-in and permission failures come back as a
`GroupInfo` with an error, never as an exception. Dynamic distribution groups
are not in Graph (use EWS or the static file for them).
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from .base import ConfigReader, Deadline, GroupInfo, in_scope, is_external, normalize_address

log = logging.getLogger("safesend.directory")

DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
PERMISSION_HINT = ("the app needs the Microsoft Graph application permission GroupMember.Read.All "
                   "with admin consent")

__all__ = ["GraphBackend", "from_config"]

_NOT_READERS = {"#microsoft.graph.group", "#microsoft.graph.device", "#microsoft.graph.servicePrincipal"}


class _GraphFailure(Exception):
    """A failure already worded for people."""


class GraphBackend:
    kind = "graph"

    def __init__(self, *, tenant_id: str, client_id: str, client_credential: str | dict[str, Any],
                 name: str = "graph", authority_host: str = DEFAULT_AUTHORITY_HOST,
                 graph_base_url: str = DEFAULT_GRAPH_URL, scope: str | None = None,
                 domains: frozenset[str] = frozenset(), timeout_seconds: float = 5.0,
                 lookup_budget_seconds: float = 20.0, max_retries: int = 3,
                 max_members_to_list: int = 50_000, page_size: int = 999,
                 http_client: Any = None, session: requests.Session | None = None,
                 token_cache: Any = None, sleep: Callable[[float], None] = time.sleep):
        self.name = name
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self.graph_base_url = graph_base_url.rstrip("/")
        origin = urlsplit(self.graph_base_url)
        self._graph_origin = f"{origin.scheme}://{origin.netloc}"
        self.scope = scope or f"{self._graph_origin}/.default"
        self.domains = domains
        self.timeout_seconds = timeout_seconds
        self.lookup_budget_seconds = lookup_budget_seconds
        self.max_retries = max_retries
        self.max_members_to_list = max_members_to_list
        self.page_size = page_size
        self._credential = client_credential
        self._http_client = http_client      # msal's seam (tests drive sign-in through it)
        self._token_cache = token_cache
        self._session = session or _graph_session()
        self._sleep = sleep
        self._app: Any = None
        self._app_lock = threading.Lock()

    # ------------------------------------------------------------------ DirectoryBackend

    def covers(self, address: str, internal_domains: frozenset[str]) -> bool:
        return in_scope(address, self.domains, internal_domains)

    def lookup(self, address: str, internal_domains: frozenset[str]) -> GroupInfo | None:
        address = normalize_address(address)
        if not self.covers(address, internal_domains):
            return None
        deadline = Deadline(self.lookup_budget_seconds)
        group: dict[str, Any] | None = None
        total: int | None = None
        try:
            group = self._find_group(address, deadline)
            if group is None:
                return None
            total = self._count_members(group["id"], deadline)
            if total > self.max_members_to_list:
                return GroupInfo(address, True, total, None, self.name)
            people, external = self._list_members(group["id"], internal_domains, deadline)
            return GroupInfo(address, True, people, external, self.name)
        except _GraphFailure as exc:
            reason = str(exc)
        except requests.RequestException as exc:
            reason = f"could not reach Microsoft Graph ({type(exc).__name__})"
        except Exception as exc:  # never let a directory failure reach the send path
            log.exception("directory backend %s: unexpected failure", self.name)
            reason = f"the Microsoft Graph lookup failed ({type(exc).__name__})"
        if total is not None:
            reason += "; the member count is Graph's own count and external members are unknown"
        return GroupInfo(address, group is not None, total, None, self.name, reason)

    def close(self) -> None:
        self._session.close()

    # ------------------------------------------------------------------ Graph calls

    def _find_group(self, address: str, deadline: Deadline) -> dict[str, Any] | None:
        quoted = address.replace("'", "''")
        params = {
            "$filter": f"mail eq '{quoted}' or proxyAddresses/any(p:p eq 'smtp:{quoted}')",
            "$select": "id,displayName,mail,groupTypes,mailEnabled,securityEnabled",
            "$count": "true",
            "$top": "5",
        }
        body = self._get_json(f"{self.graph_base_url}/groups", params, deadline, eventual=True)
        groups = [g for g in body.get("value") or [] if isinstance(g, dict) and g.get("id")]
        if not groups:
            return None
        exact = [g for g in groups if (g.get("mail") or "").lower() == address]
        return (exact or groups)[0]

    def _count_members(self, group_id: str, deadline: Deadline) -> int:
        response = self._get(f"{self.graph_base_url}/groups/{group_id}/transitiveMembers/$count",
                             None, deadline, eventual=True)
        text = response.content.decode("utf-8-sig", errors="replace").strip()
        try:
            return int(text)
        except ValueError:
            raise _GraphFailure("Microsoft Graph sent a member count that is not a number") from None

    def _list_members(self, group_id: str, internal_domains: frozenset[str],
                      deadline: Deadline) -> tuple[int, int | None]:
        url: str | None = f"{self.graph_base_url}/groups/{group_id}/transitiveMembers"
        params: dict[str, str] | None = {"$select": "id,mail,userPrincipalName", "$top": str(self.page_size)}
        seen: set[str] = set()
        external = 0
        while url:
            body = self._get_json(url, params, deadline)
            for member in body.get("value") or []:
                if not isinstance(member, dict) or member.get("@odata.type") in _NOT_READERS:
                    continue
                key = member.get("id") or member.get("mail") or member.get("userPrincipalName")
                if not key or key in seen:
                    continue
                seen.add(key)
                if is_external(member.get("mail") or member.get("userPrincipalName"), internal_domains):
                    external += 1
            url, params = body.get("@odata.nextLink"), None
            if url and not url.startswith(self._graph_origin + "/"):
                raise _GraphFailure("Microsoft Graph sent a next-page link to another host; not following it")
        return len(seen), (external if internal_domains else None)

    def _get_json(self, url: str, params: dict[str, str] | None, deadline: Deadline,
                  eventual: bool = False) -> dict[str, Any]:
        response = self._get(url, params, deadline, eventual=eventual)
        try:
            body = response.json()
        except ValueError:
            raise _GraphFailure("Microsoft Graph sent an answer that is not JSON") from None
        if not isinstance(body, dict):
            raise _GraphFailure("Microsoft Graph sent an unexpected answer")
        return body

    def _get(self, url: str, params: dict[str, str] | None, deadline: Deadline, *,
             eventual: bool = False) -> requests.Response:
        attempt = 0
        signed_in_again = False
        while True:
            if deadline.expired():
                raise _GraphFailure(f"Microsoft Graph did not finish within {deadline.seconds:g} s")
            headers = {"Authorization": f"Bearer {self._token()}"}
            if eventual:
                headers["ConsistencyLevel"] = "eventual"
            timeout = deadline.timeout(self.timeout_seconds)
            try:
                response = self._session.get(url, params=params, headers=headers, timeout=timeout)
            except requests.Timeout:
                raise _GraphFailure(f"Microsoft Graph did not answer within {timeout:.3g} s") from None
            except requests.ConnectionError:
                raise _GraphFailure("could not connect to Microsoft Graph") from None
            status = response.status_code
            if status == 200:
                return response
            if status == 401 and not signed_in_again:
                signed_in_again = True      # the token may have been revoked: sign in afresh once
                self._forget_token()
                continue
            if status in (429, 503, 504):
                wait = _retry_after(response, attempt)
                if attempt >= self.max_retries or wait > deadline.remaining():
                    what = "is throttling requests" if status == 429 else f"is busy (HTTP {status})"
                    raise _GraphFailure(f"Microsoft Graph {what} and asked to wait {wait:g} s; "
                                        f"gave up after {attempt + 1} tries")
                log.info("directory backend %s: HTTP %d, retrying in %g s", self.name, status, wait)
                self._sleep(wait)
                attempt += 1
                continue
            raise _GraphFailure(_graph_error(response))

    # ------------------------------------------------------------------ sign-in

    def _application(self) -> Any:
        with self._app_lock:
            if self._app is None:
                import msal

                try:
                    self._app = msal.ConfidentialClientApplication(
                        self.client_id, client_credential=self._credential, authority=self.authority,
                        http_client=self._http_client,
                        timeout=None if self._http_client is not None else self.timeout_seconds,
                        token_cache=self._token_cache,
                    )
                except requests.RequestException as exc:
                    raise _GraphFailure("could not reach the Microsoft sign-in service "
                                        f"({type(exc).__name__})") from None
                except ValueError as exc:
                    raise _GraphFailure("Microsoft sign-in is not set up right for tenant "
                                        f"{self.tenant_id}: {_first_line(str(exc))}") from None
            return self._app

    def _token(self) -> str:
        from msal.exceptions import MsalError

        app = self._application()
        try:
            result = app.acquire_token_for_client(scopes=[self.scope])
        except requests.RequestException as exc:
            raise _GraphFailure("could not reach the Microsoft sign-in service "
                                f"({type(exc).__name__})") from None
        except MsalError as exc:
            raise _GraphFailure(f"Microsoft sign-in failed ({_first_line(str(exc))})") from None
        if result and result.get("access_token"):
            return result["access_token"]
        raise _GraphFailure(_sign_in_error(result or {}))

    def _forget_token(self) -> None:
        app = self._application()
        try:
            app.remove_tokens_for_client()
        except Exception:  # older msal: start from an empty cache instead
            with self._app_lock:
                self._app = None


def _graph_session() -> requests.Session:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["Accept"] = "application/json"
    return session


def _retry_after(response: requests.Response, attempt: int) -> float:
    """Seconds from Retry-After (a number or an HTTP date); exponential back-off without one."""
    value = (response.headers.get("Retry-After") or "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return float(min(2 ** attempt, 30))


def _graph_error(response: requests.Response) -> str:
    code, message = "", ""
    try:
        error = response.json().get("error") or {}
        code, message = str(error.get("code") or ""), _first_line(str(error.get("message") or ""))
    except (ValueError, AttributeError):
        pass
    detail = f"HTTP {response.status_code}" + (f" {code}" if code else "")
    detail += f": {message}" if message else ""
    if response.status_code in (401, 403):
        return f"Microsoft Graph refused access ({detail}); {PERMISSION_HINT}"
    if response.status_code == 404:
        return f"Microsoft Graph could not find the group ({detail})"
    return f"Microsoft Graph answered {detail}"


_SIGN_IN_HINTS = {
    "invalid_client": "check the client secret or certificate",
    "unauthorized_client": "check client_id and tenant_id",
    "invalid_request": "check tenant_id and client_id",
    "invalid_scope": "check the scope setting",
}


def _sign_in_error(result: dict[str, Any]) -> str:
    error = str(result.get("error") or "no token")
    description = _first_line(str(result.get("error_description") or ""))
    text = f"Microsoft sign-in failed ({error}" + (f": {description}" if description else "") + ")"
    hint = _SIGN_IN_HINTS.get(error)
    return f"{text}; {hint}" if hint else text


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    for marker in (" Trace ID:", " Correlation ID:"):
        line = line.split(marker, 1)[0]
    return line[:300].strip()


# ---------------------------------------------------------------------- configuration

def from_config(reader: ConfigReader, base_dir: Path | None) -> GraphBackend:
    from .config import secret_from_env

    reader.allow_only(
        {"type", "name", "tenant_id", "client_id", "client_secret_env", "certificate_path",
         "certificate_password_env", "authority_host", "graph_base_url", "scope", "domains",
         "timeout_seconds", "lookup_budget_seconds", "max_retries", "max_members_to_list"},
        hints={"client_secret": "do not put the secret in the policy; set an environment variable "
                                "and name it in client_secret_env",
               "certificate_password": "name an environment variable in certificate_password_env"},
    )
    tenant_id = reader.text("tenant_id", required=True)
    client_id = reader.text("client_id", required=True)
    secret_env = reader.text("client_secret_env")
    certificate = reader.text("certificate_path")
    if (secret_env is None) == (certificate is None):
        raise reader.error("client_secret_env", "give exactly one of client_secret_env (the name of an "
                           "environment variable holding the secret) or certificate_path")
    if secret_env is not None:
        credential: str | dict[str, Any] = secret_from_env(reader, "client_secret_env")
    else:
        password = (secret_from_env(reader, "certificate_password_env")
                    if reader.text("certificate_password_env") else None)
        credential = certificate_credential(reader, certificate or "", password, base_dir)
    return GraphBackend(
        name=reader.text("name", default="graph") or "graph",
        tenant_id=tenant_id or "", client_id=client_id or "", client_credential=credential,
        authority_host=reader.url("authority_host", DEFAULT_AUTHORITY_HOST),
        graph_base_url=reader.url("graph_base_url", DEFAULT_GRAPH_URL),
        scope=reader.text("scope"),
        domains=reader.domains(),
        timeout_seconds=reader.number("timeout_seconds", 5.0, above=True, maximum=120),
        lookup_budget_seconds=reader.number("lookup_budget_seconds", 20.0, above=True, maximum=600),
        max_retries=int(reader.number("max_retries", 3, maximum=10, whole=True)),
        max_members_to_list=int(reader.number("max_members_to_list", 50_000, whole=True)),
    )


def certificate_credential(reader: ConfigReader, path: str, password: str | None,
                           base_dir: Path | None) -> dict[str, Any]:
    """msal's client_credential for a certificate: a .pfx/.p12 file, or a PEM
    file holding the private key and the certificate."""
    full = Path(path).expanduser()
    if not full.is_absolute() and base_dir is not None:
        full = Path(base_dir) / full
    if not full.is_file():
        raise reader.error("certificate_path", f"{full} is not a readable file")
    if full.suffix.lower() in (".pfx", ".p12"):
        credential: dict[str, Any] = {"private_key_pfx_path": str(full)}
    else:
        text = full.read_text(encoding="ascii", errors="replace")
        key = _pem_block(text, "PRIVATE KEY")
        certificate = _pem_block(text, "CERTIFICATE")
        if key is None or certificate is None:
            raise reader.error("certificate_path", f"{full.name} must hold the private key and the "
                               "certificate in PEM form (or use a .pfx file)")
        credential = {"private_key": key, "public_certificate": certificate}
    if password:
        credential["passphrase"] = password
    return credential


def _pem_block(text: str, label: str) -> str | None:
    """The first PEM block whose label ends with `label` (PRIVATE KEY also
    matches RSA/EC/ENCRYPTED PRIVATE KEY)."""
    import re

    match = re.search(r"-----BEGIN ([A-Z ]*" + label + r")-----.*?-----END \1-----", text, re.S)
    return match.group(0) if match else None
