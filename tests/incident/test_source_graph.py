"""Microsoft Graph sent items, at the library seams: msal's `http_client` for
sign-in, and a local HTTP responder answering the documented Graph requests
(sent-items pages with @odata.nextLink, `$value` MIME, 429 + Retry-After)."""

from __future__ import annotations

import json
import operator
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from directory.directory_fakes import Recorded, Reply
from directory.test_directory_graph import CLIENT, TENANT, SignIn
from incident import sent_mail
from incident.conftest import expected_refs

from safesend.cli import main
from safesend.incident import jobs
from safesend.incident.exposure import find_exposure
from safesend.incident.sources import JobPlan, SourceError, Window, build_source
from safesend.store.db import transaction

MAILBOX = sent_mail.STAFF[0]


class GraphMail:
    """Microsoft Graph v1.0 as far as reading a mailbox's sent items goes: pages
    ordered by sentDateTime (either way), `$filter` on sentDateTime (ge, gt, le,
    lt, joined by `and`), `$count=true` (@odata.count), `$top`/`$skip` paging."""

    def __init__(self, sign_in: SignIn, messages: list[bytes]):
        self.sign_in = sign_in
        self.items = [(f"AAMkAG{n:06d}=", raw) for n, raw in enumerate(messages)]
        # Sent 37 minutes apart from 1 Sep 2026 08:00 UTC, whole seconds as Graph gives them.
        self.sent = {key: START + timedelta(minutes=37 * n) for n, (key, _) in enumerate(self.items)}
        self.base = ""
        self.faults: list[tuple[str, Reply]] = []
        self.value_gets = 0
        self.fetched: Counter[str] = Counter()
        self.filters: list[str] = []

    def __call__(self, request: Recorded) -> Reply:
        if request.headers.get("Authorization") != f"Bearer {self.sign_in.last_token}":
            return Reply(401, {"error": {"code": "InvalidAuthenticationToken", "message": "expired"}})
        for n, (part, reply) in enumerate(self.faults):
            if part in request.path:
                del self.faults[n]
                return reply
        user = re.fullmatch(r"/v1\.0/users/([^/]+)/(.*)", request.path)
        if not user:
            return Reply(404, {"error": {"code": "ResourceNotFound", "message": "Resource not found"}})
        if user.group(1) != MAILBOX:
            return Reply(403, {"error": {"code": "ErrorAccessDenied",
                                         "message": "Access to OData is disabled: [RAOP] : Blocked by tenant "
                                                    "configured AppOnly AccessPolicy settings."}})
        rest = user.group(2)
        if rest == "mailFolders/sentitems/messages":
            top = int(request.param("$top") or 10)
            start = int(request.param("$skip") or 0)
            where = request.param("$filter") or ""
            self.filters.append(where)
            keys = [key for key, _ in self.items if _matches(self.sent[key], where)]
            keys.sort(key=self.sent.__getitem__, reverse=(request.param("$orderby") or "").endswith(" desc"))
            chunk = keys[start:start + top]
            body: dict = {"value": [{"id": i, "sentDateTime": f"{self.sent[i]:%Y-%m-%dT%H:%M:%SZ}"}
                                    for i in chunk]}
            if request.param("$count") == "true":
                body["@odata.count"] = len(keys)
            if start + top < len(keys):
                link = {k: v[0] for k, v in request.query.items() if k not in ("$skip", "$count")}
                body["@odata.nextLink"] = (f"{self.base}/v1.0/users/{MAILBOX}/mailFolders/sentitems/messages?"
                                           f"{urlencode({**link, '$skip': start + top})}")
            return Reply(200, body)
        value = re.fullmatch(r"messages/([^/]+)/\$value", rest)
        if value:
            self.value_gets += 1
            key = value.group(1).replace("%3D", "=")
            found = dict(self.items).get(key)
            if found is not None:
                self.fetched[key] += 1
                return Reply(200, found, {"Content-Type": "text/plain"})
        return Reply(404, {"error": {"code": "ErrorItemNotFound", "message": "The item was not found."}})


START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
_COMPARE = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}


def _matches(sent: datetime, where: str) -> bool:
    for field, op, value in re.findall(r"(\w+) (ge|gt|le|lt) (\S+)", where):
        assert field == "sentDateTime", where
        if not _COMPARE[op](sent, datetime.fromisoformat(value.replace("Z", "+00:00"))):
            return False
    return True


@pytest.fixture
def graph_mail(responder, mail):
    sign_in = SignIn()
    fake = GraphMail(sign_in, mail.messages)
    server = responder(fake)
    fake.base = server.url
    return fake


@pytest.fixture
def graph_policy(scan_env, graph_mail, monkeypatch):
    """The test policy with a Graph directory backend (its sign-in is the scan's)."""
    _, services = scan_env
    from safesend.policy import parse_policy
    from safesend.store.policies import save_policy

    monkeypatch.setenv("SAFESEND_GRAPH_SECRET", "s3cr3t-value")
    policy = json.loads(json.dumps(sent_mail.POLICY))
    policy["directory"]["backends"].append({
        "type": "graph", "tenant_id": TENANT, "client_id": CLIENT,
        "client_secret_env": "SAFESEND_GRAPH_SECRET",
        "graph_base_url": f"{graph_mail.base}/v1.0", "domains": ["nobody.example"]})
    with transaction(services.sessions) as session:
        save_policy(session, "default", parse_policy(policy), author="test")
    waits: list[float] = []
    jobs.set_source_seams("graph", http_client=graph_mail.sign_in, sleep=waits.append, page_size=100)
    yield waits
    jobs.clear_source_seams()


def test_a_graph_scan_finds_the_seed_like_message_with_exactly_its_students(
        scan_env, graph_policy, graph_mail, mail):
    _, services = scan_env
    graph_mail.faults.append(("sentitems", Reply(429, {"error": {"code": "TooManyRequests", "message": "x"}},
                                                 {"Retry-After": "7"})))
    result = CliRunner().invoke(main, ["incident", "scan", "--source", "graph", "--mailbox", MAILBOX,
                                       "--json"])
    *flagged, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert summary == {"scanned": 521, "flagged": 1, "failed": 0}, result.stderr
    assert flagged[0]["message_id"] == mail.seed_message_id
    assert graph_policy == [7.0]                 # Retry-After was honoured
    assert graph_mail.value_gets == 521
    with transaction(services.sessions) as session:
        exposure = find_exposure(session, "default", flagged[0]["incident"])
    assert set(exposure.roster_refs) == expected_refs(services, mail.exposed_ids)


def test_a_mailbox_outside_the_access_policy_fails_and_is_reported(scan_env, graph_policy):
    result = CliRunner().invoke(main, ["incident", "scan", "--source", "graph", "--mailbox",
                                       "principal@district.example.org", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout.splitlines()[-1]) == {"scanned": 0, "flagged": 0, "failed": 1}
    assert "principal@district.example.org: FAILED" in result.stderr and "Mail.Read" in result.stderr


def test_paging_resumes_from_the_checkpoint(scan_env, graph_policy, graph_mail, mail):
    _, services = scan_env
    source = jobs.open_source(services, "default", "graph", "", _policy(services), page_size=100)
    try:
        first = list(zip(range(130), source.messages(JobPlan(MAILBOX), None, Window()), strict=False))
        checkpoint = first[-1][1].position
        rest = list(source.messages(JobPlan(MAILBOX), checkpoint, Window()))
    finally:
        source.close()
    keys = [m.key for _, m in first] + [m.key for m in rest]
    assert keys == [key for key, _ in graph_mail.items]      # each message once, in order


def test_no_graph_backend_in_the_policy_is_a_clear_error():
    with pytest.raises(SourceError, match="directory backend of type graph"):
        build_source("graph", config={})


def _policy(services):
    with transaction(services.sessions) as session:
        return services.policy_for(session, "default")


def test_a_large_mailbox_is_cut_into_date_slices_each_message_read_once(
        scan_env, graph_policy, graph_mail, mail, monkeypatch):
    """521 messages, at most 100 a slice: each slice its own job, counted with $count;
    the message sent exactly on the first cut is read once, by the newer slice."""
    _, services = scan_env
    monkeypatch.setenv("SAFESEND_SCAN_SLICE_MESSAGES", "100")
    # The first $value read fails once: the job that has just cut its dates is tried again
    # from the same (narrower) dates, without cutting them again.
    failure = {"error": {"code": "InternalServerError", "message": "x"}}
    graph_mail.faults.append(("$value", Reply(500, failure)))
    result = CliRunner().invoke(main, ["incident", "scan", "--source", "graph", "--mailbox", MAILBOX,
                                       "--json"])
    *flagged, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert summary == {"scanned": 521, "flagged": 1, "failed": 0}, result.stderr
    assert [f["message_id"] for f in flagged] == [mail.seed_message_id]
    assert set(graph_mail.fetched) == {key for key, _ in graph_mail.items}
    assert max(graph_mail.fetched.values()) == 1                 # no message read twice
    slices = sorted(_jobs(services), key=lambda j: j.bounds["after"] or "")
    assert len(slices) >= 6 and all(j.status == "done" for j in slices)
    assert len({j.slice_no for j in slices}) == len(slices)
    assert all(j.scanned == j.expected <= 100 for j in slices)
    # Slices tile the dates: the oldest opens, the newest is open-ended, each starts where the last ends.
    assert slices[0].bounds["after"] is None and slices[-1].bounds["before"] is None
    assert all(a.bounds["before"] == b.bounds["after"] for a, b in zip(slices, slices[1:], strict=False))
    on_cut = START + timedelta(minutes=37 * 260)     # the middle second of the mailbox's first and last
    newer = next(j for j in slices if j.bounds["after"] == on_cut.isoformat())
    older = next(j for j in slices if j.bounds["before"] == on_cut.isoformat())
    assert f"sentDateTime ge {on_cut:%Y-%m-%dT%H:%M:%SZ}" in " ".join(graph_mail.filters)
    assert newer.scanned >= 1 and older.scanned >= 1
    assert "1/1 mailboxes" in result.stderr and "slices" in result.stderr


def test_a_slice_resumes_from_its_checkpoint(scan_env, graph_policy, graph_mail):
    _, services = scan_env
    from safesend.incident.sources.slices import halve

    source = jobs.open_source(services, "default", "graph", "", _policy(services), page_size=20)
    try:
        older, given = halve(source, JobPlan(MAILBOX), Window(), 300)
        (newer,) = given
        first = list(zip(range(45), source.messages(newer, None, Window()), strict=False))
        rest = list(source.messages(newer, first[-1][1].position, Window()))
        whole_older = list(source.messages(older, None, Window()))
    finally:
        source.close()
    cut = datetime.fromisoformat(newer.bounds["after"])
    keys = [m.key for _, m in first] + [m.key for m in rest]
    assert keys == [key for key, sent in graph_mail.sent.items() if sent >= cut]
    assert len(keys) == newer.expected and len(whole_older) == older.expected == 521 - newer.expected
    assert all(m.sent_at < cut for m in whole_older)


def _jobs(services):
    from sqlalchemy import select

    from safesend.store.scans import ScanJob

    with transaction(services.sessions) as session:
        return list(session.scalars(select(ScanJob)))


REDIS_URL = "redis://127.0.0.1:6379/11"     # database 11: the slicing tests' own


@pytest.fixture
def redis_queue_11(monkeypatch):
    import uuid

    import redis
    from incident.conftest import skip_or_fail

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {REDIS_URL} is not reachable ({type(exc).__name__}); start redis-server")
    name = f"safesendslices{uuid.uuid4().hex[:10]}"     # Huey drops hyphens from its key names
    monkeypatch.setenv("SAFESEND_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("SAFESEND_QUEUE_NAME", name)
    yield name
    # The queue's keys, and the directory cache the worker's services kept on this database.
    for pattern in (f"huey.*{name}*", "safesend:*"):
        for key in client.scan_iter(match=pattern):
            client.delete(key)
    client.close()


def test_a_worker_enqueues_the_slices_it_gives_away(scan_env, graph_policy, graph_mail, mail, monkeypatch,
                                                    redis_queue_11):
    """On the queue (Huey on Redis, a worker thread): the mailbox's one job cuts its dates and
    enqueues the newer slices, which the worker then runs; nothing is left for the command."""
    import time

    from safesend.config import load_settings
    from safesend.incident import queue
    from safesend.incident.progress import load_progress

    _, services = scan_env
    monkeypatch.setenv("SAFESEND_SCAN_SLICE_MESSAGES", "120")
    services.settings = load_settings()            # the queue on Redis, as `safesend worker` reads it
    worker = queue.EmbeddedWorker(services).start()
    try:
        scan = jobs.create_scan(services, "default", jobs.ScanRequest(source="graph", mailboxes=(MAILBOX,)))
        with transaction(services.sessions) as session:
            (root,) = jobs.job_ids(session, scan.id)
        queue.enqueue([root], services.settings)
        end = time.monotonic() + 180
        while time.monotonic() < end:
            with transaction(services.sessions) as session:
                progress = load_progress(session, "default", scan.id)
                if progress.finished:
                    break
            time.sleep(0.2)
    finally:
        worker.stop()
    assert progress.finished and progress.scanned == 521 and progress.flagged == 1 and progress.failed == 0
    assert len(progress.jobs) >= 5 and all(j.status == "done" and j.owner == "" for j in progress.jobs)
    assert max(graph_mail.fetched.values()) == 1 and len(graph_mail.fetched) == 521
    (mailbox,) = progress.mailboxes()
    assert mailbox["jobs"] == len(progress.jobs) and mailbox["scanned"] == mailbox["expected"] == 521
