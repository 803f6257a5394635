"""The host locks a session to newcomers: those in stay, nobody new joins."""

from __future__ import annotations

from .conftest import Api, LiveServer, assert_problem, new_game


async def test_a_locked_session_turns_newcomers_away_until_the_host_unlocks_it(api: Api) -> None:
    game = await new_game(api, players=1)
    sid, (joined,) = game.session_id, game.players
    stranger = await api.login("Stranger")

    locked = await api.host(game.host, sid, "lock")
    again = await api.host(game.host, sid, "lock")
    refused = await api.join(stranger, sid)
    back = await api.join(joined, sid)
    view = await api.get(f"/v1/sessions/{sid}", as_=joined)

    assert locked.status == again.status == 200
    assert locked.body["locked"] is True and again.body["locked"] is True
    problem = assert_problem(refused, 409, "session_locked")
    assert "locked" in problem["detail"]
    assert back.status == 200, "a player who joined comes back (a reload, another phone)"
    assert view.body["locked"] is True and view.body["participant_count"] == 1

    # While it runs too, until the host opens it again.
    await api.host(game.host, sid, "start")
    assert_problem(await api.join(stranger, sid), 409, "session_locked")
    unlocked = await api.host(game.host, sid, "unlock")
    late = await api.join(stranger, sid)

    assert unlocked.status == 200 and unlocked.body["locked"] is False
    assert late.status == 201


async def test_locking_is_the_hosts_and_only_before_the_end(api: Api) -> None:
    game = await new_game(api, players=1)
    sid, (player,) = game.session_id, game.players

    assert_problem(await api.host(player, sid, "lock"), 403, "forbidden")
    assert_problem(await api.host(player, sid, "unlock"), 403, "forbidden")
    assert_problem(await api.post(f"/v1/sessions/{sid}/lock"), 401, "unauthorized")
    assert_problem(await api.host(game.host, "ZZZZZZ", "lock"), 404, "session_not_found")
    fresh = await api.get(f"/v1/sessions/{sid}", as_=player)
    assert fresh.body["locked"] is False
    await api.host(game.host, sid, "start")
    await api.host(game.host, sid, "finish")
    assert_problem(await api.host(game.host, sid, "lock"), 409, "session_finished")


async def test_the_room_hears_the_lock_and_a_new_socket_sees_it(live_server: LiveServer) -> None:
    api = live_server.api
    game = await new_game(api, players=1)
    sid, (player,) = game.session_id, game.players

    async with live_server.socket(sid, player) as live:
        snapshot = await live.next("session.snapshot")
        await api.host(game.host, sid, "lock")
        await api.host(game.host, sid, "lock")  # no change: nobody is told
        await api.host(game.host, sid, "unlock")
        locked = await live.next("session.locked")
        unlocked = await live.next("session.unlocked")
        told = [frame["type"] for frame in live.frames if "locked" in frame["type"]]
        await api.host(game.host, sid, "lock")
        await live.next("session.locked")
    async with live_server.socket(sid, game.host) as watching:
        later = await watching.next("session.snapshot")

    assert snapshot["session"]["locked"] is False
    assert told == ["session.locked", "session.unlocked"], "the second lock told nobody"
    assert locked["seq"] < unlocked["seq"] and "at" in locked
    assert later["session"]["locked"] is True
