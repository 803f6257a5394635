"""The embedded profile's lanes: delivery, busy, retries and dead letters."""

from __future__ import annotations

import asyncio

from adapters.inprocess import InProcessBus
from quizcore.messages import Message

from .support import score_updated as scored


async def test_a_message_reaches_every_lane_of_its_kind_and_the_bus_is_busy_meanwhile() -> None:
    bus = InProcessBus()
    release = asyncio.Event()
    seen: list[str] = []

    async def slow(message: Message) -> None:
        await release.wait()
        seen.append("slow")

    async def quick(message: Message) -> None:
        seen.append("quick")

    async def other(message: Message) -> None:
        seen.append("other")

    bus.lane("slow", slow, {"ScoreUpdated"})
    bus.lane("quick", quick, {"ScoreUpdated"})
    bus.lane("other", other, {"AnswerRecorded"})
    await bus.start()
    try:
        await bus.publish(scored("ana"))
        await asyncio.sleep(0.01)
        assert seen == ["quick"]
        assert bus.busy(), "a lane still holds the message"

        release.set()
        await bus.drain()
        assert sorted(seen) == ["quick", "slow"]
        assert not bus.busy()
    finally:
        await bus.stop()


async def test_a_failing_handler_is_retried_then_dead_lettered() -> None:
    bus = InProcessBus()
    attempts: list[int] = []

    async def failing(message: Message) -> None:
        attempts.append(1)
        raise RuntimeError("boom")

    lane = bus.lane("failing", failing, {"ScoreUpdated"})
    await bus.start()
    try:
        await bus.publish(scored("ana"))
        await bus.drain()
    finally:
        await bus.stop()

    assert len(attempts) == lane.retries
    assert lane.dead == [scored("ana")]
    assert lane.handled == 0
