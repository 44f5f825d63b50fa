"""What the directory costs a check: resolve() answered from the in-process
cache and from Redis, for a message with 30 and 500 recipients (a few of them
lists), and the wall time of a cold lookup under the budget.

    .venv/bin/python bench/bench_directory.py [--runs 2000] [--redis redis://127.0.0.1:6379/0]

Prints numbers; asserts nothing. Redis is skipped (with a note) when unreachable.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from safesend.directory import Directory, GroupInfo, MemoryCache, RedisCache
from safesend.directory.static import StaticBackend

DISTRICT = frozenset({"district.org"})
LISTS = {f"list{n}@district.org": {"members": 100 + n, "external": n} for n in range(20)}


class SlowDirectory:
    """A directory that takes `delay` seconds per answer (stands in for a cold Graph)."""

    name = "slow"

    def __init__(self, delay: float):
        self.delay = delay

    def lookup(self, address: str, internal_domains: frozenset[str]) -> GroupInfo | None:
        time.sleep(self.delay)
        return GroupInfo(address, True, 2000, 1850, self.name) if address.startswith("list") else None


def recipients(count: int) -> list[str]:
    lists = [f"list{n}@district.org" for n in range(min(5, count))]
    people = [f"parent{n}@gmail.com" for n in range(count // 2)]
    staff = [f"teacher{n}@district.org" for n in range(count - len(lists) - len(people))]
    return lists + people + staff


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_warm(label: str, directory: Directory, count: int, runs: int) -> None:
    addresses = recipients(count)
    directory.resolve(addresses, DISTRICT, budget_seconds=5.0)      # warm the cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        directory.resolve(addresses, DISTRICT)
        samples.append((time.perf_counter() - started) * 1000)
    print(f"{label:<28} {count:>4} recipients  median {statistics.median(samples):7.3f} ms  "
          f"p95 {percentile(samples, 0.95):7.3f} ms  p99 {percentile(samples, 0.99):7.3f} ms")


def bench_cold(delay: float, budget: float) -> None:
    directory = Directory([SlowDirectory(delay)], budget_seconds=budget)
    addresses = recipients(30)
    started = time.perf_counter()
    result = directory.resolve(addresses, DISTRICT)
    elapsed = time.perf_counter() - started
    unknown = sum(1 for info in result.values() if info.member_count is None and info.is_group)
    print(f"cold, backend {delay:g} s, budget {budget:g} s: resolve took {elapsed * 1000:.0f} ms, "
          f"{unknown} of {len(addresses)} addresses 'size unknown'")
    directory.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    memory = Directory([StaticBackend(lists=LISTS)], MemoryCache())
    for count in (30, 500):
        bench_warm("memory cache", memory, count, args.runs)
    memory.close()

    redis_cache = RedisCache(args.redis, prefix=f"safesend-bench:{uuid.uuid4().hex[:8]}:")
    try:
        redis_cache.client.ping()
    except Exception as exc:
        print(f"redis: skipped ({type(exc).__name__} at {args.redis})")
    else:
        shared = Directory([StaticBackend(lists=LISTS)], redis_cache)
        for count in (30, 500):
            bench_warm("redis cache", shared, count, max(200, args.runs // 5))
        shared.close()
        for key in redis_cache.client.scan_iter(match=redis_cache.prefix + "*"):
            redis_cache.client.delete(key)

    bench_cold(delay=0.05, budget=0.5)
    bench_cold(delay=2.0, budget=0.5)


if __name__ == "__main__":
    main()
