"""The /ws/gateway routes API Gateway's WebSocket API calls, through the ASGI app."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from adapters.aws_messaging.client import aws_client
from adapters.redis.connections import RedisConnectionRegistry
from entrypoints.api import gateway
from entrypoints.settings import Settings
from entrypoints.wiring import GatewayLinks
from quizcore.errors import StoreUnavailable
from tests.integration.api.conftest import (
    Game,
    Harness,
    Minter,
    Player,
    conducted,
    make_settings,
    new_game,
    settle,
)
from tests.integration.contract.factories_redis import redis_prefix
from tests.integration.test_apigateway_notifier import Recording

# Seconds after the host's last screen closed before players are told.
AWAY = 0.2


@pytest.fixture(scope="module")
def minter() -> Minter:
    return Minter()


class Opening(Recording):
    """Refuses posts (410) to a connection until it has been tried ``after`` times.

    As API Gateway does until ``$connect`` has answered; moto opens every
    connection at once.
    """

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.after: dict[str, int] = {}
        self.tries: dict[str, int] = {}

    async def post(self, connection_id: str, text: str) -> bool:
        self.tries[connection_id] = self.tries.get(connection_id, 0) + 1
        if self.tries[connection_id] <= self.after.get(connection_id, 0):
            return False
        return await super().post(connection_id, text)


Running = tuple[Harness, RedisConnectionRegistry, Opening, gateway.Greeter]


@pytest.fixture
async def running(
    tmp_path: Any,
    minter: Minter,
    moto_endpoint: str,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Running]:
    import os

    for name in list(os.environ):
        if name.startswith("QUIZ_"):
            monkeypatch.delenv(name)
    async with (
        redis_prefix(redis_url) as (client, prefix),
        aws_client("apigatewaymanagementapi", "eu-west-1", moto_endpoint) as apigw,
    ):
        registry = RedisConnectionRegistry(client, prefix=prefix)
        connections = Opening(apigw)

        async def links(_: Settings) -> GatewayLinks:
            return GatewayLinks(registry=registry, connections=connections)

        # Patched where the routes look it up.
        monkeypatch.setattr(gateway, "open_links", links)
        monkeypatch.setattr(gateway, "GREET_DELAYS", (0.01,) * 6)
        greeters: list[gateway.Greeter] = []
        mount = gateway.add_gateway_routes

        def add_routes(*args: Any) -> gateway.Greeter:
            greeters.append(mount(*args))
            return greeters[-1]

        monkeypatch.setattr(gateway, "add_gateway_routes", add_routes)
        settings = make_settings(
            tmp_path / "data",
            minter.pem,
            apigw_ws_callback_url=moto_endpoint,
            host_away_seconds=AWAY,
        )
        async with conducted(settings, minter) as harness:
            yield harness, registry, connections, greeters[0]
            await greeters[0].settled()


async def connect(api: Any, session_id: str, who: Player, connection_id: str) -> None:
    """Connect through the ``$connect`` route; it must be accepted."""
    ok = await api.post(
        "/ws/gateway/connect",
        headers={"X-Connection-Id": connection_id},
        params={"session_id": session_id, "access_token": who.token},
    )
    assert ok.status == 200, ok.text


async def test_routes_are_off_by_default(tmp_path: Any, minter: Minter) -> None:
    async with conducted(make_settings(tmp_path / "d", minter.pem), minter) as harness:
        reply = await harness.api.post("/ws/gateway/connect", headers={"X-Connection-Id": "c"})
        assert reply.status == 404


async def test_connect_message_disconnect(running: Running) -> None:
    harness, registry, connections, greeter = running
    api = harness.api
    game = await new_game(api, players=1)
    player, sid = game.players[0], game.session_id
    outsider = await api.login("outsider")

    refused = await api.post(
        "/ws/gateway/connect",
        headers={"X-Connection-Id": "c-out"},
        params={"session_id": sid, "access_token": outsider.token},
    )
    assert refused.status == 403, refused.text
    assert refused.content_type == "application/problem+json"
    unauth = await api.post(
        "/ws/gateway/connect",
        headers={"X-Connection-Id": "c-anon"},
        params={"session_id": sid},
    )
    assert unauth.status == 401
    for cid, who in (("c-p", player), ("c-h", game.host)):
        ok = await api.post(
            "/ws/gateway/connect",
            headers={"X-Connection-Id": cid},
            params={"session_id": sid, "access_token": who.token},
        )
        assert ok.status == 200, ok.text
    assert await registry.list(sid) == {"c-p": player.user_id, "c-h": game.host.user_id}
    await greeter.settled()
    assert [frame["type"] for frame in connections.sent["c-p"]] == ["session.snapshot"]

    async def message(body: bytes) -> dict[str, Any]:
        reply = await api.post("/ws/gateway/message", headers={"X-Connection-Id": "c-p"}, body=body)
        assert reply.status == 204, reply.text
        return dict(connections.sent["c-p"][-1])

    assert (await message(b'{"type":"ping"}'))["type"] == "pong"
    assert (await message(b"not json"))["code"] == "invalid_request"
    assert (await message(b'{"type":"nope"}'))["code"] == "invalid_request"
    assert (await message(b'{"type":"answer.submit"}'))["code"] == "invalid_request"

    assert (await api.host(game.host, sid, "start")).status == 200
    current = await api.current(player, sid)
    question_id = current.body["question_id"]
    frame = orjson.dumps(
        {
            "type": "answer.submit",
            "question_id": question_id,
            "answer": "hold",
            "submission_id": "s1",
        }
    )
    before = len(connections.sent["c-p"])
    reply = await api.post("/ws/gateway/message", headers={"X-Connection-Id": "c-p"}, body=frame)
    assert reply.status == 204, reply.text
    await asyncio.sleep(0)
    # Accepted: no error frame back (the result is pushed by the notifier).
    assert all(f.get("type") != "error" for f in connections.sent["c-p"][before:])
    wrong = orjson.dumps(
        {"type": "answer.submit", "question_id": "no-such", "answer": "x", "submission_id": "s2"}
    )
    error = await message(wrong)
    assert error["type"] == "error" and error["submission_id"] == "s2"

    gone = await api.post("/ws/gateway/disconnect", headers={"X-Connection-Id": "c-p"})
    assert gone.status == 204
    assert await registry.list(sid) == {"c-h": game.host.user_id}
    unknown = await api.post("/ws/gateway/message", headers={"X-Connection-Id": "c-p"}, body=b"{}")
    assert unknown.status == 503
    missing = await api.post("/ws/gateway/disconnect")
    assert missing.status == 400


async def test_a_blocked_user_s_gateway_answer_is_refused_and_not_recorded(
    running: Running,
) -> None:
    harness, _, connections, greeter = running
    api = harness.api
    game = await new_game(api, players=1)
    player, sid = game.players[0], game.session_id
    await connect(api, sid, player, "c-blocked")
    await greeter.settled()
    assert (await api.host(game.host, sid, "start")).status == 200
    await harness.ctx.announce_status(player.user_id, "blocked")

    frame = orjson.dumps(
        {"type": "answer.submit", "question_id": "q1", "answer": "start", "submission_id": "b1"}
    )
    reply = await api.post(
        "/ws/gateway/message", headers={"X-Connection-Id": "c-blocked"}, body=frame
    )
    await settle(harness.ctx)
    recorded = await harness.ctx.services.answers.for_participant(sid, player.user_id)

    assert reply.status == 204
    error = connections.sent["c-blocked"][-1]
    assert (error["type"], error["code"], error["submission_id"]) == ("error", "forbidden", "b1")
    assert recorded == []


async def test_a_message_after_the_token_ran_out_is_refused_and_the_connection_closed(
    running: Running, minter: Minter
) -> None:
    harness, registry, connections, greeter = running
    api = harness.api
    game = await new_game(api, players=0)
    sid = game.session_id
    now = int(time.time())
    claims = {"iss": "quizcore-dev", "aud": "quizcore", "sub": "dev-brief", "name": "Brief"}
    token = minter.token({**claims, "iat": now, "exp": now + 2})
    brief = Player(name="Brief", token=token, user_id="dev-brief")
    assert (await api.post(f"/v1/sessions/{sid}/participants", as_=brief)).status == 201
    connected = await api.post(
        "/ws/gateway/connect",
        headers={"X-Connection-Id": "c-brief"},
        params={"session_id": sid, "access_token": brief.token},
    )
    assert connected.status == 200, connected.text
    await greeter.settled()
    greeted = len(connections.sent["c-brief"])
    await asyncio.sleep(now + 2 - time.time() + 0.1)  # past the token's exp

    reply = await api.post(
        "/ws/gateway/message", headers={"X-Connection-Id": "c-brief"}, body=b'{"type":"ping"}'
    )

    assert reply.status == 204
    told = connections.sent["c-brief"][greeted:]
    assert [frame["type"] for frame in told] == ["error"], "no pong once the token ran out"
    assert told[0]["code"] == "unauthorized"
    assert await registry.lookup("c-brief") is None


async def test_a_connection_gets_its_snapshot_once_api_gateway_has_opened_it(
    running: Running,
) -> None:
    harness, registry, connections, greeter = running
    api = harness.api
    game = await new_game(api, players=1)
    player, sid = game.players[0], game.session_id
    assert (await api.host(game.host, sid, "start")).status == 200
    current = await api.current(player, sid)
    connections.after["c-late"] = 3  # 410 three times, as while $connect answers

    await connect(api, sid, player, "c-late")
    await greeter.settled()

    assert connections.tries["c-late"] == 4
    sent = connections.sent["c-late"]
    assert [frame["type"] for frame in sent] == ["session.snapshot"]
    snapshot = sent[0]
    assert snapshot["session"]["session_id"] == sid
    assert snapshot["session"]["status"] == "running"
    assert snapshot["current_question"]["question_id"] == current.body["question_id"]
    assert snapshot["me"] == {"rank": 1, "score": 0}
    hub = harness.ctx.hub
    assert hub is not None
    assert snapshot["seq"] == hub.seq(sid)
    # Refused while opening, yet still registered; a 410 now means gone.
    assert await registry.list(sid) == {"c-late": player.user_id}
    assert not await registry.opening("c-late")


async def test_a_connection_that_left_before_it_opened_is_not_greeted(running: Running) -> None:
    harness, registry, connections, greeter = running
    api = harness.api
    game = await new_game(api, players=1)
    player, sid = game.players[0], game.session_id
    connections.after["c-brief"] = 1_000  # never opened
    await connect(api, sid, player, "c-brief")
    gone = await api.post("/ws/gateway/disconnect", headers={"X-Connection-Id": "c-brief"})
    assert gone.status == 204
    await greeter.settled()
    tries = connections.tries.get("c-brief", 0)

    assert await greeter.greet(sid, "c-brief", player.user_id) is False
    assert connections.tries.get("c-brief", 0) == tries, "no post once it left"
    assert "c-brief" not in connections.sent
    assert await registry.lookup("c-brief") is None


async def test_events_after_the_snapshot_s_seq_follow_it(running: Running) -> None:
    # An event may go out after the snapshot's seq was read and before the
    # snapshot reached the connection (and the notifier could not post it
    # there while it was opening): it comes again after the snapshot.
    harness, _, connections, greeter = running
    api = harness.api
    game = await new_game(api, players=1)
    player, sid = game.players[0], game.session_id
    await connect(api, sid, player, "c-race")
    await greeter.settled()
    greeted = len(connections.sent["c-race"])

    async def started_meanwhile(session_id: str, user_id: str, seq: int) -> str:
        assert (await api.host(game.host, sid, "start")).status == 200
        await settle(harness.ctx)
        return await greeter.snapshot(session_id, user_id, seq)

    racing = gateway.Greeter(harness.ctx, greeter.links, started_meanwhile)
    assert await racing.greet(sid, "c-race", player.user_id) is True

    frames = connections.sent["c-race"][greeted:]
    assert frames[0]["type"] == "session.snapshot"
    after = frames[1:]
    assert "question.opened" in [frame["type"] for frame in after]
    assert all(frame["seq"] > frames[0]["seq"] for frame in after)


def _kinds(connections: Opening, connection_id: str) -> list[str]:
    return [frame["type"] for frame in connections.sent.get(connection_id, [])]


async def _relayed(harness: Harness) -> None:
    """Wait until what the API announced reached API Gateway's connections."""
    relay = harness.ctx.relay
    assert isinstance(relay, gateway.Relay)
    await relay.settled()


async def _disconnect(api: Any, connection_id: str) -> None:
    gone = await api.post("/ws/gateway/disconnect", headers={"X-Connection-Id": connection_id})
    assert gone.status == 204, gone.text


async def _on_gateway(running: Running, *host_connections: str) -> Game:
    """A game whose one player ("c-p") and host are connected through API Gateway."""
    harness, _, _, greeter = running
    game = await new_game(harness.api, players=1)
    await connect(harness.api, game.session_id, game.players[0], "c-p")
    for connection_id in host_connections:
        await connect(harness.api, game.session_id, game.host, connection_id)
    await greeter.settled()
    return game


async def test_a_host_on_api_gateway_leaving_and_back_is_told_to_its_players(
    running: Running,
) -> None:
    harness, _, connections, greeter = running
    api = harness.api
    game = await _on_gateway(running, "c-h")
    sid = game.session_id
    await asyncio.sleep(AWAY * 3)
    assert "host.left" not in _kinds(connections, "c-p"), "the host's screen is open"

    await _disconnect(api, "c-h")
    await asyncio.sleep(AWAY * 3)
    left = [f for f in connections.sent["c-p"] if f["type"] == "host.left"]
    # Unnumbered: the notification worker numbers what it posts, beside these.
    assert left == [{"type": "host.left"}], connections.sent["c-p"]
    assert await harness.ctx.host_presence.is_away(sid) is True
    await _disconnect(api, "c-h")  # API Gateway may call twice: told once
    await asyncio.sleep(AWAY * 3)
    assert _kinds(connections, "c-p").count("host.left") == 1

    await connect(api, sid, game.host, "c-h2")
    await greeter.settled()
    await _relayed(harness)
    assert _kinds(connections, "c-p").count("host.joined") == 1
    assert "host.joined" in _kinds(connections, "c-h2"), "every connection of the session"


async def test_a_host_screen_open_elsewhere_keeps_players_from_being_told(
    running: Running,
) -> None:
    harness, _, connections, greeter = running
    api = harness.api
    game = await _on_gateway(running, "c-h1", "c-h2")  # a second tab (or the projector)
    player, sid = game.players[0], game.session_id

    await _disconnect(api, "c-h1")
    await _disconnect(api, "c-p")  # a player's leaving counts for nothing
    await connect(api, sid, player, "c-p2")
    await greeter.settled()
    await asyncio.sleep(AWAY * 3)
    assert "host.left" not in _kinds(connections, "c-p") + _kinds(connections, "c-p2")
    assert await harness.ctx.host_presence.is_away(sid) is False

    await _disconnect(api, "c-h2")
    await asyncio.sleep(AWAY * 3)
    assert _kinds(connections, "c-p2").count("host.left") == 1


async def test_a_host_disconnect_the_registry_failed_on_still_tells_the_players(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness, registry, connections, _ = running
    game = await _on_gateway(running, "c-h")

    async def unavailable(*_: Any) -> None:
        raise StoreUnavailable("Redis failed over")

    # API Gateway does not call $disconnect again after an error.
    monkeypatch.setattr(registry, "remove", unavailable)
    gone = await harness.api.post("/ws/gateway/disconnect", headers={"X-Connection-Id": "c-h"})
    assert gone.status == 503, gone.text
    await asyncio.sleep(AWAY * 3)
    await _relayed(harness)

    assert _kinds(connections, "c-p").count("host.left") == 1
    assert await harness.ctx.host_presence.is_away(game.session_id) is True
