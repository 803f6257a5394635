"""A finished session is served the same once it has left memory.

The SQLite store keeps only the sessions being played in memory; a finished
one is read back from the file on demand. Everything the API serves about it
must not change when it is evicted, nor after a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from adapters.sqlite import SqliteDatabase
from entrypoints.settings import Settings

from .conftest import RIGHT, WRONG, Api, Game, Harness, Minter, conducted, eventually, new_game

pytest.importorskip("adapters.sqlite")


def _database(app: Harness) -> SqliteDatabase:
    # The stores share one database; reach it through the wired session store.
    database = app.ctx.services.sessions._db  # type: ignore[attr-defined]
    assert isinstance(database, SqliteDatabase)
    return database


async def _played(app: Harness, *, finish: bool = True) -> tuple[Game, list[str]]:
    """Play a three-player game over two questions; return it and its submissions."""
    api = app.api
    game = await new_game(api, players=3, seconds=120)
    sid = game.session_id
    await api.host(game.host, sid, "start")
    submissions = []
    for question_id, right in (("q1", (True, False, True)), ("q2", (True, True, False))):
        for number, player in enumerate(game.players):
            submission_id = f"{sid}-{question_id}-{number}"
            answer = (RIGHT if right[number] else WRONG)[question_id]
            reply = await api.answer(
                player, sid, question_id, answer, submission_id=submission_id, wait=5
            )
            assert reply.status == 200, reply.text
            submissions.append(submission_id)
        await api.host(game.host, sid, "next")
    if finish:
        await api.host(game.host, sid, "finish")

        async def totalled() -> bool | None:
            for player in game.players:
                me = (await api.get("/v1/users/me", as_=player)).body
                if me["sessions_played"] != 1:
                    return None
            return True

        await eventually(totalled, within=30)
    return game, submissions


async def _views(api: Api, game: Game, submissions: list[str]) -> dict[str, Any]:
    """Return what the API serves about one finished game, by request."""
    sid = game.session_id
    seen: dict[str, Any] = {}
    session = (await api.get(f"/v1/sessions/{sid}", as_=game.host)).body
    seen["session"] = {key: value for key, value in session.items() if key != "server_time"}
    for player in (game.host, *game.players):
        board = (await api.leaderboard(player, sid, limit=100)).body
        seen[f"board/{player.name}"] = {k: v for k, v in board.items() if k != "version"}
        results = await api.get(f"/v1/sessions/{sid}/results", as_=player)
        seen[f"results/{player.name}"] = (results.status, results.body)
    for number, player in enumerate(game.players):
        for submission_id in submissions:
            if submission_id.endswith(f"-{number}"):
                reply = await api.get(f"/v1/sessions/{sid}/answers/{submission_id}", as_=player)
                seen[f"answer/{submission_id}"] = (reply.status, reply.body)
        me = (await api.get("/v1/users/me", as_=player)).body
        seen[f"me/{player.name}"] = {k: v for k, v in me.items() if k != "global_rank"}
    return seen


async def _global(api: Api, games: list[Game]) -> dict[str, Any]:
    """Return the global board and every player's rank on it."""
    board = (await api.get("/v1/leaderboard", as_=games[0].host, params={"limit": 100})).body
    seen: dict[str, Any] = {"board": {k: v for k, v in board.items() if k != "version"}}
    for game in games:
        for player in game.players:
            seen[player.name] = (await api.get("/v1/users/me", as_=player)).body
    return seen


async def test_a_finished_session_reads_the_same_after_eviction_and_restart(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    settings = settings_for(storage="sqlite", sqlite_cache_sessions=1)
    async with conducted(settings, minter) as app:
        database = _database(app)
        first, first_submissions = await _played(app)
        resident = await _views(app.api, first, first_submissions)
        assert database.resident(first.session_id) is not None

        # Two more finished sessions push the first out of a cache of one.
        second, second_submissions = await _played(app)
        third, _ = await _played(app)
        assert database.resident(first.session_id) is None
        loads = database.loads
        evicted = await _views(app.api, first, first_submissions)
        assert database.loads > loads, "read back from the file"
        assert evicted == resident

        running, _ = await _played(app, finish=False)
        games = [first, second, third]
        before_global = await _global(app.api, games)
        before_second = await _views(app.api, second, second_submissions)

    # A cache of none: every finished session is read from the file each time.
    restarted = settings_for(storage="sqlite", sqlite_cache_sessions=0)
    async with conducted(restarted, minter) as app:
        database = _database(app)
        # Only the session still being played was loaded at start.
        assert database.resident(running.session_id) is not None
        for game in games:
            assert database.resident(game.session_id) is None
        assert await _views(app.api, first, first_submissions) == resident
        assert await _views(app.api, second, second_submissions) == before_second
        assert await _global(app.api, games) == before_global
        # Play goes on in the running session, and it finishes.
        sid = running.session_id
        await app.api.host(running.host, sid, "finish")
        finished = (await app.api.get(f"/v1/sessions/{sid}", as_=running.host)).body
        assert finished["status"] == "finished"
        assert database.resident_sessions() <= 1


async def test_joining_a_finished_session_out_of_memory_is_refused(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    settings = settings_for(storage="sqlite", sqlite_cache_sessions=0)
    async with conducted(settings, minter) as app:
        game, _ = await _played(app)
        await _played(app)  # its writes and reads push the first one out
        database = _database(app)
        sid = game.session_id
        assert database.resident(sid) is None
        # Joining a finished, evicted session is refused as for a resident one.
        late = await app.api.login("late-comer")
        reply = await app.api.join(late, sid)
        assert reply.status == 409, reply.text
        assert reply.body["code"] == "session_finished"
        # A player who took part is found in the file: joined already (200).
        again = await app.api.join(game.players[0], sid)
        assert again.status == 200, again.text
