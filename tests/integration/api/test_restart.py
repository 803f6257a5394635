"""Restarts lose nothing: a clean stop and start, and a kill -9 mid-game.

Both run on the embedded profile's durable SQLite storage.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from entrypoints.settings import Settings
from tests import oracle

from .conftest import (
    POINTS,
    RIGHT,
    WRONG,
    Api,
    Game,
    Harness,
    Minter,
    conducted,
    eventually,
    free_port,
    httpx_send,
    make_settings,
    new_game,
    served,
)

pytest.importorskip("adapters.sqlite")


def _without_clock(view: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in view.items() if key != "server_time"}


async def _state(
    app: Harness, games: list[Game], submissions: dict[str, list[str]]
) -> dict[str, Any]:
    """Return everything a player could see of the games, minus the server clock."""
    api = app.api
    seen: dict[str, Any] = {}
    for game in games:
        sid = game.session_id
        everyone = [game.host, *game.players]
        view = (await api.get(f"/v1/sessions/{sid}", as_=game.host)).body
        seen[f"{sid}/session"] = _without_clock(view)
        for player in everyone:
            board = (await api.leaderboard(player, sid, limit=100)).body
            # The version is left out: see the version test below.
            seen[f"{sid}/board/{player.name}"] = {k: v for k, v in board.items() if k != "version"}
            results = await api.get(f"/v1/sessions/{sid}/results", as_=player)
            seen[f"{sid}/results/{player.name}"] = (results.status, results.body)
            current = await api.current(player, sid)
            seen[f"{sid}/current/{player.name}"] = (current.status, current.body)
        for player in game.players:
            for submission_id in submissions.get(player.name, []):
                reply = await api.get(f"/v1/sessions/{sid}/answers/{submission_id}", as_=player)
                seen[f"{sid}/answer/{submission_id}"] = (reply.status, reply.body)
    for player in {p.name: p for g in games for p in (g.host, *g.players)}.values():
        seen[f"me/{player.name}"] = (await api.get("/v1/users/me", as_=player)).body
    board = (await api.get("/v1/leaderboard", as_=games[0].host, params={"limit": 100})).body
    seen["global"] = {key: value for key, value in board.items() if key != "version"}
    return seen


async def test_a_clean_restart_keeps_sessions_scores_leaderboards_and_results(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    settings = settings_for(storage="sqlite")
    submissions: dict[str, list[str]] = {}

    async def answer(app: Harness, game: Game, number: int, qid: str, right: bool) -> None:
        player = game.players[number]
        submission_id = f"{game.session_id}-{qid}-{number}"
        submissions.setdefault(player.name, []).append(submission_id)
        reply = await app.api.answer(
            player,
            game.session_id,
            qid,
            (RIGHT if right else WRONG)[qid],
            submission_id=submission_id,
            wait=2,
        )
        assert reply.status == 200, reply.text

    async with conducted(settings, minter) as app:
        finished = await new_game(app.api, players=3, seconds=60)
        await app.api.host(finished.host, finished.session_id, "start")
        await answer(app, finished, 0, "q1", True)
        await answer(app, finished, 1, "q1", False)
        await app.api.host(finished.host, finished.session_id, "next")
        await answer(app, finished, 0, "q2", True)
        await answer(app, finished, 2, "q2", True)
        await app.api.host(finished.host, finished.session_id, "finish")
        running = await new_game(app.api, players=3, seconds=120)
        await app.api.host(running.host, running.session_id, "start")
        await answer(app, running, 0, "q1", True)
        await answer(app, running, 1, "q1", True)
        await app.api.host(running.host, running.session_id, "next")
        await answer(app, running, 1, "q2", False)
        games = [finished, running]

        async def settled() -> dict[str, Any] | None:
            me = (await app.api.get("/v1/users/me", as_=finished.players[0])).body
            return me if me["sessions_played"] == 1 else None

        await eventually(settled)
        before = await _state(app, games, submissions)

    async with conducted(settings, minter) as app:
        after = await _state(app, games, submissions)
        # Play goes on where it stopped.
        sid = running.session_id
        more = await app.api.answer(running.players[0], sid, "q2", RIGHT["q2"], wait=2)
        moved = await app.api.host(running.host, sid, "next")
        mine = await app.ctx.services.answers.for_participant(sid, running.players[0].user_id)
        (q2,) = [answer for answer in mine if answer.question_id == "q2"]

    assert after == before
    assert before[f"{finished.session_id}/results/{finished.host.name}"][0] == 200
    assert before[f"{running.session_id}/session"]["current_question"]["question_id"] == "q2"
    assert more.status == 200
    # The base depends on how long the restart took: take it from the recorded times.
    speed = oracle.answer_points(POINTS["q2"], q2.received_at - q2.opened_at, q2.limit_ms)
    assert more.body["points"] == speed + 100, "the streak survived the restart"
    assert moved.body["current_question"]["question_id"] == "q3"


async def test_the_leaderboard_version_never_goes_back_after_a_restart(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    settings = settings_for(storage="sqlite")
    async with conducted(settings, minter) as app:
        game = await new_game(app.api, players=3, seconds=120)
        await app.api.host(game.host, game.session_id, "start")
        for question_id in ("q1", "q2"):
            for player in game.players:
                await app.api.answer(
                    player, game.session_id, question_id, RIGHT[question_id], wait=2
                )
            await app.api.host(game.host, game.session_id, "next")
        before = (await app.api.leaderboard(game.host, game.session_id)).body["version"]

    async with conducted(settings, minter) as app:
        after = (await app.api.leaderboard(game.host, game.session_id)).body["version"]

    assert after >= before, (before, after)


# --------------------------------------------------------------------------- kill -9


class Process:
    """``quiz serve`` in a child process on a free port."""

    def __init__(self, data_dir: Path, repo: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")}
        env.update(
            QUIZ_DATA_DIR=str(data_dir),
            QUIZ_STORAGE="sqlite",
            QUIZ_WEB_DIST=str(data_dir / "no-web"),
            QUIZ_LOG_LEVEL="WARNING",
        )
        quiz = Path(sys.executable).with_name("quiz")
        self.child = subprocess.Popen(
            [str(quiz), "serve", "--port", str(self.port)],
            cwd=repo,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    async def ready(self, client: httpx.AsyncClient) -> None:
        """Wait until the server answers /readyz."""

        async def probe() -> bool | None:
            if self.child.poll() is not None:
                raise AssertionError(self.child.stderr.read().decode() if self.child.stderr else "")
            try:
                return (await client.get(f"{self.base}/readyz")).status_code == 200 or None
            except httpx.TransportError:
                return None

        await eventually(probe, within=30, every=0.1)

    def kill(self) -> None:
        """SIGKILL the server: no shutdown hook runs."""
        self.child.send_signal(signal.SIGKILL)
        self.child.wait(10)

    def stop(self) -> None:
        """Stop the server politely."""
        if self.child.poll() is None:
            self.child.terminate()
            try:
                self.child.wait(10)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait(10)
        if self.child.stderr:
            self.child.stderr.close()


@pytest.fixture
def processes(tmp_path: Path, repo_root: Path) -> Iterator[Callable[[Path], Process]]:
    """Start ``quiz serve`` processes; stop any still running at the end."""
    started: list[Process] = []

    def start(data_dir: Path) -> Process:
        started.append(Process(data_dir, repo_root))
        return started[-1]

    yield start
    for process in started:
        process.stop()


def _durable_answers(database: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return [orjson.loads(row[0]) for row in conn.execute("SELECT data FROM answers")]


@pytest.mark.slow
async def test_every_acknowledged_answer_survives_a_kill_9_and_scores_the_same(
    tmp_path: Path, minter: Minter, processes: Callable[[Path], Process]
) -> None:
    data_dir = tmp_path / "killed"
    make_settings(data_dir, minter.pem)  # puts the shared dev signing key in place
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        first = processes(data_dir)
        await first.ready(client)
        client.base_url = httpx.URL(first.base)
        api = Api(httpx_send(client), minter)
        game = await new_game(api, players=12, seconds=120)
        sid = game.session_id
        await api.host(game.host, sid, "start")
        scored_q1 = await asyncio.gather(
            *(
                api.answer(
                    p, sid, "q1", (RIGHT if n % 3 else WRONG)["q1"], submission_id=f"a-{n}", wait=2
                )
                for n, p in enumerate(game.players)
            )
        )
        await api.host(game.host, sid, "next")
        # The q2 answers of even players are waited for; the odd ones only acknowledged.
        acked_q2 = await asyncio.gather(
            *(
                api.answer(
                    p,
                    sid,
                    "q2",
                    (RIGHT if n % 4 else WRONG)["q2"],
                    submission_id=f"b-{n}",
                    wait=2 if n % 2 == 0 else None,
                )
                for n, p in enumerate(game.players)
            )
        )
        first.kill()

        second = processes(data_dir)
        client.base_url = httpx.URL(second.base)
        await second.ready(client)
        after_q1 = [
            (await api.get(f"/v1/sessions/{sid}/answers/a-{n}", as_=p)).body
            for n, p in enumerate(game.players)
        ]
        after_q2 = [await api.scored(p, sid, f"b-{n}") for n, p in enumerate(game.players)]
        board = (await api.leaderboard(game.host, sid, limit=100)).body
        second.stop()  # the server holds the file exclusively
        durable = _durable_answers(data_dir / "quizcore.db")

    assert [reply.status for reply in scored_q1] == [200] * 12
    assert [reply.status for reply in acked_q2] == [200 if n % 2 == 0 else 202 for n in range(12)]
    stable = ("submission_id", "question_id", "correct", "points", "streak")
    for before, after in zip(scored_q1, after_q1, strict=True):
        assert {k: after[k] for k in stable} == {k: before.body[k] for k in stable}
    for n, (before, after) in enumerate(zip(acked_q2, after_q2, strict=True)):
        assert after["status"] == "scored"
        assert after["correct"] is bool(n % 4)
        if n % 2 == 0:
            assert {k: after[k] for k in stable} == {k: before.body[k] for k in stable}

    # Every acknowledged answer is in the file, and its points follow from its stamped times.
    mine = [answer for answer in durable if answer["session_id"] == sid]
    assert sorted(answer["submission_id"] for answer in mine) == sorted(
        [f"a-{n}" for n in range(12)] + [f"b-{n}" for n in range(12)]
    )
    facts: dict[str, list[oracle.Answered]] = {}
    for answer in mine:
        number = int(answer["submission_id"].split("-")[1])
        right = bool(number % 3) if answer["question_id"] == "q1" else bool(number % 4)
        facts.setdefault(answer["user_id"], []).append(
            oracle.Answered(
                submission_id=answer["submission_id"],
                question_index=answer["question_index"],
                correct=right,
                points=POINTS[answer["question_id"]],
                elapsed_ms=answer["received_at"] - answer["opened_at"],
                limit_ms=answer["limit_ms"],
                received_at=answer["received_at"],
            )
        )
    expected = {user_id: oracle.outcome(items) for user_id, items in facts.items()}
    for n, player in enumerate(game.players):
        for result in (after_q1[n], after_q2[n]):
            assert result["points"] == expected[player.user_id].points[result["submission_id"]]
    scores = {entry["user_id"]: entry["score"] for entry in board["entries"]}
    assert scores == {uid: t.score for uid, t in expected.items()}


async def test_a_projector_reloaded_after_a_restart_still_counts_the_answers(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    settings = settings_for(storage="sqlite")
    async with served(settings, minter) as server:
        game = await new_game(server.api, players=3, seconds=120)
        await server.api.host(game.host, game.session_id, "start")
        async with server.socket(game.session_id, game.host) as live:
            fresh = await live.next("session.snapshot")
        for player in game.players[:2]:
            await server.api.answer(player, game.session_id, "q1", RIGHT["q1"], wait=5)

    async with (
        served(settings, minter) as server,
        server.socket(game.session_id, game.host) as live,
    ):
        reloaded = await live.next("session.snapshot")

    assert fresh["answer_counts"] == {"q1": 0}, "none yet, not unknown"
    assert reloaded["answer_counts"] == {"q1": 2}


async def test_the_live_sequence_of_a_session_keeps_growing_across_a_restart(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    settings = settings_for(storage="sqlite")
    async with served(settings, minter) as server:
        game = await new_game(server.api, players=3, seconds=120)
        await server.api.host(game.host, game.session_id, "start")
        async with server.socket(game.session_id, game.players[0]) as live:
            await live.next("session.snapshot")
            await server.api.host(game.host, game.session_id, "next")
            await live.next("question.opened")
            last_before = live.frames[-1]["seq"]

    async with (
        served(settings, minter) as server,
        server.socket(game.session_id, game.players[0]) as live,
    ):
        await live.next("session.snapshot")
        await server.api.host(game.host, game.session_id, "next")
        opened = await live.next("question.opened")

    assert opened["seq"] > last_before, (last_before, opened["seq"])
