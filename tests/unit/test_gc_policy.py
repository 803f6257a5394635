"""The collector policy of a server holding live sockets (entrypoints.gc_policy)."""

from __future__ import annotations

import gc

from entrypoints.gc_policy import LiveGc


class FakeCollector:
    """Records what the policy asks of the collector."""

    def __init__(self, frozen: int = 0) -> None:
        self.calls: list[str] = []
        self.frozen = frozen

    def freeze(self) -> None:
        self.calls.append("freeze")

    def unfreeze(self) -> None:
        self.calls.append("unfreeze")

    def collect(self, generation: int = 2) -> int:
        self.calls.append(f"collect{generation}")
        return 0

    def get_freeze_count(self) -> int:
        return self.frozen


def started(session_id: str) -> tuple[str, dict[str, str]]:
    return session_id, {"type": "session.started"}


def finished(session_id: str) -> tuple[str, dict[str, str]]:
    return session_id, {"type": "session.finished"}


def test_disabled_it_leaves_the_collector_alone() -> None:
    collector = FakeCollector()
    policy = LiveGc(collector)

    policy.on_frame(*started("A"))
    policy.on_frame(*finished("A"))

    assert collector.calls == []


def test_a_session_start_freezes_and_the_last_finish_collects_once() -> None:
    collector = FakeCollector()
    policy = LiveGc(collector)
    policy.enable()

    policy.on_frame(*started("A"))
    policy.on_frame(*started("B"))
    policy.on_frame("A", {"type": "question.opened"})
    policy.on_frame(*finished("A"))
    assert collector.calls == ["freeze", "freeze"], "B still runs: nothing collected"

    policy.on_frame(*finished("B"))
    assert collector.calls[2:] == ["unfreeze", "collect2", "freeze"]
    policy.on_frame(*finished("B"))  # a second finish frame (a replay) changes nothing
    assert len(collector.calls) == 5


def test_a_server_never_quiet_collects_at_a_start_once_over_the_cap() -> None:
    collector = FakeCollector(frozen=50)
    policy = LiveGc(collector, cap=100)
    policy.enable()
    policy.on_frame(*started("A"))
    assert collector.calls == ["freeze"]

    collector.frozen = 150
    policy.on_frame(*started("B"))

    assert collector.calls == ["freeze", "unfreeze", "collect2", "freeze", "freeze"]


def test_with_the_real_collector_frozen_objects_are_left_out_until_the_finish() -> None:
    policy = LiveGc()
    policy.enable()
    gc.unfreeze()
    try:
        policy.on_frame(*started("A"))
        frozen = gc.get_freeze_count()
        assert frozen > 0
        policy.on_frame(*finished("A"))
        # Collected, then what is still alive frozen again.
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
