"""A Redis that does not answer raises StoreUnavailable."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from adapters.redis import RedisFanout, RedisLeaderboard, open_redis, ping_redis
from quizcore.errors import StoreUnavailable

CLOSED = "redis://127.0.0.1:1/0"


@pytest.fixture
async def dead() -> AsyncIterator[Redis]:
    client = Redis.from_url(CLOSED, socket_connect_timeout=0.5, socket_timeout=0.5)
    yield client
    await client.aclose()


LEADERBOARD_CALLS: list[Callable[[RedisLeaderboard], Awaitable[Any]]] = [
    lambda board: board.submit("b", "u", 1, 1),
    lambda board: board.top("b", 10),
    lambda board: board.standing("b", "u"),
    lambda board: board.size("b"),
    lambda board: board.version("b"),
    lambda board: board.clear("b"),
]


@pytest.mark.parametrize(
    "call", LEADERBOARD_CALLS, ids=["submit", "top", "standing", "size", "version", "clear"]
)
async def test_every_leaderboard_call_raises_store_unavailable(
    dead: Redis, call: Callable[[RedisLeaderboard], Awaitable[Any]]
) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        await call(RedisLeaderboard(dead, prefix="x"))
    assert caught.value.code == "unavailable"


async def test_fanout_calls_raise_store_unavailable(dead: Redis) -> None:
    fanout = RedisFanout(dead, prefix="x")
    with pytest.raises(StoreUnavailable):
        await fanout.publish("S", {"type": "t"})
    with pytest.raises(StoreUnavailable):
        await fanout.since("S", 1)
    with pytest.raises(StoreUnavailable):
        await fanout.last_seq("S")
    with pytest.raises(StoreUnavailable):
        async with fanout.subscribe():
            pass


async def test_readiness_check_raises_store_unavailable() -> None:
    resource = open_redis(CLOSED, socket_timeout=0.5, connect_timeout=0.5)
    client = await anext(resource)
    try:
        with pytest.raises(StoreUnavailable):
            await ping_redis(client)
    finally:
        await resource.aclose()


async def test_readiness_check_passes_on_the_local_redis(redis_url: str) -> None:
    resource = open_redis(redis_url)
    client = await anext(resource)
    try:
        await ping_redis(client)
    finally:
        await resource.aclose()
