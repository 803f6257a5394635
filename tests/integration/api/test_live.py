"""The live channel over a real uvicorn and a real WebSocket client."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest
import websockets
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

from entrypoints.settings import Settings

from .conftest import RIGHT, LiveServer, LiveSocket, Minter, epoch_ms, new_game, served

CURRENT_QUESTION_FIELDS = {
    "question_id",
    "index",
    "prompt",
    "kind",
    "choices",
    "opens_at",
    "closes_at",
    "seconds",
}


def assert_seq_strictly_increasing(frames: list[dict[str, Any]]) -> None:
    """Assert every frame has a type and a seq, and seqs only grow."""
    assert all("type" in frame and isinstance(frame.get("seq"), int) for frame in frames), frames
    seqs = [frame["seq"] for frame in frames]
    assert all(later > earlier for earlier, later in itertools.pairwise(seqs)), [
        (frame["type"], frame["seq"]) for frame in frames
    ]


async def test_a_connection_starts_with_a_snapshot_of_the_session(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=2)
    player = game.players[0]
    await api.host(game.host, game.session_id, "start")
    await api.answer(player, game.session_id, "q1", RIGHT["q1"], wait=2)

    async with live_server.socket(game.session_id, player) as live:
        snapshot = await live.next()

    assert snapshot["type"] == "session.snapshot"
    assert snapshot["session"]["session_id"] == game.session_id
    assert snapshot["session"]["status"] == "running"
    assert snapshot["session"]["participant_count"] == 2
    assert set(snapshot["current_question"]) == CURRENT_QUESTION_FIELDS
    assert snapshot["current_question"]["question_id"] == "q1"
    assert snapshot["me"] == {"rank": 1, "score": 1000}
    assert snapshot["answered"] == ["q1"]
    assert snapshot["answer_counts"] == {"q1": 1}, "a reloaded projector shows its count"
    entries = snapshot["leaderboard"]["entries"]
    assert (entries[0]["user_id"], entries[0]["score"]) == (player.user_id, 1000)
    assert "correct_answer" not in str(snapshot) and "'answer'" not in str(snapshot)


async def test_a_lobby_snapshot_lists_the_class_in_the_order_it_joined(
    live_server: LiveServer,
) -> None:
    game = await new_game(live_server.api, players=5)
    late = game.players[3]

    async with live_server.socket(game.session_id, late) as live:
        lobby = await live.next()
    sixth = await live_server.api.login("sixth")
    await live_server.api.join(sixth, game.session_id)
    async with live_server.socket(game.session_id, late) as live:
        again = await live.next()
    await live_server.api.host(game.host, game.session_id, "start")
    async with live_server.socket(game.session_id, late) as live:
        playing = await live.next()

    assert [p["user_id"] for p in lobby["participants"]] == [p.user_id for p in game.players]
    assert {p["display_name"] for p in lobby["participants"]} == {p.name for p in game.players}
    assert [p["user_id"] for p in again["participants"]][-1] == sixth.user_id, "read again"
    assert playing["participants"] is None, "a class at play is on the board"


async def test_the_host_may_watch_without_joining(live_server: LiveServer) -> None:
    game = await new_game(live_server.api, players=1)

    async with live_server.socket(game.session_id, game.host) as live:
        snapshot = await live.next()

    assert snapshot["type"] == "session.snapshot"
    assert snapshot["me"] is None


async def _refused(live_server: LiveServer, url: str) -> tuple[dict[str, Any], int | None]:
    async with websockets.connect(url) as ws:
        frame = LiveSocket(ws)
        error = await frame.next()
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        return error, ws.close_code


async def test_an_unauthenticated_socket_gets_an_error_and_is_closed(
    live_server: LiveServer,
) -> None:
    game = await new_game(live_server.api, players=1)

    for token in (None, "", "junk.token.here"):
        error, code = await _refused(live_server, live_server.ws_url(game.session_id, token))
        assert error["type"] == "error"
        assert error["code"] == "unauthorized"
        assert error["detail"]
        assert code == 4401


async def test_a_socket_of_someone_who_has_not_joined_is_refused(live_server: LiveServer) -> None:
    game = await new_game(live_server.api, players=1)
    stranger = await live_server.api.login("stranger")

    error, code = await _refused(live_server, live_server.ws_url(game.session_id, stranger.token))

    assert (error["type"], error["code"]) == ("error", "not_participant")
    assert code == 4403


async def test_a_socket_to_an_unknown_session_is_refused(live_server: LiveServer) -> None:
    player = await live_server.api.login()

    error, code = await _refused(live_server, live_server.ws_url("ZZZZZZ", player.token))

    assert (error["type"], error["code"]) == ("error", "session_not_found")
    assert code == 4403


async def test_the_live_channel_carries_a_game_from_join_to_finish(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=1)
    sid = game.session_id
    player = game.players[0]
    latecomer = await api.login("Latecomer")

    async with (
        live_server.socket(sid, game.host) as host_live,
        live_server.socket(sid, player) as live,
    ):
        await host_live.next("session.snapshot")
        await live.next("session.snapshot")
        await api.join(latecomer, sid)
        await api.join(latecomer, sid)  # a second join is no news
        joined = await live.next("participant.joined")
        started = await api.host(game.host, sid, "start")
        opened = await live.next("question.opened")
        result = await api.answer(player, sid, "q1", RIGHT["q1"], submission_id="live-1")
        pushed = await live.next("answer.result")
        board = await live.next("leaderboard.updated", where=lambda f: f["me"]["score"] > 0)
        await api.answer(latecomer, sid, "q1", "stay", wait=2)
        await api.host(game.host, sid, "next")
        closed = await live.next("question.closed")
        second = await live.next("question.opened")
        await api.host(game.host, sid, "finish")
        closed_second = await live.next("question.closed")
        finished = await live.next("session.finished")
        host_finished = await host_live.next("session.finished")

    assert result.status == 202
    assert joined == {
        "type": "participant.joined",
        "seq": joined["seq"],
        "user_id": latecomer.user_id,
        "display_name": "Latecomer",
        "participant_count": 2,
    }
    assert {key: opened[key] for key in CURRENT_QUESTION_FIELDS} == started.body["current_question"]
    assert not {"answer", "accept", "correct_answer"} & set(opened), "no answer before closing"
    assert len(live.of("participant.joined")) == 1
    assert pushed["submission_id"] == "live-1"
    assert pushed["status"] == "scored"
    assert (pushed["correct"], pushed["points"], pushed["score"], pushed["rank"]) == (
        True,
        1000,
        1000,
        1,
    )
    assert board["me"] == {"rank": 1, "score": 1000}
    assert board["entries"][0]["user_id"] == player.user_id
    assert isinstance(board["version"], int)
    assert closed["question_id"] == "q1"
    assert closed["correct_answer"] == "start"
    assert closed["stats"]["answers"] == 2
    assert closed["stats"]["correct"] == 1
    assert closed["stats"]["correct_share"] == 0.5
    assert second["question_id"] == "q2"
    assert closed_second["question_id"] == "q2"
    assert closed_second["correct_answer"] == "hello"
    assert [entry["user_id"] for entry in finished["entries"]] == [
        player.user_id,
        latecomer.user_id,
    ]
    assert finished["entries"] == host_finished["entries"]
    assert_seq_strictly_increasing(live.frames)
    assert_seq_strictly_increasing(host_live.frames)


async def test_an_answer_result_goes_to_its_owner_only(live_server: LiveServer) -> None:
    api = live_server.api
    game = await new_game(api, players=2)
    sid = game.session_id
    first, second = game.players
    await api.host(game.host, sid, "start")

    async with (
        live_server.socket(sid, first) as first_live,
        live_server.socket(sid, second) as second_live,
        live_server.socket(sid, game.host) as host_live,
    ):
        await api.answer(first, sid, "q1", RIGHT["q1"], submission_id="first-1")
        await api.answer(second, sid, "q1", "stay", submission_id="second-1")
        mine = await first_live.next("answer.result")
        theirs = await second_live.next("answer.result")
        await api.host(game.host, sid, "finish")
        for live in (first_live, second_live, host_live):
            await live.next("session.finished")

    assert mine["submission_id"] == "first-1"
    assert theirs["submission_id"] == "second-1"
    assert [frame["submission_id"] for frame in first_live.of("answer.result")] == ["first-1"]
    assert [frame["submission_id"] for frame in second_live.of("answer.result")] == ["second-1"]
    assert host_live.of("answer.result") == []


async def test_answers_submitted_over_the_socket_are_scored_as_over_http(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=1)
    sid = game.session_id
    player = game.players[0]
    await api.host(game.host, sid, "start")

    async with live_server.socket(sid, player) as live:
        await live.next("session.snapshot")
        submit = {"type": "answer.submit", "question_id": "q1", "answer": "start"}
        await live.send({**submit, "submission_id": "ws-1"})
        result = await live.next("answer.result")
        await live.send({**submit, "submission_id": "ws-1"})
        replayed = await live.next("answer.result")

    fetched = await api.get(f"/v1/sessions/{sid}/answers/ws-1", as_=player)
    assert result["submission_id"] == "ws-1"
    assert (result["correct"], result["points"], result["score"]) == (True, 1000, 1000)
    assert {key: result[key] for key in fetched.body} == fetched.body
    assert {key: replayed[key] for key in fetched.body} == fetched.body
    board = await api.leaderboard(player, sid)
    assert board.body["me"]["score"] == 1000, "a resubmission never counts twice"


def slow_question_opened(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, seconds: float
) -> None:
    """Make the hub push each ``question.opened`` ``seconds`` after the question opened."""
    hub = live_server.ctx.hub
    assert hub is not None
    push = hub.to_session

    async def slow(session_id: str, event: dict[str, Any]) -> None:
        if event["type"] == "question.opened":
            await asyncio.sleep(seconds)
        await push(session_id, event)

    monkeypatch.setattr(hub, "to_session", slow)


async def test_a_live_question_is_timed_from_when_the_player_was_shown_it(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = live_server.api
    game = await new_game(api, players=2, seconds=20)
    sid = game.session_id
    late, unseen = game.players
    slow_question_opened(live_server, monkeypatch, 1.2)  # slow to tell the room

    async with live_server.socket(sid, late) as live:
        await live.next("session.snapshot")
        await api.host(game.host, sid, "start")
        opened = await live.next("question.opened")
        submit = {"type": "answer.submit", "question_id": "q1", "answer": RIGHT["q1"]}
        await live.send({**submit, "submission_id": "late-1"})
        result = await live.next("answer.result")
    # Answered over HTTP, never shown the question by the server: the room's time.
    reply = await api.answer(unseen, sid, "q1", RIGHT["q1"], submission_id="unseen-1", wait=5)

    assert opened["question_id"] == "q1"
    assert result["points"] == 1000, "answered within 0.5 s of being shown it"
    assert reply.status == 200 and 900 < reply.body["points"] < 1000, reply.body


async def test_a_room_slow_to_reach_gets_its_question_open_that_much_longer(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = live_server.api
    game = await new_game(api, players=1, seconds=20)
    sid, player = game.session_id, game.players[0]
    hub = live_server.ctx.hub
    assert hub is not None
    # As if the last large room here took 0.6 s a socket to reach.
    monkeypatch.setattr(hub, "reach_per_socket_us", 600_000.0)

    async with live_server.socket(sid, player) as live:
        await live.next("session.snapshot")
        await api.host(game.host, sid, "start")
        first = await live.next("question.opened")
        current = await api.current(player, sid)
        await api.host(game.host, sid, "next")
        second = await live.next("question.opened")

    def length(question: dict[str, Any]) -> int:
        return epoch_ms(question["closes_at"]) - epoch_ms(question["opens_at"])

    # The first question: the room's one socket, at that cost, in quarter
    # seconds; a read says the same.
    assert length(first) == 20_750, first
    assert current.status == 200 and length(current.body) == 20_750
    # What a countdown shows at most stays what the teacher set.
    assert first["seconds"] == current.body["seconds"] == 20
    # The second: the first was measured reaching the room at once.
    assert length(second) == 20_000, second


async def test_a_player_who_read_the_question_first_is_timed_from_the_read(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = live_server.api
    game = await new_game(api, players=1, seconds=20)
    sid, reader = game.session_id, game.players[0]
    slow_question_opened(live_server, monkeypatch, 1.5)

    async with live_server.socket(sid, reader) as live:
        await live.next("session.snapshot")
        await api.host(game.host, sid, "start")
        await asyncio.sleep(0.7)
        current = await api.current(reader, sid)  # seen here, before its push
        await live.next("question.opened")
        submit = {"type": "answer.submit", "question_id": "q1", "answer": RIGHT["q1"]}
        await live.send({**submit, "submission_id": "read-1"})
        result = await live.next("answer.result")

    assert current.status == 200 and current.body["question_id"] == "q1"
    assert 900 < result["points"] < 1000, "timed from the read, 0.8 s before the answer"


async def test_socket_submissions_that_break_a_rule_get_error_frames(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=1)
    sid = game.session_id
    player = game.players[0]
    await api.host(game.host, sid, "start")

    async with live_server.socket(sid, player) as live:
        await live.next("session.snapshot")
        await live.send(
            {"type": "answer.submit", "question_id": "q1", "answer": "stay", "submission_id": "e-1"}
        )
        await live.next("answer.result")
        cases = {
            "e-2": {"question_id": "q1", "answer": "start"},
            "e-3": {"question_id": "q2", "answer": "hello"},
            "e-4": {"question_id": "q1"},
            "e-5": {"question_id": "q9", "answer": "x"},
        }
        errors = {}
        for submission_id, fields in cases.items():
            await live.send({"type": "answer.submit", "submission_id": submission_id, **fields})
            errors[submission_id] = await live.next("error")

    assert {key: error["code"] for key, error in errors.items()} == {
        "e-2": "already_answered",
        "e-3": "question_not_open",
        "e-4": "invalid_request",
        "e-5": "not_found",
    }
    for submission_id, error in errors.items():
        assert error["submission_id"] == submission_id
        assert isinstance(error["detail"], str) and error["detail"]


async def test_an_answer_over_the_socket_before_start_is_session_not_running(
    live_server: LiveServer,
) -> None:
    game = await new_game(live_server.api, players=1)

    async with live_server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await live.send({"type": "answer.submit", "question_id": "q1", "answer": "start"})
        error = await live.next("error")

    assert error["code"] == "session_not_running"


async def test_a_ping_is_answered_with_a_pong(live_server: LiveServer) -> None:
    game = await new_game(live_server.api, players=1)

    async with live_server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await live.send({"type": "ping"})
        pong = await live.next("pong")

    assert isinstance(pong["seq"], int)


async def test_junk_messages_get_error_frames_and_the_socket_stays_open(
    live_server: LiveServer,
) -> None:
    game = await new_game(live_server.api, players=1)

    async with live_server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await live.ws.send("not json")
        first = await live.next("error")
        await live.ws.send("[1, 2]")
        second = await live.next("error")
        await live.send({"type": "dance"})
        third = await live.next("error")
        await live.send({"type": "ping"})
        await live.next("pong")

    # An oversized frame closes the socket with 1009: test_live_hardening.py.
    assert [first["code"], second["code"], third["code"]] == ["invalid_request"] * 3


async def test_pongs_and_errors_keep_seq_strictly_increasing(live_server: LiveServer) -> None:
    api = live_server.api
    game = await new_game(api, players=1)

    async with live_server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await api.join(await api.login("someone"), game.session_id)
        await live.next("participant.joined")
        await live.send({"type": "ping"})
        await live.next("pong")
        await live.ws.send("not json")
        await live.next("error")
        await live.send({"type": "ping"})
        await live.next("pong")

    assert_seq_strictly_increasing(live.frames)


async def test_an_event_sent_while_the_snapshot_is_read_numbers_above_it(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = live_server.api
    game = await new_game(api, players=1)
    answers = live_server.ctx.services.answers
    read = answers.for_participant

    async def event_meanwhile(session_id: str, user_id: str) -> Any:
        # The socket has joined the hub; the snapshot is still being read.
        await live_server.ctx.hub.to_session(session_id, {"type": "host.joined"})
        return await read(session_id, user_id)

    monkeypatch.setattr(answers, "for_participant", event_meanwhile)
    async with live_server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await live.next("host.joined")

    assert_seq_strictly_increasing(live.frames)


async def test_a_malformed_since_gets_a_snapshot_or_an_error_frame(
    live_server: LiveServer,
) -> None:
    game = await new_game(live_server.api, players=1)
    url = live_server.ws_url(game.session_id, game.players[0].token) + "&since=abc"

    async with websockets.connect(url) as ws:
        frame = orjson.loads(await asyncio.wait_for(ws.recv(), 5))

    assert frame["type"] == "session.snapshot" or (
        frame["type"] == "error" and frame["code"] == "invalid_request"
    )


async def test_reconnecting_with_since_replays_the_missed_events(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=2)
    sid = game.session_id
    player, other = game.players

    async with live_server.socket(sid, player) as live:
        snapshot = await live.next("session.snapshot")
    newcomer = await api.login("Newcomer")
    await api.join(newcomer, sid)
    await api.host(game.host, sid, "start")
    await api.answer(other, sid, "q1", "start", submission_id="other-1", wait=2)

    async with live_server.socket(sid, player, since=snapshot["seq"]) as live:
        await live.next("question.opened")
        replayed = list(live.frames)

    # The events after ``since`` come back in order; a leaderboard push in
    # between may have taken a seq of its own (pushes are coalesced state,
    # not replayed), so seqs only grow, as API.md promises.
    assert replayed[0]["type"] == "participant.joined"
    assert replayed[0]["seq"] > snapshot["seq"]
    kinds = [frame["type"] for frame in replayed]
    assert "participant.joined" in kinds
    assert kinds.index("participant.joined") < kinds.index("question.opened")
    (joined,) = [frame for frame in replayed if frame["type"] == "participant.joined"]
    assert joined["user_id"] == newcomer.user_id
    assert_seq_strictly_increasing(replayed)


async def test_a_resume_across_a_reveal_brings_the_standings_it_missed(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=2)
    sid = game.session_id
    player, other = game.players
    await api.host(game.host, sid, "start")

    async with live_server.socket(sid, game.host) as projector:
        await projector.next("session.snapshot")
        async with live_server.socket(sid, player) as live:
            snapshot = await live.next("session.snapshot")
        # Away (a Wi-Fi drop) while the other scores and the question closes,
        # until the board with their points has gone out (the projector has
        # it: before the close, or after it; a receiver whose view did not
        # change at the close is sent no copy then).
        await api.answer(other, sid, "q1", RIGHT["q1"], wait=2)
        await api.host(game.host, sid, "reveal")
        await projector.next("question.closed")
        await projector.next(
            "leaderboard.updated",
            where=lambda board: (
                board["entries"][0]["user_id"] == other.user_id and board["entries"][0]["score"] > 0
            ),
        )

        async with live_server.socket(sid, player, since=snapshot["seq"]) as live:
            closed = await live.next("question.closed")
            board = await live.next("leaderboard.updated")
            frames = list(live.frames)

    assert closed["question_id"] == "q1", "the events are replayed"
    assert board["entries"][0]["user_id"] == other.user_id
    assert board["me"] == {"rank": 2, "score": 0}, "its own standing, as it is now"
    assert_seq_strictly_increasing(frames)


async def test_a_replay_never_holds_another_players_answer_result(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=2)
    sid = game.session_id
    player, other = game.players
    await api.host(game.host, sid, "start")

    async with live_server.socket(sid, player) as live:
        snapshot = await live.next("session.snapshot")
    await api.answer(other, sid, "q1", "start", submission_id="other-1", wait=2)
    await api.answer(player, sid, "q1", "start", submission_id="mine-1", wait=2)
    await api.host(game.host, sid, "next")

    async with live_server.socket(sid, player, since=snapshot["seq"]) as live:
        await live.next("question.opened")
        results = [frame["submission_id"] for frame in live.of("answer.result")]

    assert results == ["mine-1"]


async def test_a_resume_the_server_can_no_longer_replay_gets_a_fresh_snapshot(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    async with served(settings_for(replay_buffer=2), minter) as server:
        game = await new_game(server.api, players=1)
        player = game.players[0]
        async with server.socket(game.session_id, player) as live:
            snapshot = await live.next("session.snapshot")
        for number in range(4):
            await server.api.join(await server.api.login(f"crowd-{number}"), game.session_id)

        async with server.socket(game.session_id, player, since=snapshot["seq"]) as live:
            too_old = await live.next()
        async with server.socket(game.session_id, player, since=10**9) as live:
            from_the_future = await live.next()

    assert too_old["type"] == "session.snapshot"
    assert too_old["session"]["participant_count"] == 5
    assert from_the_future["type"] == "session.snapshot"


async def test_leaderboard_updates_are_coalesced_to_one_per_interval(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    interval = live_server.ctx.settings.leaderboard_interval_ms / 1000
    game = await new_game(api, players=40)
    sid = game.session_id
    watcher = game.players[0]
    await api.host(game.host, sid, "start")

    async with live_server.socket(sid, watcher) as live:
        await live.next("session.snapshot")
        await live.collect(2 * interval)  # let the joins' updates go by
        began = time.monotonic()
        # Read while the answers go in, so every push is counted in its window.
        reading = asyncio.create_task(live.collect(1.2))
        replies = await asyncio.gather(
            *(api.answer(player, sid, "q1", "start") for player in game.players)
        )
        frames = await reading
        elapsed = time.monotonic() - began
        updates = [frame for frame in frames if frame["type"] == "leaderboard.updated"]

    assert {reply.status for reply in replies} == {202}
    assert updates, "scores changed, so the leaderboard must be pushed"
    assert len(updates) <= elapsed / interval + 1, (len(updates), elapsed)
    assert len(updates) < len(game.players) / 4, "forty scores, a handful of pushes"
    final = updates[-1]
    assert 500 <= final["me"]["score"] <= 1000
    assert all(500 <= entry["score"] <= 1000 for entry in final["entries"])
    assert len(final["entries"]) == 10
    assert final["participant_count"] == 40
    assert [frame["version"] for frame in updates] == sorted(frame["version"] for frame in updates)
    assert all("me" in frame for frame in updates)


class StalledClient:
    """A live-channel client on a raw socket that reads only when told to.

    The socket's receive buffer is made tiny, so once the client stops
    reading, the server's sends to it back up at once. Frames are parsed by
    the websockets library's sans-I/O protocol.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.protocol = ClientProtocol(parse_uri(url), max_size=2**23)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.setblocking(False)
        self.frames: list[dict[str, Any]] = []

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        uri = parse_uri(self.url)
        await loop.sock_connect(self.sock, (uri.host, uri.port))
        self.protocol.send_request(self.protocol.connect())
        await loop.sock_sendall(self.sock, b"".join(self.protocol.data_to_send()))
        while not self.frames:  # up to the first frame (the snapshot)
            await self.read(1024)

    async def read(self, size: int = 65536) -> None:
        data = await asyncio.get_running_loop().sock_recv(self.sock, size)
        assert data, "the server closed the stalled client"
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self.frames.append(orjson.loads(event.data))

    def close(self) -> None:
        self.sock.close()


async def test_a_client_that_stops_reading_slows_nobody_and_gets_a_snapshot_later(
    live_server: LiveServer,
) -> None:
    api, hub = live_server.api, live_server.ctx.hub
    assert hub is not None
    game = await new_game(api, players=2)
    sid = game.session_id
    stalled_player, reader_player = game.players
    stalled = StalledClient(live_server.ws_url(sid, stalled_player.token))
    await stalled.open()
    try:
        async with live_server.socket(sid, reader_player) as reader:
            await reader.next("session.snapshot")
            pad = "x" * 30_000
            # Some 12 MB for a client that reads nothing, far beyond its buffers.
            for number in range(400):
                await hub.to_session(
                    sid,
                    {
                        "type": "participant.joined",
                        "user_id": f"flood-{number}",
                        "display_name": pad,
                        "participant_count": number,
                    },
                )
                if number % 10 == 9:
                    await asyncio.sleep(0)  # let the sockets take what they can

            # The reading client gets everything while the other one stalls.
            last = await reader.next(where=lambda f: f.get("user_id") == "flood-399", within=20)
            (connection,) = [
                c for c in hub._rooms[sid].connections if c.user_id == stalled_player.user_id
            ]
            assert connection.dropped > 0, "the stalled client's backlog was dropped"
            assert connection.queue.qsize() <= hub.queue_size, "and never held beyond its bound"

            # Reading again, it is told to start afresh rather than fed the backlog.
            while sum(frame["type"] == "session.snapshot" for frame in stalled.frames) < 2:
                await asyncio.wait_for(stalled.read(), 20)
    finally:
        stalled.close()

    assert stalled.frames[0]["type"] == "session.snapshot"
    assert last["seq"] > stalled.frames[0]["seq"]
    flood = [f["user_id"] for f in reader.frames if f.get("user_id", "").startswith("flood-")]
    assert flood == [f"flood-{number}" for number in range(400)]
