"""The Directory on the send path: cache first, cold lookups within a budget,
negative and error caching, stale answers while refreshing, status, test."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from safesend.directory import NOT_IN_TIME, Directory, GroupInfo, MemoryCache
from safesend.directory.static import StaticBackend

DISTRICT = frozenset({"district.org"})


class ScriptedBackend:
    """A directory that answers from a dict, optionally slowly; counts its lookups."""

    kind = "scripted"

    def __init__(self, name: str = "scripted", groups: dict | None = None, *, delay: float = 0.0,
                 gate: threading.Event | None = None, error: str | None = None, raises: bool = False,
                 domains: frozenset[str] | None = None):
        self.name = name
        self.groups = dict(groups or {})
        self.delay = delay
        self.gate = gate
        self.error = error
        self.raises = raises
        self.domains = domains
        self.calls: list[str] = []
        self.release = threading.Event()

    def covers(self, address, internal_domains):
        if self.domains is None:
            return True
        return address.rpartition("@")[2] in self.domains

    def lookup(self, address, internal_domains):
        self.calls.append(address)
        if self.delay:
            self.release.wait(self.delay)
        if self.gate is not None:
            self.gate.wait(10)
        if self.raises:
            raise RuntimeError("boom")
        if self.error:
            return GroupInfo(address, False, None, None, self.name, self.error)
        if address not in self.groups:
            return None
        members, external = self.groups[address]
        return GroupInfo(address, True, members, external, self.name)


@pytest.fixture
def directories():
    made: list[Directory] = []
    backends: list[ScriptedBackend] = []

    def make(*backend_list, **kwargs) -> Directory:
        directory = Directory(list(backend_list), kwargs.pop("cache", None), **kwargs)
        made.append(directory)
        backends.extend(b for b in backend_list if isinstance(b, ScriptedBackend))
        return directory

    yield make
    for backend in backends:
        backend.release.set()
        if backend.gate is not None:
            backend.gate.set()
    for directory in made:
        directory.close()


# ---------------------------------------------------------------------- acceptance


def test_a_list_of_two_thousand_resolves_to_2000_and_reports_external_members(directories):
    static = StaticBackend(lists={
        "all-parents@district.org": {"members": 2000, "external": 1850},
        "staff@district.org": {"members": 312, "external": 0},
    })
    directory = directories(static)

    result = directory.resolve(["all-parents@district.org", "staff@district.org", "pat@gmail.com"],
                               DISTRICT, budget_seconds=0.5)

    parents = result["all-parents@district.org"]
    assert parents == GroupInfo("all-parents@district.org", True, 2000, 1850, "static")
    assert result["staff@district.org"].external_count == 0
    assert result["pat@gmail.com"].is_group is False


def test_a_ten_second_directory_costs_the_budget_and_says_the_size_is_unknown(directories):
    slow = ScriptedBackend(groups={"all-parents@district.org": (2000, 1850)}, delay=10.0)
    directory = directories(slow)

    started = time.monotonic()
    result = directory.resolve(["all-parents@district.org"], DISTRICT, budget_seconds=0.5)
    elapsed = time.monotonic() - started

    info = result["all-parents@district.org"]
    assert elapsed < 1.5, f"resolve took {elapsed:.2f} s with a 0.5 s budget"
    assert info.member_count is None
    assert info.is_group is True            # it may be a list, and its size is unknown
    assert info.error == NOT_IN_TIME
    assert slow.calls == ["all-parents@district.org"]
    # The lookup goes on in the background; the fixture releases it at teardown
    # (not waited for here: the point is that the check did not wait).


def test_after_the_background_lookup_completes_the_answer_comes_from_the_cache(directories):
    slow = ScriptedBackend(groups={"all-parents@district.org": (2000, 1850)}, delay=0.3)
    directory = directories(slow)

    first = directory.resolve(["all-parents@district.org"], DISTRICT, budget_seconds=0.05)
    assert first["all-parents@district.org"].member_count is None
    assert directory.wait_idle(5)

    started = time.monotonic()
    second = directory.resolve(["all-parents@district.org"], DISTRICT, budget_seconds=0.05)
    assert time.monotonic() - started < 0.05
    assert second["all-parents@district.org"] == GroupInfo("all-parents@district.org", True, 2000, 1850,
                                                          "scripted")
    assert slow.calls == ["all-parents@district.org"]       # served from the cache


def test_a_slow_lookup_still_running_does_not_hold_up_interpreter_exit(tmp_path):
    script = textwrap.dedent("""
        import threading, time
        from safesend.directory import Directory, GroupInfo

        class Slow:
            name = "slow"
            def lookup(self, address, internal_domains):
                time.sleep(10)
                return GroupInfo(address, True, 5, 0, "slow")

        directory = Directory([Slow()], budget_seconds=0.1)
        result = directory.resolve(["list@district.org"], frozenset({"district.org"}))
        assert result["list@district.org"].member_count is None
        print("resolved")
    """)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "resolved" in done.stdout
    assert time.monotonic() - started < 8, "the interpreter waited for the background lookup"


# ---------------------------------------------------------------------- answers


def test_addresses_are_matched_case_insensitively_and_keyed_as_given(directories):
    directory = directories(ScriptedBackend(groups={"all-parents@district.org": (20, 2)}))

    result = directory.resolve(["All-Parents@District.org", "all-parents@district.org"], DISTRICT, 1.0)

    assert set(result) == {"All-Parents@District.org", "all-parents@district.org"}
    assert result["All-Parents@District.org"].member_count == 20


def test_an_address_no_backend_can_know_is_answered_at_once_without_a_lookup(directories):
    slow = ScriptedBackend(groups={}, delay=10.0, domains=frozenset({"district.org"}))
    directory = directories(slow)

    started = time.monotonic()
    result = directory.resolve(["parent@gmail.com"], DISTRICT, budget_seconds=2.0)

    assert time.monotonic() - started < 0.2
    assert result["parent@gmail.com"] == GroupInfo("parent@gmail.com", False, None, None, "directory")
    assert slow.calls == []


def test_the_first_complete_answer_wins_and_failures_are_recorded(directories):
    failing = ScriptedBackend("graph", error="Microsoft Graph is throttling requests")
    static = StaticBackend(lists={"staff@district.org": 40}, name="static")
    directory = directories(failing, static)

    result = directory.resolve(["staff@district.org"], DISTRICT, 2.0)

    assert result["staff@district.org"].source == "static"
    assert result["staff@district.org"].member_count == 40
    graph_status, static_status = directory.status()
    assert graph_status.last_error == "Microsoft Graph is throttling requests"
    assert graph_status.failures == 1 and graph_status.healthy is False
    assert static_status.last_success_at is not None and static_status.healthy


def test_when_every_backend_fails_the_reasons_are_joined_and_the_list_is_unknown(directories):
    first = ScriptedBackend("graph", error="Microsoft sign-in failed (invalid_client)")
    second = ScriptedBackend("ews", error="could not connect to Exchange")
    directory = directories(first, second)

    info = directory.resolve(["staff@district.org"], DISTRICT, 2.0)["staff@district.org"]

    assert info.is_group is True and info.member_count is None
    assert info.error == "Microsoft sign-in failed (invalid_client); could not connect to Exchange"


def test_a_backend_that_raises_never_reaches_the_caller(directories, caplog):
    directory = directories(ScriptedBackend("broken", raises=True))

    info = directory.resolve(["staff@district.org"], DISTRICT, 2.0)["staff@district.org"]

    assert info.error == "the broken directory failed (RuntimeError)"
    assert directory.status()[0].last_error == info.error
    assert "s***@district.org" in caplog.text and "staff@district.org" not in caplog.text


def test_concurrent_checks_share_one_lookup(directories):
    gate = threading.Event()
    backend = ScriptedBackend(groups={"all-parents@district.org": (2000, 0)}, gate=gate)
    directory = directories(backend)
    results = []

    def check():
        results.append(directory.resolve(["all-parents@district.org"], DISTRICT, budget_seconds=5.0))

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    gate.set()
    for thread in threads:
        thread.join(5)

    assert backend.calls == ["all-parents@district.org"]
    assert [r["all-parents@district.org"].member_count for r in results] == [2000] * 4


def test_many_cold_addresses_are_looked_up_side_by_side(directories):
    backend = ScriptedBackend(groups={f"list{n}@district.org": (n, 0) for n in range(6)}, delay=0.3)
    directory = directories(backend, max_workers=8)

    started = time.monotonic()
    result = directory.resolve([f"list{n}@district.org" for n in range(6)], DISTRICT, budget_seconds=3.0)

    assert time.monotonic() - started < 1.5
    assert [result[f"list{n}@district.org"].member_count for n in range(6)] == list(range(6))


# ---------------------------------------------------------------------- cache lifetimes


def test_group_answers_are_fresh_for_the_ttl_then_looked_up_again(directories, clock):
    backend = ScriptedBackend(groups={"staff@district.org": (40, 0)})
    directory = directories(backend, cache=MemoryCache(clock=clock), clock=clock, ttl_seconds=3600)

    directory.resolve(["staff@district.org"], DISTRICT, 2.0)
    clock.advance(3599)
    directory.resolve(["staff@district.org"], DISTRICT, 2.0)
    assert backend.calls == ["staff@district.org"]

    backend.groups["staff@district.org"] = (41, 0)
    clock.advance(2)
    info = directory.resolve(["staff@district.org"], DISTRICT, 2.0)["staff@district.org"]
    assert backend.calls == ["staff@district.org"] * 2
    assert info.member_count == 41


def test_not_a_group_is_cached_for_the_negative_ttl(directories, clock):
    backend = ScriptedBackend(groups={})
    directory = directories(backend, cache=MemoryCache(clock=clock), clock=clock,
                            negative_ttl_seconds=600)

    first = directory.resolve(["pat@district.org"], DISTRICT, 2.0)["pat@district.org"]
    clock.advance(599)
    directory.resolve(["pat@district.org"], DISTRICT, 2.0)
    assert first.is_group is False and first.error is None
    assert backend.calls == ["pat@district.org"]

    clock.advance(2)
    directory.resolve(["pat@district.org"], DISTRICT, 2.0)
    assert backend.calls == ["pat@district.org"] * 2


def test_a_failure_is_kept_briefly_so_a_failing_backend_is_not_asked_on_every_check(directories, clock):
    backend = ScriptedBackend(error="Microsoft Graph is throttling requests")
    directory = directories(backend, cache=MemoryCache(clock=clock), clock=clock, error_ttl_seconds=60)

    directory.resolve(["staff@district.org"], DISTRICT, 2.0)
    clock.advance(59)
    again = directory.resolve(["staff@district.org"], DISTRICT, 2.0)["staff@district.org"]
    assert again.error == "Microsoft Graph is throttling requests"
    assert len(backend.calls) == 1

    clock.advance(2)
    directory.resolve(["staff@district.org"], DISTRICT, 2.0)
    assert len(backend.calls) == 2


def test_a_stale_answer_is_given_while_a_slow_refresh_runs(directories, clock):
    backend = ScriptedBackend(groups={"all-parents@district.org": (2000, 1850)})
    directory = directories(backend, cache=MemoryCache(clock=clock), clock=clock, ttl_seconds=3600,
                            stale_seconds=86_400)
    directory.resolve(["all-parents@district.org"], DISTRICT, 2.0)

    clock.advance(3601)
    backend.gate = threading.Event()
    backend.groups["all-parents@district.org"] = (2010, 1855)
    started = time.monotonic()
    info = directory.resolve(["all-parents@district.org"], DISTRICT, 0.05)["all-parents@district.org"]

    assert time.monotonic() - started < 0.5
    assert info.member_count == 2000 and info.error is None          # the last good answer
    backend.gate.set()
    assert directory.wait_idle(5)
    refreshed = directory.resolve(["all-parents@district.org"], DISTRICT, 0.05)["all-parents@district.org"]
    assert refreshed.member_count == 2010
    assert len(backend.calls) == 2


def test_a_failed_refresh_keeps_the_last_good_answer(directories, clock):
    backend = ScriptedBackend(groups={"all-parents@district.org": (2000, 1850)})
    directory = directories(backend, cache=MemoryCache(clock=clock), clock=clock, ttl_seconds=3600,
                            error_ttl_seconds=60)
    directory.resolve(["all-parents@district.org"], DISTRICT, 2.0)

    clock.advance(3601)
    backend.error = "Microsoft Graph is throttling requests"
    info = directory.resolve(["all-parents@district.org"], DISTRICT, 2.0)["all-parents@district.org"]
    assert info.member_count == 2000 and info.error is None
    clock.advance(30)
    directory.resolve(["all-parents@district.org"], DISTRICT, 2.0)
    assert len(backend.calls) == 2              # not asked again within error_ttl_seconds
    assert directory.status()[0].last_error == "Microsoft Graph is throttling requests"


def test_answers_do_not_cross_between_different_internal_domains(directories):
    backend = ScriptedBackend(groups={"staff@district.org": (40, 0)})
    directory = directories(backend)

    directory.resolve(["staff@district.org"], DISTRICT, 2.0)
    directory.resolve(["staff@district.org"], frozenset({"district.org", "schools.district.org"}), 2.0)

    assert len(backend.calls) == 2


def test_forget_drops_a_cached_answer(directories):
    backend = ScriptedBackend(groups={"staff@district.org": (40, 0)})
    directory = directories(backend)
    directory.resolve(["staff@district.org"], DISTRICT, 2.0)

    directory.forget("Staff@district.org", DISTRICT)
    directory.resolve(["staff@district.org"], DISTRICT, 2.0)

    assert len(backend.calls) == 2


def test_a_budget_of_zero_only_reads_the_cache(directories):
    backend = ScriptedBackend(groups={"staff@district.org": (40, 0)}, delay=0.2)
    directory = directories(backend)

    started = time.monotonic()
    info = directory.resolve(["staff@district.org"], DISTRICT, budget_seconds=0)["staff@district.org"]

    assert time.monotonic() - started < 0.1
    assert info.error == NOT_IN_TIME
    assert directory.wait_idle(5)
    assert directory.resolve(["staff@district.org"], DISTRICT, 0)["staff@district.org"].member_count == 40


# ---------------------------------------------------------------------- admin


def test_test_asks_every_backend_uncached_and_times_each(directories):
    graph = ScriptedBackend("graph", groups={"staff@district.org": (40, 1)})
    static = StaticBackend(lists={"staff@district.org": 39}, name="static")
    directory = directories(graph, static)
    directory.resolve(["staff@district.org"], DISTRICT, 2.0)

    answers = directory.test("Staff@District.org", DISTRICT)

    assert [(name, info.member_count) for name, info, _ in answers] == [("graph", 40), ("static", 39)]
    assert all(seconds >= 0 for _, _, seconds in answers)
    assert graph.calls == ["staff@district.org"] * 2          # once by resolve, once by test


def test_status_starts_empty_and_serializes(directories):
    directory = directories(ScriptedBackend("graph"))

    (status,) = directory.status()

    assert status.lookups == 0 and status.last_error is None and status.healthy
    assert status.to_dict()["name"] == "graph" and status.to_dict()["last_success_at"] is None


def test_backends_need_distinct_names():
    with pytest.raises(ValueError, match="distinct names"):
        Directory([ScriptedBackend("graph"), ScriptedBackend("graph")])


def test_group_info_round_trips_through_json():
    info = GroupInfo("staff@district.org", True, 40, None, "ews", "Exchange listed only part of the list")

    assert GroupInfo.from_dict(info.to_dict()) == info
    assert info.complete is False
