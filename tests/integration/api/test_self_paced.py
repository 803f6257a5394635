"""Self-paced sessions: each question is timed from when it was served to the player."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from entrypoints.settings import Settings
from tests import oracle

from .conftest import (
    RIGHT,
    Game,
    Harness,
    LiveServer,
    Minter,
    Player,
    Reply,
    assert_problem,
    conducted,
    epoch_ms,
    new_game,
)


@pytest.fixture
async def app(settings_for: Callable[..., Settings], minter: Minter) -> AsyncIterator[Harness]:
    """Return an app without answer grace, so deadlines are exact."""
    async with conducted(settings_for(answer_grace_ms=0), minter) as running:
        yield running


async def _started(app: Harness, players: int, seconds: int) -> Game:
    game = await new_game(app.api, players=players, mode="self_paced", seconds=seconds)
    reply = await app.api.host(game.host, game.session_id, "start")
    assert reply.status == 200
    assert reply.body["status"] == "running"
    assert reply.body["current_question"] is None, "no shared question in self-paced mode"
    return game


async def test_each_player_gets_the_question_timed_from_when_it_was_served(app: Harness) -> None:
    api = app.api
    game = await _started(app, players=2, seconds=5)
    early, late = game.players
    sid = game.session_id

    first = await api.current(early, sid)
    await asyncio.sleep(0.6)
    again = await api.current(early, sid)
    second = await api.current(late, sid)

    assert first.status == second.status == 200
    assert first.body["question_id"] == second.body["question_id"] == "q1"
    assert again.body == first.body, "fetching again does not restart the timer"
    assert epoch_ms(second.body["opens_at"]) - epoch_ms(first.body["opens_at"]) >= 550
    for body in (first.body, second.body):
        assert epoch_ms(body["closes_at"]) - epoch_ms(body["opens_at"]) == 5000


async def test_points_count_from_each_players_own_serve_time(app: Harness) -> None:
    api = app.api
    game = await _started(app, players=2, seconds=5)
    slow, quick = game.players
    sid = game.session_id
    await api.current(slow, sid)
    await asyncio.sleep(1.5)
    await api.current(quick, sid)

    slow_result = await api.answer(slow, sid, "q1", RIGHT["q1"], wait=2)
    quick_result = await api.answer(quick, sid, "q1", RIGHT["q1"], wait=2)

    assert quick_result.body["points"] == 1000
    recorded = {
        answer.user_id: answer for answer in await app.ctx.services.answers.for_session(sid)
    }
    slow_answer = recorded[slow.user_id]
    elapsed = slow_answer.received_at - slow_answer.opened_at
    assert elapsed >= 1500
    assert slow_result.body["points"] == oracle.answer_points(1000, elapsed, 5000)
    assert 500 <= slow_result.body["points"] < 1000


async def test_answering_moves_a_player_on_alone(app: Harness) -> None:
    api = app.api
    game = await _started(app, players=2, seconds=10)
    ahead, behind = game.players
    sid = game.session_id
    await api.current(ahead, sid)
    await api.current(behind, sid)

    await api.answer(ahead, sid, "q1", RIGHT["q1"], wait=2)

    assert (await api.current(ahead, sid)).body["question_id"] == "q2"
    assert (await api.current(behind, sid)).body["question_id"] == "q1"


async def test_a_question_never_served_is_not_open(app: Harness) -> None:
    game = await _started(app, players=1, seconds=10)

    reply = await app.api.answer(game.players[0], game.session_id, "q2", "hello")

    assert_problem(reply, 409, "question_not_open")


async def test_a_player_who_lets_the_time_run_out_is_moved_on_and_closed_out(
    app: Harness,
) -> None:
    api = app.api
    game = await _started(app, players=1, seconds=1)
    player = game.players[0]
    sid = game.session_id
    await api.current(player, sid)
    await asyncio.sleep(1.1)

    following = await api.current(player, sid)
    late = await api.answer(player, sid, "q1", RIGHT["q1"])

    assert following.body["question_id"] == "q2"
    assert_problem(late, 409, "question_closed")


async def test_a_player_who_answered_everything_gets_204(app: Harness) -> None:
    api = app.api
    game = await _started(app, players=1, seconds=10)
    player = game.players[0]
    sid = game.session_id

    for question_id in ("q1", "q2", "q3"):
        current = await api.current(player, sid)
        assert current.body["question_id"] == question_id
        assert (await api.answer(player, sid, question_id, RIGHT[question_id])).status == 202

    assert (await api.current(player, sid)).status == 204


async def test_finishing_a_self_paced_session_closes_it_for_everyone(app: Harness) -> None:
    api = app.api
    game = await _started(app, players=2, seconds=30)
    done, unfinished = game.players
    sid = game.session_id
    await api.current(done, sid)
    await api.answer(done, sid, "q1", RIGHT["q1"], wait=2)
    await api.current(unfinished, sid)

    finished = await api.host(game.host, sid, "finish")
    await asyncio.sleep(0.01)

    assert finished.body["status"] == "finished"
    assert (await api.current(unfinished, sid)).status == 204
    served = await api.answer(unfinished, sid, "q1", RIGHT["q1"])
    assert served.status == 409
    assert served.body["code"] in {"question_closed", "session_finished"}
    assert_problem(await api.answer(done, sid, "q2", RIGHT["q2"]), 409, "session_finished")
    assert_problem(await api.join(await api.login("late"), sid), 409, "session_finished")
    results = await api.get(f"/v1/sessions/{sid}/results", as_=unfinished)
    assert results.status == 200
    scores = {entry["user_id"]: entry["score"] for entry in results.body["standings"]}
    assert scores == {done.user_id: 1000, unfinished.user_id: 0}


async def test_the_host_sees_who_finished_who_is_working_and_who_has_not_begun(
    app: Harness,
) -> None:
    api = app.api
    game = await _started(app, players=3, seconds=2)
    quick, lapsed, idle = game.players
    sid = game.session_id
    for question_id in ("q1", "q2", "q3"):
        assert (await api.current(quick, sid)).body["question_id"] == question_id
        await api.answer(quick, sid, question_id, RIGHT[question_id], wait=2)
    await api.current(lapsed, sid)
    await api.answer(lapsed, sid, "q1", "stay", wait=2)
    await api.current(lapsed, sid)
    await api.answer(lapsed, sid, "q2", RIGHT["q2"], wait=2)
    assert (await api.current(lapsed, sid)).body["question_id"] == "q3"

    working = (await api.get(f"/v1/sessions/{sid}/progress", as_=game.host)).body
    await asyncio.sleep(2.1)  # the last question's time runs out for ``lapsed``
    later = (await api.get(f"/v1/sessions/{sid}/progress", as_=game.host)).body

    def view(body: dict[str, object]) -> list[tuple[object, ...]]:
        items = body["items"]
        assert isinstance(items, list)
        return [(i["user_id"], i["reached"], i["answered"], i["correct"], i["done"]) for i in items]

    assert working["question_count"] == 3
    assert view(working) == [
        (quick.user_id, 3, 3, 3, True),
        (lapsed.user_id, 3, 2, 1, False),
        (idle.user_id, 0, 0, 0, False),
    ]
    assert working["done_count"] == 1
    assert view(later)[1] == (lapsed.user_id, 3, 2, 1, True)
    assert later["done_count"] == 2
    assert working["items"][0]["score"] > working["items"][1]["score"] > 0


async def test_only_the_host_follows_progress(app: Harness) -> None:
    api = app.api
    game = await _started(app, players=1, seconds=5)

    as_player = await api.get(f"/v1/sessions/{game.session_id}/progress", as_=game.players[0])
    unknown = await api.get("/v1/sessions/ZZZZZZ/progress", as_=game.host)
    await api.host(game.host, game.session_id, "finish")
    finished = await api.get(f"/v1/sessions/{game.session_id}/progress", as_=game.host)

    assert_problem(as_player, 403, "forbidden")
    assert_problem(unknown, 404, "session_not_found")
    assert finished.body["done_count"] == 1 and finished.body["items"][0]["done"] is True


async def _answer_of(app: Harness, who: Player, sid: str, question_id: str) -> Reply:
    return await app.api.get(f"/v1/sessions/{sid}/questions/{question_id}/answer", as_=who)


async def test_with_show_answers_a_player_learns_each_answer_once_it_is_over_for_them(
    app: Harness,
) -> None:
    api = app.api
    game = await new_game(api, players=2, mode="self_paced", seconds=1, show_answers=True)
    sid = game.session_id
    await api.host(game.host, sid, "start")
    learner, classmate = game.players
    await api.current(learner, sid)
    await api.answer(learner, sid, "q1", "stay", wait=2)
    await api.current(learner, sid)  # q2 served, not answered

    after_answering = await _answer_of(app, learner, sid, "q1")
    while_open = await _answer_of(app, learner, sid, "q2")
    not_yet_served = await _answer_of(app, classmate, sid, "q1")
    await asyncio.sleep(1.1)  # q2's time runs out (this app gives no grace)
    after_time_ran_out = await _answer_of(app, learner, sid, "q2")

    assert after_answering.status == 200
    assert after_answering.body == {"question_id": "q1", "index": 0, "correct_answer": "start"}
    assert_problem(while_open, 403, "forbidden")
    assert_problem(not_yet_served, 403, "forbidden")
    assert after_time_ran_out.body["correct_answer"] == RIGHT["q2"]


async def test_without_show_answers_answers_wait_for_the_finish(app: Harness) -> None:
    api = app.api
    game = await _started(app, players=1, seconds=5)
    sid, player = game.session_id, game.players[0]
    outsider = await api.login("outsider")
    await api.current(player, sid)
    await api.answer(player, sid, "q1", "stay", wait=2)

    answered = await _answer_of(app, player, sid, "q1")
    to_outsider = await _answer_of(app, outsider, sid, "q1")
    unknown = await _answer_of(app, player, sid, "q9")
    await api.host(game.host, sid, "finish")
    finished = await _answer_of(app, player, sid, "q1")

    assert_problem(answered, 403, "forbidden")
    assert_problem(to_outsider, 403, "not_participant")
    assert_problem(unknown, 404, "not_found")
    assert finished.status == 200 and finished.body["correct_answer"] == "start"


async def test_live_answers_show_from_the_reveal_on(app: Harness) -> None:
    api = app.api
    game = await new_game(api, players=1, seconds=20, show_answers=True)
    sid, player = game.session_id, game.players[0]
    await api.host(game.host, sid, "start")
    await api.answer(player, sid, "q1", RIGHT["q1"], wait=2)

    while_open = await _answer_of(app, player, sid, "q1")
    await api.host(game.host, sid, "reveal")
    revealed = await _answer_of(app, player, sid, "q1")
    to_host = await _answer_of(app, game.host, sid, "q1")
    next_one = await _answer_of(app, game.host, sid, "q2")

    assert_problem(while_open, 403, "forbidden")
    assert revealed.status == to_host.status == 200
    assert_problem(next_one, 403, "forbidden")


async def test_the_finish_shows_in_progress_at_once_not_a_cached_read_later(
    app: Harness,
) -> None:
    api = app.api
    game = await _started(app, players=1, seconds=5)
    path = f"/v1/sessions/{game.session_id}/progress"

    working = await api.get(path, as_=game.host)
    await api.host(game.host, game.session_id, "finish")
    finished = await api.get(path, as_=game.host)  # well within the 2 s a read is kept

    assert working.body["done_count"] == 0
    assert finished.body["done_count"] == 1


async def test_the_host_sees_who_has_a_screen_open(live_server: LiveServer) -> None:
    api = live_server.api
    game = await new_game(api, players=2, mode="self_paced")
    sid = game.session_id
    working, away = game.players
    await api.host(game.host, sid, "start")

    async with live_server.socket(sid, working) as live:
        await live.next("session.snapshot")
        body = (await api.get(f"/v1/sessions/{sid}/progress", as_=game.host)).body

    here = {item["user_id"]: item["here"] for item in body["items"]}
    assert here == {working.user_id: True, away.user_id: False}
