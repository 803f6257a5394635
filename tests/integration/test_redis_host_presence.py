"""RedisHostPresence when an API process dies with the host's screen open.

The contract suite holds the Redis and memory presences to one behaviour;
this is what only processes that can die have: a process says it is alive
while it counts a host socket, and one that stopped saying so stops keeping
the host present.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from adapters.redis.presence import RedisHostPresence
from tests.integration.contract.factories_redis import redis_prefix

SID = "K7PQ2M"
STALE = 0.3  # seconds a process may be silent before it counts as dead


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[tuple[Redis, str]]:
    async with redis_prefix(redis_url) as (client, prefix):
        yield client, prefix


def _presence(redis_client: tuple[Redis, str]) -> RedisHostPresence:
    client, prefix = redis_client
    return RedisHostPresence(client, prefix=prefix, stale_seconds=STALE)


async def _host_moved_off(dead: RedisHostPresence, live: RedisHostPresence) -> None:
    """The host's screen was on ``dead``; it reloaded onto ``live`` and closed there."""
    await dead.arrived(SID)  # the process then dies without closing it
    await live.arrived(SID)
    await live.departed(SID)


async def test_a_process_that_died_with_the_host_screen_open_stops_keeping_the_host(
    redis_client: tuple[Redis, str],
) -> None:
    dead = _presence(redis_client)
    live = dead.sibling()
    await _host_moved_off(dead, live)

    assert await live.mark_away(SID) is False, "the dead process has just spoken"
    await asyncio.sleep(STALE * 2)
    assert await live.mark_away(SID) is True
    assert await live.is_away(SID) is True
    assert await live.arrived(SID) is True, "the host's return is announced as usual"


async def test_a_live_process_keeps_the_host_present_past_the_stale_time(
    redis_client: tuple[Redis, str],
) -> None:
    holder = _presence(redis_client)
    other = holder.sibling()
    await holder.arrived(SID)
    beating = asyncio.create_task(holder.run())
    try:
        await asyncio.sleep(STALE * 3)
        assert await other.mark_away(SID) is False, "the host's screen is open on a live process"
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating


async def test_a_process_says_it_is_alive_only_where_it_holds_a_host_screen(
    redis_client: tuple[Redis, str],
) -> None:
    client, prefix = redis_client
    presence = _presence(redis_client)
    await presence.arrived(SID)
    await presence.arrived("OTHER1")
    await presence.departed("OTHER1")

    def alive(session_id: str) -> str:
        return f"{prefix}:host:{{{session_id}}}:alive"

    await client.delete(alive(SID), alive("OTHER1"))

    assert await presence.alive() == []
    assert await client.hkeys(alive(SID)) == [presence.token.encode()]
    assert await client.exists(alive("OTHER1")) == 0


async def test_a_sessions_presence_keys_share_one_cluster_slot(
    redis_client: tuple[Redis, str],
) -> None:
    # Each script takes all three keys; a Redis cluster refuses keys of two slots.
    presence = _presence(redis_client)
    await presence.arrived(SID)
    client, prefix = redis_client

    keys = [key.decode() for key in await client.keys(f"{prefix}:host:*")]

    assert len(keys) == 2, keys  # the sockets and alive hashes; no one is away
    assert len({key_slot(key.encode()) for key in keys}) == 1
    assert all(f"{{{SID}}}" in key for key in keys)


async def test_a_process_silent_a_while_that_speaks_again_holds_the_host_again(
    redis_client: tuple[Redis, str],
) -> None:
    # Redis failing over: the process holding the host's screen missed its beats.
    holder = _presence(redis_client)
    other = holder.sibling()
    await holder.arrived(SID)
    await asyncio.sleep(STALE * 2)
    assert await other.mark_away(SID) is True, "players told the host left"

    assert await holder.alive() == [SID], "the host is back, to announce"
    assert await other.is_away(SID) is False
    assert await other.mark_away(SID) is False
    assert await holder.alive() == [], "announced once"


async def test_a_count_with_no_sign_of_life_recorded_still_counts(
    redis_client: tuple[Redis, str],
) -> None:
    # Written by a process from before processes said they were alive: kept, as then.
    client, prefix = redis_client
    presence = _presence(redis_client)
    await client.hset(f"{prefix}:host:{{{SID}}}:sockets", "older-process", 1)
    await asyncio.sleep(STALE * 2)

    assert await presence.mark_away(SID) is False


async def test_the_beat_tells_players_the_host_is_back(redis_client: tuple[Redis, str]) -> None:
    holder = _presence(redis_client)
    await holder.arrived(SID)
    await asyncio.sleep(STALE * 2)
    assert await holder.sibling().mark_away(SID) is True
    told: asyncio.Queue[str] = asyncio.Queue()

    beating = asyncio.create_task(holder.run(told.put))
    try:
        assert await asyncio.wait_for(told.get(), timeout=5) == SID
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating


async def test_a_relayed_connection_whose_close_never_came_stops_counting(
    redis_client: tuple[Redis, str],
) -> None:
    # API Gateway's $disconnect can be lost (the API unreachable then): the
    # connection counts as long as API Gateway keeps one open at most.
    client, prefix = redis_client
    presence = RedisHostPresence(client, prefix=prefix, stale_seconds=STALE, relay_hold_seconds=1)
    await presence.relayed(SID, "conn-h")

    await asyncio.sleep(STALE * 2)
    assert await presence.mark_away(SID) is False, "no process says it is alive: none needs to"
    await asyncio.sleep(1)
    assert await presence.mark_away(SID) is True
    assert await presence.unrelayed("conn-h") is None, "its session key ran out too"
