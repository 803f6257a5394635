"""A block reaches every API process through Redis pub/sub.

Two API apps, each served by its own uvicorn, share one Redis (as the cloud
profile's replicas do) and nothing else: the identity provider's webhook
reaches one of them, and the user's socket on the other is closed with 4403
and their requests there are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from dependency_injector import providers
from websockets.exceptions import ConnectionClosed

from adapters.redis.client import open_redis
from entrypoints.api.container import LocalContainer
from entrypoints.settings import Settings
from quizcore.model import User
from tests.integration.conftest import REDIS_URL

from .conftest import RIGHT, LiveServer, Minter, conducted, new_game, served

SECRET = "s3cret"


class RedisWiredContainer(LocalContainer):
    """The local wiring plus the Redis client the cloud profile has."""

    redis = providers.Resource(open_redis, REDIS_URL)


@contextlib.asynccontextmanager
async def _replica(settings: Settings, minter: Minter) -> AsyncIterator[LiveServer]:
    container = RedisWiredContainer(settings=settings)
    async with served(settings, minter, container=container) as server:
        yield server


@pytest.fixture
async def replicas(
    settings_for: Callable[..., Settings], minter: Minter
) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    """Return two API apps sharing one Redis key prefix and nothing else."""
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    settings = settings_for(auth0_webhook_secret=SECRET, redis_url=REDIS_URL, redis_prefix=prefix)
    async with _replica(settings, minter) as first, _replica(settings, minter) as second:
        yield first, second


async def _close_code(ws: Any, within: float) -> int | None:
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
    except ConnectionClosed:
        received = ws.protocol.close_rcvd
        return received.code if received else None
    raise AssertionError(f"the socket stayed open for {within} s")


async def test_a_block_sent_to_one_process_closes_the_socket_on_another(
    replicas: tuple[LiveServer, LiveServer],
) -> None:
    webhook_side, socket_side = replicas
    game = await new_game(socket_side.api, players=2)
    blocked, other = game.players
    await socket_side.api.host(game.host, game.session_id, "start")

    async with socket_side.socket(game.session_id, blocked) as live:
        await live.next("session.snapshot")
        reply = await webhook_side.api.post(
            "/v1/auth0/events",
            json={"type": "user.blocked", "user": {"user_id": blocked.user_id}},
            headers={"X-Webhook-Secret": SECRET},
        )
        assert reply.status == 204, reply.text
        # Generous for a loaded machine; it arrives in milliseconds.
        code = await _close_code(live.ws, within=20)
    refused = await socket_side.api.answer(blocked, game.session_id, "q1", RIGHT["q1"])
    allowed = await socket_side.api.answer(other, game.session_id, "q1", RIGHT["q1"])

    assert code == 4403
    assert refused.status == 403
    assert allowed.status == 202


async def test_an_unblock_reaches_the_other_process_too(
    replicas: tuple[LiveServer, LiveServer],
) -> None:
    webhook_side, socket_side = replicas
    player = await socket_side.api.login("returning")
    headers = {"X-Webhook-Secret": SECRET}
    assert (await socket_side.api.get("/v1/users/me", as_=player)).status == 200

    async def status_there() -> int:
        return (await socket_side.api.get("/v1/users/me", as_=player)).status

    for kind, expected in (("user.blocked", 403), ("user.updated", 200)):
        reply = await webhook_side.api.post(
            "/v1/auth0/events",
            json={"type": kind, "user": {"user_id": player.user_id, "name": "returning"}},
            headers=headers,
        )
        assert reply.status == 204
        deadline = time.monotonic() + 20
        while await status_there() != expected:
            assert time.monotonic() < deadline, f"{kind} did not reach the other process"
            await asyncio.sleep(0.05)


async def test_a_cached_status_expires_so_a_missed_message_is_not_forever(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    settings = settings_for(user_status_ttl_seconds=0.2)
    async with conducted(settings, minter) as app:
        player = await app.api.login("missed")
        assert (await app.api.get("/v1/users/me", as_=player)).status == 200
        # Blocked in the store without any message reaching this process (as
        # when pub/sub drops one): the cache must stop trusting "active".
        await app.ctx.services.master.upsert_user(
            User(user_id=player.user_id, display_name="missed", status="blocked")
        )
        deadline = time.monotonic() + 20
        while (await app.api.get("/v1/users/me", as_=player)).status != 403:
            assert time.monotonic() < deadline, "the cached status never expired"
            await asyncio.sleep(0.05)
