"""The notification worker's push to API Gateway connections."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from adapters.aws_messaging.apigateway import ApiGatewayConnections, ApiGatewayNotifier
from adapters.aws_messaging.client import aws_client
from adapters.memory.leaderboard import MemoryLeaderboard
from adapters.memory.stores import MemorySessionStore
from adapters.redis.connections import RedisConnectionRegistry
from adapters.redis.fanout import RedisFanout
from entrypoints.cloud import FanoutNotifier
from quizcore.errors import StoreUnavailable
from quizcore.services import session_board
from tests.integration.contract.factories_redis import redis_prefix


class Recording(ApiGatewayConnections):
    """Posts through moto and records what each connection was sent."""

    def __init__(self, client: Any, gone: set[str] | None = None) -> None:
        super().__init__(client)
        self.sent: dict[str, list[dict[str, Any]]] = {}
        self.gone = gone or set()

    async def post(self, connection_id: str, text: str) -> bool:
        if connection_id in self.gone:
            return False
        self.sent.setdefault(connection_id, []).append(orjson.loads(text))
        return await super().post(connection_id, text)


async def test_frames_reach_the_right_connections(moto_endpoint: str, redis_url: str) -> None:
    async with (
        redis_prefix(redis_url) as (client, prefix),
        aws_client("apigatewaymanagementapi", "eu-west-1", moto_endpoint) as apigw,
    ):
        registry = RedisConnectionRegistry(client, prefix=prefix)
        leaderboard = MemoryLeaderboard()
        connections = Recording(apigw, gone={"c-gone"})
        fanout = RedisFanout(client, prefix=prefix)
        notifier = FanoutNotifier(
            fanout,
            leaderboard=leaderboard,
            sessions=MemorySessionStore(),
            gateway=ApiGatewayNotifier(connections, registry, leaderboard=leaderboard),
        )
        await registry.add("s1", "c-alice", "alice")
        await registry.add("s1", "c-alice2", "alice")
        await registry.add("s1", "c-bob", "bob")
        await registry.add("s1", "c-gone", "carol")
        await registry.opened("c-gone")  # open once: its 410 now means gone
        await registry.add("s2", "c-other", "alice")

        await notifier.to_session("s1", {"type": "question.started", "question_id": "q1"})
        await notifier.to_user(
            "s1",
            "alice",
            {"type": "answer.result", "question_id": "q1", "submission_id": "x", "score": 10},
        )
        await leaderboard.submit(session_board("s1"), "alice", 10, 1)
        await notifier.leaderboard_changed("s1")
        await notifier.leaderboard_changed("s1")
        await notifier.flush()

        sent = connections.sent
        assert set(sent) == {"c-alice", "c-alice2", "c-bob"}
        kinds = {cid: [frame["type"] for frame in frames] for cid, frames in sent.items()}
        assert kinds["c-alice"] == ["question.started", "answer.result", "leaderboard.updated"]
        assert kinds["c-alice2"] == kinds["c-alice"]
        assert kinds["c-bob"] == ["question.started", "leaderboard.updated"]
        # Sequence numbers are the fan-out's, increasing.
        seqs = [frame["seq"] for frame in sent["c-alice"]]
        assert seqs == sorted(seqs) and len(set(seqs)) == 3
        assert sent["c-bob"][0]["seq"] == seqs[0]
        alice_board, bob_board = sent["c-alice"][-1], sent["c-bob"][-1]
        assert alice_board["me"] == {"rank": 1, "score": 10}
        assert bob_board["me"] is None
        assert alice_board["entries"][0]["user_id"] == "alice"
        assert alice_board["answer_counts"] == {"q1": 1}
        # A gone connection was dropped from the registry.
        assert "c-gone" not in await registry.list("s1")
        assert "c-other" not in sent


async def test_a_connection_not_opened_yet_misses_the_event_but_stays(
    moto_endpoint: str, redis_url: str
) -> None:
    # API Gateway answers 410 until $connect has answered: such a connection
    # is not gone, and dropping it would leave a client that hears nothing.
    async with (
        redis_prefix(redis_url) as (client, prefix),
        aws_client("apigatewaymanagementapi", "eu-west-1", moto_endpoint) as apigw,
    ):
        registry = RedisConnectionRegistry(client, prefix=prefix)
        connections = Recording(apigw, gone={"c-new", "c-left"})
        notifier = ApiGatewayNotifier(connections, registry, leaderboard=MemoryLeaderboard())
        await registry.add("s1", "c-new", "alice")
        await registry.add("s1", "c-left", "bob")
        await registry.opened("c-left")

        await notifier.deliver("s1", {"type": "session.started", "seq": 3, "mode": "live"}, None)

        assert connections.sent == {}
        assert await registry.list("s1") == {"c-new": "alice"}
        connections.gone.discard("c-new")
        await notifier.deliver("s1", {"type": "question.opened", "seq": 4}, None)
        assert [frame["seq"] for frame in connections.sent["c-new"]] == [4]


class Closing(Recording):
    """Records which connections were closed, too."""

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.closed: list[str] = []

    async def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)
        await super().close(connection_id)


@contextlib.asynccontextmanager
async def closing_gateway(
    moto_endpoint: str, redis_url: str, **options: Any
) -> AsyncIterator[tuple[RedisConnectionRegistry, Closing, ApiGatewayNotifier]]:
    """Yield a registry, recorded connections and a notifier over both."""
    async with (
        redis_prefix(redis_url) as (client, prefix),
        aws_client("apigatewaymanagementapi", "eu-west-1", moto_endpoint) as apigw,
    ):
        registry = RedisConnectionRegistry(client, prefix=prefix)
        connections = Closing(apigw)
        leaderboard = MemoryLeaderboard()
        yield (
            registry,
            connections,
            ApiGatewayNotifier(connections, registry, leaderboard=leaderboard, **options),
        )


async def test_a_removed_players_connections_are_told_then_closed(
    moto_endpoint: str, redis_url: str
) -> None:
    async with closing_gateway(moto_endpoint, redis_url) as (registry, connections, notifier):
        for connection_id, user_id in (("c-ann", "ann"), ("c-ann2", "ann"), ("c-bob", "bob")):
            await registry.add("s1", connection_id, user_id)
        await notifier.deliver(
            "s1",
            {"type": "answer.result", "seq": 5, "question_id": "q1", "submission_id": "a"},
            "ann",
        )
        await notifier.deliver(
            "s1",
            {"type": "answer.result", "seq": 6, "question_id": "q1", "submission_id": "b"},
            "bob",
        )
        removed = {
            "type": "participant.removed",
            "seq": 7,
            "user_id": "ann",
            "display_name": "Ann",
            "participant_count": 1,
        }

        await notifier.deliver("s1", removed, None)

        assert {cid: [f["type"] for f in frames] for cid, frames in connections.sent.items()} == {
            "c-ann": ["answer.result", "participant.removed"],
            "c-ann2": ["answer.result", "participant.removed"],
            "c-bob": ["answer.result", "participant.removed"],
        }
        assert sorted(connections.closed) == ["c-ann", "c-ann2"]
        assert await registry.list("s1") == {"c-bob": "bob"}
        # Ann's answer no longer counts on the boards.
        await notifier.deliver(
            "s1", {"type": "leaderboard.updated", "seq": 8, "version": 1, "entries": []}, None
        )
        assert connections.sent["c-bob"][-1]["answer_counts"] == {"q1": 1}


async def test_a_connection_whose_token_ran_out_is_told_closed_and_forgotten(
    moto_endpoint: str, redis_url: str
) -> None:
    async with closing_gateway(moto_endpoint, redis_url, wall_clock=lambda: 1_000.0) as (
        registry,
        connections,
        notifier,
    ):
        await registry.add("s1", "c-stale", "ann", 999.0)
        await registry.add("s1", "c-fresh", "ann", 1_001.0)
        await registry.add("s1", "c-ageless", "bob")

        await notifier.deliver("s1", {"type": "session.started", "seq": 3, "mode": "live"}, None)

        kinds = {cid: [f["type"] for f in frames] for cid, frames in connections.sent.items()}
        assert kinds == {
            "c-stale": ["error"],
            "c-fresh": ["session.started"],
            "c-ageless": ["session.started"],
        }
        assert connections.sent["c-stale"][0]["code"] == "unauthorized"
        assert connections.closed == ["c-stale"]
        assert await registry.list("s1") == {"c-fresh": "ann", "c-ageless": "bob"}


class Slow(Recording):
    """Posts that take a while, as API Gateway's do; counts those in flight at once."""

    def __init__(self, client: Any, failing: set[str] | None = None) -> None:
        super().__init__(client)
        self.failing = failing or set()
        self.in_flight = self.most_in_flight = 0

    async def post(self, connection_id: str, text: str) -> bool:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            if connection_id in self.failing:
                raise StoreUnavailable("post_to_connection failed: InternalServerError")
            return await super().post(connection_id, text)
        finally:
            self.in_flight -= 1


async def test_an_events_posts_go_out_together_and_in_order_per_connection(
    moto_endpoint: str, redis_url: str
) -> None:
    async with (
        redis_prefix(redis_url) as (client, prefix),
        aws_client("apigatewaymanagementapi", "eu-west-1", moto_endpoint) as apigw,
    ):
        registry = RedisConnectionRegistry(client, prefix=prefix)
        connections = Slow(apigw, failing={"c-7"})
        leaderboard = MemoryLeaderboard()
        notifier = ApiGatewayNotifier(connections, registry, leaderboard=leaderboard, concurrency=4)
        for number in range(12):
            await registry.add("s1", f"c-{number}", f"user-{number}")
            await leaderboard.submit(session_board("s1"), f"user-{number}", 10 * number, 1)

        with pytest.raises(StoreUnavailable):
            await notifier.deliver("s1", {"type": "question.opened", "seq": 4}, None)
        board = {"type": "leaderboard.updated", "seq": 5, "version": 2, "entries": []}
        connections.failing.clear()
        await notifier.deliver("s1", board, None)

    assert connections.most_in_flight == 4, "as many at once as allowed, no more"
    assert [frame["seq"] for frame in connections.sent["c-7"]] == [5]
    for number in range(12):
        if number == 7:
            continue  # its first post failed; every other connection's went out
        frames = connections.sent[f"c-{number}"]
        assert [frame["seq"] for frame in frames] == [4, 5], "each connection's in order"
        assert frames[1]["me"] == {"rank": 12 - number, "score": 10 * number}
