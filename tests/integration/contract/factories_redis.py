"""Redis adapters for the contract suites, and Redis test helpers.

Every adapter gets a random key prefix; its keys are deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from redis.asyncio import Redis

from adapters.redis import RedisLeaderboard
from adapters.redis.presence import RedisHostPresence, RedisPlayerPresence
from tests.integration.contract.factories_memory import PLAYER_LEASES


def redis_url_of(request: pytest.FixtureRequest) -> str:
    """Return the test Redis URL from the integration fixtures."""
    return str(request.getfixturevalue("redis_url"))


async def drop_prefix(client: Redis, prefix: str) -> int:
    """Delete every key under ``prefix``; return how many."""
    dropped = 0
    async for key in client.scan_iter(match=f"{prefix}:*", count=500):
        dropped += int(await client.unlink(key))
    return dropped


@asynccontextmanager
async def redis_prefix(url: str) -> AsyncIterator[tuple[Redis, str]]:
    """Yield a client and a random key prefix; drop the prefix's keys after."""
    client = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    prefix = f"test:{uuid.uuid4().hex[:12]}"
    try:
        yield client, prefix
    finally:
        await drop_prefix(client, prefix)
        await client.aclose()


@asynccontextmanager
async def _leaderboard(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    async with redis_prefix(redis_url_of(request)) as (client, prefix):
        yield RedisLeaderboard(client, prefix=prefix)


@asynccontextmanager
async def _host_presence(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    async with redis_prefix(redis_url_of(request)) as (client, prefix):
        yield RedisHostPresence(client, prefix=prefix)


@asynccontextmanager
async def _player_presence(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    async with redis_prefix(redis_url_of(request)) as (client, prefix):
        yield RedisPlayerPresence(client, prefix=prefix, **PLAYER_LEASES)


FACTORIES = {
    "leaderboard": {"redis": _leaderboard},
    "host_presence": {"redis": _host_presence},
    "player_presence": {"redis": _player_presence},
}
