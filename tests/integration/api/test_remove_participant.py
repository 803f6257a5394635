"""The host removes a player over HTTP; their socket is told, then closed."""

from __future__ import annotations

import asyncio

from websockets.exceptions import ConnectionClosed

from .conftest import RIGHT, Api, LiveServer, assert_problem, new_game


def _remove_path(session_id: str, user_id: str) -> str:
    return f"/v1/sessions/{session_id}/participants/{user_id}"


async def test_the_host_removes_a_player_who_then_may_not_join_again(api: Api) -> None:
    game = await new_game(api, players=2)
    gone, stays = game.players

    reply = await api.call("DELETE", _remove_path(game.session_id, gone.user_id), as_=game.host)
    again = await api.call("DELETE", _remove_path(game.session_id, gone.user_id), as_=game.host)

    assert (reply.status, reply.text) == (204, "")
    assert again.status == 204
    session = await api.get(f"/v1/sessions/{game.session_id}", as_=stays)
    assert session.body["participant_count"] == 1
    problem = assert_problem(await api.join(gone, game.session_id), 403, "forbidden")
    assert "removed you" in problem["detail"]
    await api.host(game.host, game.session_id, "start")
    assert_problem(
        await api.answer(gone, game.session_id, "q1", RIGHT["q1"]), 403, "not_participant"
    )
    board = await api.leaderboard(stays, game.session_id)
    assert [entry["user_id"] for entry in board.body["entries"]] == [stays.user_id]


async def test_removing_is_for_the_host_of_a_session_not_yet_over(api: Api) -> None:
    game = await new_game(api, players=2)
    player, other = game.players

    assert_problem(
        await api.call("DELETE", _remove_path(game.session_id, other.user_id), as_=player),
        403,
        "forbidden",
    )
    assert_problem(
        await api.call("DELETE", _remove_path(game.session_id, "nobody-here"), as_=game.host),
        404,
        "not_found",
    )
    assert_problem(
        await api.call("DELETE", _remove_path(game.session_id, "x" * 300), as_=game.host),
        404,
        "not_found",
    )
    assert_problem(
        await api.call("DELETE", _remove_path("ZZZZZZ", other.user_id), as_=game.host),
        404,
        "session_not_found",
    )
    assert_problem(
        await api.call("DELETE", _remove_path(game.session_id, other.user_id)), 401, "unauthorized"
    )
    await api.host(game.host, game.session_id, "start")
    await api.host(game.host, game.session_id, "finish")
    assert_problem(
        await api.call("DELETE", _remove_path(game.session_id, other.user_id), as_=game.host),
        409,
        "session_finished",
    )


async def test_the_removed_players_socket_is_told_then_closed_and_the_room_is_told(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=2)
    gone, stays = game.players

    async with (
        live_server.socket(game.session_id, gone) as theirs,
        live_server.socket(game.session_id, stays) as others,
        live_server.socket(game.session_id, game.host) as projector,
    ):
        for socket in (theirs, others, projector):
            await socket.next("session.snapshot")
        reply = await api.call("DELETE", _remove_path(game.session_id, gone.user_id), as_=game.host)
        assert reply.status == 204

        told = await theirs.next("participant.removed")
        try:
            await asyncio.wait_for(theirs.ws.recv(), 5)
            raise AssertionError("the removed player's socket stayed open")
        except ConnectionClosed:
            pass
        closed = theirs.ws.protocol.close_rcvd
        seen = await others.next("participant.removed")
        shown = await projector.next("participant.removed")
        board = await projector.next(
            "leaderboard.updated",
            where=lambda frame: frame["participant_count"] == 1,
        )

    assert told["user_id"] == gone.user_id
    assert (closed.code, closed.reason) == (4403, "removed by the host")
    assert seen == {**told, "seq": seen["seq"]}
    assert shown["participant_count"] == 1
    assert shown["display_name"] == told["display_name"]
    assert gone.user_id not in {entry["user_id"] for entry in board["entries"]}
    # A screen that was offline meanwhile learns it on reconnecting.
    async with live_server.socket(game.session_id, gone) as refused:
        error = await refused.next("error")
        try:
            await asyncio.wait_for(refused.ws.recv(), 5)
            raise AssertionError("the removed player's new socket stayed open")
        except ConnectionClosed:
            pass
        refusal = refused.ws.protocol.close_rcvd
    assert error["code"] == "not_participant"
    assert "removed you" in error["detail"]
    assert (refusal.code, refusal.reason) == (4403, "removed by the host")


async def test_the_host_lists_every_player_to_remove_one(api: Api) -> None:
    game = await new_game(api, players=3)
    first, gone, last = game.players
    await api.call("DELETE", _remove_path(game.session_id, gone.user_id), as_=game.host)

    listed = await api.get(f"/v1/sessions/{game.session_id}/participants", as_=game.host)

    assert listed.status == 200
    assert [item["user_id"] for item in listed.body["items"]] == [first.user_id, last.user_id]
    assert set(listed.body["items"][0]) == {"user_id", "display_name"}
    assert_problem(
        await api.get(f"/v1/sessions/{game.session_id}/participants", as_=first), 403, "forbidden"
    )
