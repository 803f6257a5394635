"""The embedded profile's lanes: delivery, retries, and lanes that give way."""

from __future__ import annotations

import asyncio

from adapters.inprocess import InProcessBus
from quizcore.messages import Message

from .support import score_updated as scored


async def test_a_lane_that_gives_way_waits_for_the_other_to_finish() -> None:
    bus = InProcessBus()
    release = asyncio.Event()
    order: list[str] = []

    async def urgent(message: Message) -> None:
        await release.wait()
        order.append("urgent")

    async def background(message: Message) -> None:
        order.append("background")

    first = bus.lane("urgent", urgent, {"ScoreUpdated"})
    bus.lane("background", background, {"ScoreUpdated"}, defer_to=(first,))
    await bus.start()
    try:
        await bus.publish(scored("ana"))
        await asyncio.sleep(0.05)
        assert order == [], "the background lane waits while the urgent one works"
        assert bus.busy()

        release.set()
        await bus.drain()
        assert order == ["urgent", "background"]
        assert not bus.busy()
    finally:
        await bus.stop()


async def test_a_lane_gives_way_for_a_bounded_time_only() -> None:
    bus = InProcessBus()
    handled: list[str] = []
    never = asyncio.Event()

    async def stuck(message: Message) -> None:
        await never.wait()

    async def background(message: Message) -> None:
        handled.append(message.user_id)  # type: ignore[attr-defined]

    first = bus.lane("stuck", stuck, {"ScoreUpdated"})
    second = bus.lane("background", background, {"ScoreUpdated"}, defer_to=(first,))
    second.max_defer = 0.05
    await bus.start()
    try:
        await bus.publish(scored("ana"))
        for _ in range(100):
            if handled:
                break
            await asyncio.sleep(0.01)
        assert handled == ["ana"], "never starved by a lane that stays busy"
    finally:
        never.set()
        await bus.stop()
