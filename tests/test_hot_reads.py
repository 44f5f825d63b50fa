"""A web process reuses verified API keys and each tenant's policy/roster versions
for a moment (hot_reads.py): a change through the process itself applies at once,
one made elsewhere within `read_cache_seconds`; tenants never share an entry."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from messages import check_request, parents
from safesend.hot_reads import TtlCache
from safesend.policy import parse_policy
from safesend.store.apikeys import create_key, find_active_key, hash_key, revoke_key
from safesend.store.db import transaction
from safesend.store.models import ApiKey
from safesend.store.policies import save_policy
from safesend.store.tenants import ensure_tenant


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app):
    """The app's caches on a clock the test moves."""
    services = app.extensions["safesend"]
    fake = Clock()
    services.verified_keys.clock = fake
    services.tenant_versions.clock = fake
    return fake


@pytest.fixture
def elsewhere(make_app, app):
    """A second app on the same database: another gunicorn worker, or the CLI."""
    return make_app().extensions["safesend"]


def _key(services, role="client", tenant="default") -> str:
    with transaction(services.sessions) as session:
        ensure_tenant(session, tenant)
        return create_key(session, tenant, role).key


def _check(client, key, **extra):
    return client.post("/api/v1/checks", headers={"Authorization": f"Bearer {key}"},
                       json=check_request(to=parents(3), **extra))


def _revoke(services, key: str) -> None:
    with transaction(services.sessions) as session:
        row = find_active_key(session, key)
        assert revoke_key(session, row.tenant_id, row.id, actor="test")


def test_a_verified_key_is_kept_by_its_digest_only(app, client, clock):
    services = app.extensions["safesend"]
    key = _key(services)
    assert _check(client, key).status_code == 200
    assert services.verified_keys.get(hash_key(key)).tenant_id == "default"
    assert key not in repr(services.verified_keys._items)
    # An unknown key is refused and not kept: a flood of made-up keys fills nothing.
    assert _check(client, key[:-4] + "abcd").status_code == 401
    assert len(services.verified_keys) == 1


def test_a_key_revoked_through_this_process_is_refused_at_once(app, client, clock):
    services = app.extensions["safesend"]
    key = _key(services)
    assert _check(client, key).status_code == 200
    _revoke(services, key)
    assert _check(client, key).status_code == 401


def test_a_key_revoked_elsewhere_is_refused_within_the_cache_time(app, client, clock, elsewhere):
    services = app.extensions["safesend"]
    key = _key(services)
    assert _check(client, key).status_code == 200
    _revoke(elsewhere, key)
    clock.now += services.settings.read_cache_seconds - 0.1
    assert _check(client, key).status_code == 200  # still within the cache time
    clock.now += 0.2
    assert _check(client, key).status_code == 401
    assert _check(client, key).status_code == 401


def test_a_bulk_revocation_through_this_process_clears_the_keys(app, client, clock):
    services = app.extensions["safesend"]
    key = _key(services)
    assert _check(client, key).status_code == 200
    with transaction(services.sessions) as session:
        session.execute(update(ApiKey).values(revoked_at=ApiKey.created_at))
    assert _check(client, key).status_code == 401


def test_with_no_cache_time_a_revocation_elsewhere_applies_at_once(make_app):
    app = make_app(read_cache_seconds="0")
    services = app.extensions["safesend"]
    client = app.test_client()
    key = _key(services)
    assert _check(client, key).status_code == 200
    _revoke(make_app().extensions["safesend"], key)
    assert _check(client, key).status_code == 401


def _save_policy(services, tenant: str) -> int:
    with transaction(services.sessions) as session:
        ensure_tenant(session, tenant)
        return save_policy(session, tenant, parse_policy({}), author="test").version


def test_a_policy_saved_through_this_process_applies_at_once(app, client, clock):
    services = app.extensions["safesend"]
    key = _key(services)
    before = _check(client, key).json
    version = _save_policy(services, "default")
    after = _check(client, key).json
    assert (before["policy_version"], after["policy_version"]) == (0, version)


def test_a_policy_saved_elsewhere_applies_within_the_cache_time(app, client, clock, elsewhere):
    key = _key(app.extensions["safesend"])
    assert _check(client, key).json["policy_version"] == 0
    version = _save_policy(elsewhere, "default")
    assert _check(client, key).json["policy_version"] == 0
    clock.now += app.extensions["safesend"].settings.read_cache_seconds
    assert _check(client, key).json["policy_version"] == version


def test_tenants_never_share_a_cached_policy(app, client, clock):
    services = app.extensions["safesend"]
    mine, theirs = _key(services), _key(services, tenant="other-district")
    _save_policy(services, "other-district")
    _save_policy(services, "other-district")
    assert _check(client, mine).json["policy_version"] == 0
    assert _check(client, theirs).json["policy_version"] == 2
    assert _check(client, mine).json["policy_version"] == 0


def test_the_cache_expires_and_is_bounded():
    clock = Clock()
    cache = TtlCache(2, max_entries=3, clock=clock)
    cache.put("a", 1)
    clock.now += 1.9
    assert cache.get("a") == 1
    clock.now += 0.1
    assert cache.get("a") is None
    cache.clear()
    for name in "bcd":
        cache.put(name, name)
    assert len(cache) == 3 and cache.get("b") == "b"
    cache.put("e", "e")  # full: starts again rather than growing
    assert len(cache) == 1 and cache.get("e") == "e" and cache.get("b") is None
    off = TtlCache(0, clock=clock)
    off.put("a", 1)
    assert off.get("a") is None


def test_roster_changes_through_this_process_apply_at_once(app, client, clock, auth):
    from detect.synthetic import synthetic_roster

    roster = synthetic_roster(60, seed=5, plan_rate=0.5)
    named = [s for s in roster.students if s.flags][:6]
    body = "Reminder for the 504 team:\n" + "\n".join(
        f"{s.last.upper()}, {s.first} - accommodations review" for s in named)
    key = auth["client"]["Authorization"].split()[1]
    assert _check(client, key, body=body).json["students_matched"] == 0  # no roster yet: cached
    imported = client.put("/api/v1/roster", headers={**auth["it"], "Content-Type": "text/csv"},
                          data=roster.csv_text())
    assert imported.status_code == 200, imported.json
    assert _check(client, key, body=body).json["students_matched"] == 6
    assert client.delete("/api/v1/roster", headers=auth["it"]).status_code in (200, 204)
    assert _check(client, key, body=body).json["students_matched"] == 0
    assert client.post("/api/v1/roster/restore", headers=auth["it"]).status_code == 200
    assert _check(client, key, body=body).json["students_matched"] == 6


def test_a_roster_removed_and_another_imported_elsewhere_is_the_one_matched(app, client, clock, elsewhere,
                                                                            auth):
    """Processes keep a loaded roster by its snapshot id. On SQLite a removal then an import
    deleted every snapshot and the new one took the old one's id: this process went on
    matching the old roster. Ids are never reused now (migration 0007)."""
    from detect.synthetic import synthetic_roster

    from safesend.roster_import import import_roster_file
    from safesend.store.roster import active_roster_id, remove_roster

    first, second = synthetic_roster(40, seed=11, plan_rate=0.5), synthetic_roster(40, seed=12, plan_rate=0.5)
    only_second = [s for s in second.students if s.flags and (s.first, s.last) not in
                   {(t.first, t.last) for t in first.students}][:5]
    body = "Reminder for the 504 team:\n" + "\n".join(
        f"{s.last.upper()}, {s.first} - accommodations review" for s in only_second)
    key = auth["client"]["Authorization"].split()[1]
    assert client.put("/api/v1/roster", headers={**auth["it"], "Content-Type": "text/csv"},
                      data=first.csv_text()).status_code == 200
    assert _check(client, key, body=body).json["students_matched"] == 0   # the first roster, loaded here
    with transaction(elsewhere.sessions) as session:
        old_id = active_roster_id(session, "default")
        assert remove_roster(session, "default", actor="test")
    with transaction(elsewhere.sessions) as session:
        import_roster_file(session, "default", second.csv_text().encode(), elsewhere.roster_key, None,
                           author="test", replace=True)
        assert active_roster_id(session, "default") != old_id
    clock.now += 60  # past the cache time
    assert _check(client, key, body=body).json["students_matched"] == len(only_second) == 5
