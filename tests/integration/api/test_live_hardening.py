"""The live channel's failure paths and limits, over a real uvicorn.

Each refusal has its own close code: 4401 (no or bad or expired token),
4403 (not a participant, unknown session, blocked user), 4429 (too many
sockets of one user on one session), 1003 (binary frame), 1009 (a frame
over ``QUIZ_WS_MAX_MESSAGE_BYTES``, refused by the server from its header).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from entrypoints.settings import Settings

from .conftest import (
    RIGHT,
    LiveServer,
    LiveSocket,
    Minter,
    Player,
    new_game,
    served,
    settle,
)

SECRET = "s3cret"


@pytest.fixture
async def server(
    settings_for: Callable[..., Settings], minter: Minter
) -> AsyncIterator[LiveServer]:
    """Return a real server with a webhook secret and a low socket cap."""
    settings = settings_for(auth0_webhook_secret=SECRET, ws_max_sockets_per_user=2)
    async with served(settings, minter) as running:
        yield running


async def _closed(ws: Any, within: float = 20.0) -> tuple[int | None, str]:
    """Read until the server closes; return its close code and reason."""
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
    except ConnectionClosed:
        pass
    except TimeoutError as ex:
        raise AssertionError(f"the server did not close within {within} s") from ex
    received = ws.protocol.close_rcvd
    return (received.code, received.reason) if received else (None, "")


async def _refusal(url: str) -> tuple[list[dict[str, Any]], int | None]:
    async with websockets.connect(url) as ws:
        frames = []
        try:
            while True:
                frames.append(orjson.loads(await asyncio.wait_for(ws.recv(), 10)))
        except ConnectionClosed:
            pass
        received = ws.protocol.close_rcvd
        return frames, received.code if received else None


async def test_a_socket_without_a_token_is_closed_4401(server: LiveServer) -> None:
    game = await new_game(server.api, players=1)

    frames, code = await _refusal(server.ws_url(game.session_id, None))

    assert code == 4401
    assert frames[0]["type"] == "error" and frames[0]["code"] == "unauthorized"


async def test_a_socket_with_a_forged_token_is_closed_4401(server: LiveServer) -> None:
    game = await new_game(server.api, players=1)
    forged = game.players[0].token[:-4] + "AAAA"

    frames, code = await _refusal(server.ws_url(game.session_id, forged))

    assert code == 4401
    assert frames[0]["code"] == "unauthorized"


async def test_a_socket_to_an_unknown_session_is_closed_4403(server: LiveServer) -> None:
    player = await server.api.login()

    frames, code = await _refusal(server.ws_url("ZZZZZZ", player.token))

    assert code == 4403
    assert frames[0]["code"] == "session_not_found"


async def test_a_socket_of_a_non_participant_is_closed_4403(server: LiveServer) -> None:
    game = await new_game(server.api, players=1)
    stranger = await server.api.login()

    frames, code = await _refusal(server.ws_url(game.session_id, stranger.token))

    assert code == 4403
    assert frames[0]["code"] == "not_participant"


async def test_bad_json_gets_an_error_frame_and_the_socket_stays_open(server: LiveServer) -> None:
    game = await new_game(server.api, players=1)

    async with server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await live.ws.send("{not json")
        error = await live.next("error")
        await live.send({"type": "ping"})
        pong = await live.next("pong")

    assert error["code"] == "invalid_request"
    assert pong["type"] == "pong"


async def test_a_binary_frame_closes_the_socket_with_1003(server: LiveServer) -> None:
    game = await new_game(server.api, players=1)

    async with server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await live.ws.send(b'{"type": "ping"}')
        code, _ = await _closed(live.ws)

    assert code == 1003


async def test_an_oversized_frame_closes_the_socket_with_1009(server: LiveServer) -> None:
    game = await new_game(server.api, players=1)
    limit = server.ctx.settings.ws_max_message_bytes

    async with server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await live.ws.send("x" * (limit + 1))
        code, _ = await _closed(live.ws)

    assert code == 1009


async def test_a_frame_at_the_limit_is_read(server: LiveServer) -> None:
    game = await new_game(server.api, players=1)
    limit = server.ctx.settings.ws_max_message_bytes
    message = orjson.dumps({"type": "ping", "pad": ""})
    padded = message[:-2] + b"x" * (limit - len(message)) + b'"}'
    assert len(padded) == limit

    async with server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await live.ws.send(padded.decode())
        pong = await live.next("pong")

    assert pong["type"] == "pong"


async def test_sockets_over_the_per_user_cap_are_closed_4429_with_a_reason(
    server: LiveServer,
) -> None:
    game = await new_game(server.api, players=1)
    player = game.players[0]
    url = server.ws_url(game.session_id, player.token)

    async with server.socket(game.session_id, player) as first:
        await first.next("session.snapshot")
        async with server.socket(game.session_id, player) as second:
            await second.next("session.snapshot")
            async with websockets.connect(url) as third:
                frame = orjson.loads(await asyncio.wait_for(third.recv(), 10))
                code, reason = await _closed(third)
            # The first two stay open.
            await second.send({"type": "ping"})
            await second.next("pong")
        # One closed: there is room again.
        async with server.socket(game.session_id, player) as again:
            snapshot = await again.next("session.snapshot")

    assert frame["code"] == "too_many_connections"
    assert (code, reason) == (4429, "too many connections")
    assert snapshot["type"] == "session.snapshot"


async def test_a_socket_is_closed_4401_when_its_token_expires(
    server: LiveServer, minter: Minter
) -> None:
    game = await new_game(server.api, players=0)
    now = int(time.time())
    name, user_id = "short-lived", "auth0|short-lived"
    token = minter.token(
        {
            "iss": "quizcore-dev",
            "aud": "quizcore",
            "sub": user_id,
            "name": name,
            "iat": now,
            "exp": now + 3,
        }
    )
    player = Player(name=name, token=token, user_id=user_id)
    assert (await server.api.join(player, game.session_id)).status == 201

    async with server.socket(game.session_id, player) as live:
        await live.next("session.snapshot")
        code, _ = await _closed(live.ws, within=30)

    assert code == 4401


async def _block(server: LiveServer, player: Player) -> None:
    reply = await server.api.post(
        "/v1/auth0/events",
        json={"type": "user.blocked", "user": {"user_id": player.user_id}},
        headers={"X-Webhook-Secret": SECRET},
    )
    assert reply.status == 204, reply.text


async def test_a_blocked_user_s_open_socket_is_closed_4403_and_scores_nothing(
    server: LiveServer,
) -> None:
    api = server.api
    game = await new_game(api, players=2)
    blocked, other = game.players
    await api.host(game.host, game.session_id, "start")

    async with server.socket(game.session_id, blocked) as live:
        await live.next("session.snapshot")
        await _block(server, blocked)
        code, _ = await _closed(live.ws)
    over_http = await api.answer(blocked, game.session_id, "q1", RIGHT["q1"])
    scored = await api.answer(other, game.session_id, "q1", RIGHT["q1"], wait=5)
    board = await api.leaderboard(other, game.session_id)

    assert code == 4403
    assert over_http.status == 403
    assert scored.status == 200
    scores = {entry["user_id"]: entry["score"] for entry in board.body["entries"]}
    assert scores[other.user_id] == 1000
    assert scores.get(blocked.user_id, 0) == 0


async def test_an_answer_sent_on_a_revoked_socket_is_not_scored(server: LiveServer) -> None:
    api = server.api
    game = await new_game(api, players=1)
    player = game.players[0]
    await api.host(game.host, game.session_id, "start")

    async with server.socket(game.session_id, player) as live:
        await live.next("session.snapshot")
        # Blocked in this process's cache without the socket being told: the
        # next message on the socket must be refused all the same.
        server.ctx._remember(player.user_id, "blocked")
        await live.send({"type": "answer.submit", "question_id": "q1", "answer": RIGHT["q1"]})
        code, _ = await _closed(live.ws)
    await settle(server.ctx)
    recorded = await server.ctx.services.answers.for_participant(game.session_id, player.user_id)

    assert code == 4403
    assert recorded == []


async def test_host_socket_and_player_socket_count_separately(server: LiveServer) -> None:
    game = await new_game(server.api, players=1)
    sockets: list[LiveSocket] = []

    async with (
        server.socket(game.session_id, game.host) as host_one,
        server.socket(game.session_id, game.host) as host_two,
        server.socket(game.session_id, game.players[0]) as player_one,
    ):
        sockets = [host_one, host_two, player_one]
        for live in sockets:
            await live.next("session.snapshot")

    assert all(live.of("session.snapshot") for live in sockets)


async def _silent_socket(
    server: LiveServer, session_id: str, token: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open the live channel over raw TCP and never write again (no pong, no close)."""
    port = int(server.base.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /v1/sessions/{session_id}/live?access_token={token} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 10)
    assert status.startswith(b"HTTP/1.1 101 "), status
    return reader, writer


async def _until_dropped(reader: asyncio.StreamReader, within: float) -> float:
    """Read (never answering) until the server drops the connection; return when."""
    started = time.monotonic()
    while await asyncio.wait_for(reader.read(65536), within):
        pass
    return time.monotonic() - started


@pytest.mark.parametrize("ping_seconds", [0.5, 20.0])
async def test_a_socket_that_stops_answering_pings_is_dropped_after_two_ping_periods(
    settings_for: Callable[..., Settings], minter: Minter, ping_seconds: float
) -> None:
    settings = settings_for(ws_ping_seconds=ping_seconds)
    async with served(settings, minter) as server:
        game = await new_game(server.api, players=1)
        reader, writer = await _silent_socket(server, game.session_id, game.players[0].token)
        try:
            if ping_seconds < 1:
                assert await _until_dropped(reader, within=10) <= 2 * ping_seconds + 1
            else:
                # The control: the default keeps a quiet client connected meanwhile.
                with pytest.raises(TimeoutError):
                    await _until_dropped(reader, within=2)
        finally:
            writer.close()
