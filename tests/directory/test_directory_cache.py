"""The caches: in-process TTL, and Redis (the real server on 127.0.0.1:6379)
shared by every worker, falling back to the process when Redis is away."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from safesend.directory import Directory, GroupInfo, MemoryCache, RedisCache
from safesend.directory.static import StaticBackend

REDIS_URL = os.environ.get("SAFESEND_TEST_REDIS", "redis://127.0.0.1:6379/0")
DISTRICT = frozenset({"district.org"})


def test_memory_cache_expires_entries(clock):
    cache = MemoryCache(clock=clock)
    cache.set("a", {"n": 1}, 10)

    assert cache.get("a") == {"n": 1}
    clock.advance(10)
    assert cache.get("a") is None


def test_memory_cache_drops_the_least_recently_used_when_full():
    cache = MemoryCache(max_entries=2)
    cache.set("a", {"n": 1}, 60)
    cache.set("b", {"n": 2}, 60)
    cache.get("a")
    cache.set("c", {"n": 3}, 60)

    assert set(cache.get_many(["a", "b", "c"])) == {"a", "c"}


@pytest.fixture
def redis_cache():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable ({type(exc).__name__}); "
                    "start it with redis-server to run the shared-cache tests")
    prefix = f"safesend-test:{uuid.uuid4().hex[:12]}:"
    yield RedisCache(REDIS_URL, prefix=prefix)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


def test_redis_cache_stores_json_with_a_ttl(redis_cache):
    redis_cache.set("k", {"info": {"address": "a@district.org"}, "fresh_until": 1.5}, 0.4)

    assert redis_cache.get_many(["k", "missing"]) == {"k": {"info": {"address": "a@district.org"},
                                                            "fresh_until": 1.5}}
    raw = redis_cache.client.get(redis_cache.prefix + "k")
    assert raw.startswith(b"{")
    ttl = redis_cache.client.pttl(redis_cache.prefix + "k")
    assert 0 < ttl <= 400
    time.sleep(0.5)
    assert redis_cache.get_many(["k"]) == {}


def test_two_workers_share_answers_through_redis(redis_cache):
    looked_up = []

    class Counting(StaticBackend):
        def lookup(self, address, internal_domains):
            looked_up.append(address)
            return super().lookup(address, internal_domains)

    lists = {"all-parents@district.org": {"members": 2000, "external": 1850}}
    worker_one = Directory([Counting(lists=lists)], RedisCache(REDIS_URL, prefix=redis_cache.prefix))
    worker_two = Directory([Counting(lists=lists)], RedisCache(REDIS_URL, prefix=redis_cache.prefix))
    try:
        first = worker_one.resolve(["all-parents@district.org"], DISTRICT, 2.0)
        second = worker_two.resolve(["all-parents@district.org"], DISTRICT, 2.0)
    finally:
        worker_one.close()
        worker_two.close()

    assert first == second
    assert second["all-parents@district.org"] == GroupInfo("all-parents@district.org", True, 2000, 1850,
                                                           "static")
    assert looked_up == ["all-parents@district.org"]


def test_a_garbled_redis_value_is_ignored(redis_cache):
    redis_cache.client.set(redis_cache.prefix + "k", b"not json", px=5000)

    assert redis_cache.get_many(["k"]) == {}


def test_unreachable_redis_falls_back_to_the_process_with_one_warning(caplog):
    cache = RedisCache("redis://127.0.0.1:1/0", socket_timeout=0.2, retry_seconds=30)

    cache.set("k", {"n": 1}, 60)
    started = time.monotonic()
    for _ in range(20):
        assert cache.get_many(["k"]) == {"k": {"n": 1}}
    assert time.monotonic() - started < 0.2, "Redis was tried again on every call"

    warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert not cache.available


def test_a_directory_keeps_answering_when_redis_is_down():
    directory = Directory([StaticBackend(lists={"staff@district.org": 40})],
                          RedisCache("redis://127.0.0.1:1/0", socket_timeout=0.2))
    try:
        result = directory.resolve(["staff@district.org"], DISTRICT, 2.0)
        again = directory.resolve(["staff@district.org"], DISTRICT, 2.0)
    finally:
        directory.close()

    assert result["staff@district.org"].member_count == 40
    assert again == result
