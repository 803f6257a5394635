"""The collector policy of a server holding live sockets (entrypoints.gc_policy)."""

from __future__ import annotations

import asyncio
import gc

from entrypoints.gc_policy import LiveGc


class FakeCollector:
    """Records what the policy asks of the collector."""

    def __init__(self, frozen: int = 0) -> None:
        self.calls: list[str] = []
        self.frozen = frozen
        self.young = 0

    def freeze(self) -> None:
        self.calls.append("freeze")

    def unfreeze(self) -> None:
        self.calls.append("unfreeze")

    def collect(self, generation: int = 2) -> int:
        self.calls.append(f"collect{generation}")
        return 0

    def get_freeze_count(self) -> int:
        return self.frozen

    def get_count(self) -> tuple[int, int, int]:
        return self.young, 0, 0

    def enable(self) -> None:
        self.calls.append("enable")

    def disable(self) -> None:
        self.calls.append("disable")


def started(session_id: str) -> tuple[str, dict[str, str]]:
    return session_id, {"type": "session.started"}


def finished(session_id: str) -> tuple[str, dict[str, str]]:
    return session_id, {"type": "session.finished"}


async def test_disabled_it_leaves_the_collector_alone() -> None:
    collector = FakeCollector()
    policy = LiveGc(collector, quiet_seconds=0)

    policy.on_frame(*started("A"))
    policy.on_frame(*finished("A"))
    await asyncio.sleep(0.01)

    assert collector.calls == []


def enabled(quiet_seconds: float) -> tuple[FakeCollector, LiveGc]:
    collector = FakeCollector()
    policy = LiveGc(collector, quiet_seconds=quiet_seconds)
    policy.enable()
    return collector, policy


async def test_a_start_and_each_question_freeze_and_the_last_finish_collects_once() -> None:
    collector, policy = enabled(quiet_seconds=0.01)

    policy.on_frame(*started("A"))
    policy.on_frame(*started("B"))
    policy.on_frame("A", {"type": "question.opened"})
    policy.on_frame("C", {"type": "question.opened"})  # not started here: not followed
    policy.on_frame(*finished("A"))
    await asyncio.sleep(0.05)
    assert collector.calls == ["disable"] + ["freeze"] * 3, "B still runs: nothing collected"

    policy.on_frame(*finished("B"))
    assert collector.calls[4:] == [], "not in the turn that sends the finish"
    await asyncio.sleep(0.05)
    assert collector.calls[4:] == ["unfreeze", "collect2", "freeze", "enable"]
    policy.on_frame(*finished("B"))  # a second finish frame (a replay) changes nothing
    await asyncio.sleep(0.05)
    assert len(collector.calls) == 8


async def test_a_session_starting_before_the_quiet_moment_calls_the_collection_off() -> None:
    collector, policy = enabled(quiet_seconds=0.02)
    policy.on_frame(*started("A"))
    policy.on_frame(*finished("A"))

    policy.on_frame(*started("B"))
    await asyncio.sleep(0.05)

    # Off when A started, still off for B: never collected in between.
    assert collector.calls == ["disable", "freeze", "disable", "freeze"]


async def test_a_server_never_quiet_collects_at_a_start_once_over_the_cap() -> None:
    collector = FakeCollector(frozen=50)
    policy = LiveGc(collector, cap=100)
    policy.enable()
    policy.on_frame(*started("A"))
    assert collector.calls == ["disable", "freeze"]

    collector.frozen = 150
    policy.on_frame(*started("B"))

    assert collector.calls == ["disable", "freeze", "unfreeze", "collect2", "freeze", "freeze"]


async def test_with_the_real_collector_frozen_objects_are_left_out_until_the_finish() -> None:
    policy = LiveGc(quiet_seconds=0)
    policy.enable()
    gc.unfreeze()
    try:
        policy.on_frame(*started("A"))
        assert gc.get_freeze_count() > 0
        policy.on_frame(*finished("A"))
        await asyncio.sleep(0.01)
        # Collected, then what is still alive frozen again.
        assert gc.get_freeze_count() > 0
    finally:
        gc.enable()
        gc.unfreeze()


async def test_in_play_only_a_long_question_past_the_young_cap_is_collected() -> None:
    collector = FakeCollector()
    policy = LiveGc(collector, young_cap=1_000, check_seconds=0.01, quiet_seconds=0.01)
    policy.enable()
    policy.on_frame(*started("A"))
    collector.young = 999
    await asyncio.sleep(0.05)
    assert collector.calls == ["disable", "freeze"], "under the cap: left alone"

    collector.young = 1_001
    await asyncio.sleep(0.03)
    collector.young = 0
    assert "collect2" in collector.calls, "over the cap: what is not frozen is collected"
    assert "unfreeze" not in collector.calls, "the frozen part is never looked at in play"

    policy.on_frame(*finished("A"))
    await asyncio.sleep(0.05)
    assert collector.calls[-4:] == ["unfreeze", "collect2", "freeze", "enable"]
    collector.young = 5_000
    calls = len(collector.calls)
    await asyncio.sleep(0.05)
    assert len(collector.calls) == calls, "no session running: the valve is off"


async def test_a_session_never_finished_stops_counting_after_the_longest_a_session_runs() -> None:
    collector = FakeCollector()
    policy = LiveGc(collector, check_seconds=0.01, quiet_seconds=0.01, longest_seconds=0.03)
    policy.enable()
    policy.on_frame(*started("A"))  # its host left: no session.finished ever comes
    await asyncio.sleep(0.01)
    assert collector.calls == ["disable", "freeze"]

    await asyncio.sleep(0.1)

    assert collector.calls[-4:] == ["unfreeze", "collect2", "freeze", "enable"]
    assert not policy.running


async def test_with_the_real_collector_automatic_collection_is_off_only_in_play() -> None:
    policy = LiveGc(quiet_seconds=0)
    policy.enable()
    assert gc.isenabled()
    try:
        policy.on_frame(*started("A"))
        assert not gc.isenabled()
        policy.on_frame(*finished("A"))
        await asyncio.sleep(0.01)
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
