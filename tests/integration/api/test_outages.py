"""A backing service that stops answering gives 503 unavailable, never a wrong score."""

from __future__ import annotations

import contextlib
import dataclasses

from redis.asyncio import Redis

from adapters.redis.leaderboard import RedisLeaderboard
from quizcore.services import LeaderboardService

from .conftest import Harness, assert_problem, new_game


async def test_a_leaderboard_whose_redis_is_down_answers_503_and_recovers(
    harness: Harness,
) -> None:
    api = harness.api
    game = await new_game(api, players=1)
    player = game.players[0]
    healthy = harness.ctx.services
    down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        # The real Redis adapter on a closed port: the outage a flush or
        # failover causes, translated by the adapter and mapped by the API.
        board = RedisLeaderboard(down)
        harness.ctx.wired = dataclasses.replace(
            healthy,
            leaderboard=board,
            boards=LeaderboardService(
                leaderboard=board, sessions=healthy.sessions, master=healthy.master
            ),
        )
        reply = await api.get(f"/v1/sessions/{game.session_id}/leaderboard", as_=player)
        assert_problem(reply, 503, "unavailable")
    finally:
        harness.ctx.wired = healthy
        with contextlib.suppress(Exception):
            await down.aclose()

    reply = await api.get(f"/v1/sessions/{game.session_id}/leaderboard", as_=player)
    assert reply.status == 200
    assert [entry["score"] for entry in reply.body["entries"]] == [0]
