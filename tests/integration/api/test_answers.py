"""Answers: acceptance, scoring, idempotency and every rule that refuses one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from adapters.inprocess import InProcessBus
from entrypoints.settings import Settings
from quizcore.messages import Message

from .conftest import (
    POINTS,
    RIGHT,
    WRONG,
    Api,
    Game,
    Harness,
    Minter,
    assert_problem,
    conducted,
    new_game,
)

SCORED_FIELDS = {"submission_id", "status", "correct", "points", "score", "rank"}


async def _running(api: Api, players: int = 1, **kw: Any) -> Game:
    """Return a started live session with ``players`` joined."""
    game = await new_game(api, players=players, **kw)
    await api.host(game.host, game.session_id, "start")
    return game


async def test_an_answer_is_accepted_with_202_and_later_scored(api: Api) -> None:
    game = await _running(api)
    player = game.players[0]

    reply = await api.answer(player, game.session_id, "q1", "start", submission_id="c0ffee-1")
    result = await api.scored(player, game.session_id, "c0ffee-1")

    assert reply.status == 202
    assert reply.body == {"submission_id": "c0ffee-1", "status": "accepted"}
    assert set(result) >= SCORED_FIELDS
    assert result["submission_id"] == "c0ffee-1"
    assert result["correct"] is True
    assert result["points"] == 1000, "an answer in the first 0.5 s earns full points"
    assert result["score"] == 1000
    assert result["rank"] == 1


async def test_prefer_wait_returns_the_scored_result_with_200(api: Api) -> None:
    game = await _running(api)
    player = game.players[0]

    reply = await api.answer(player, game.session_id, "q1", "stay", submission_id="s-1", wait=2)

    assert reply.status == 200
    assert reply.headers.get("preference-applied") == "wait=2"
    assert set(reply.body) >= SCORED_FIELDS
    assert reply.body["status"] == "scored"
    assert reply.body["correct"] is False
    assert reply.body["points"] == 0
    assert reply.body["score"] == 0
    fetched = await api.get(f"/v1/sessions/{game.session_id}/answers/s-1", as_=player)
    assert fetched.status == 200
    assert fetched.body == reply.body


async def test_a_wait_longer_than_five_seconds_is_capped(api: Api) -> None:
    game = await _running(api)

    reply = await api.answer(game.players[0], game.session_id, "q1", "start", wait=60)

    assert reply.status == 200
    assert reply.headers.get("preference-applied") == "wait=5"


async def test_the_server_makes_a_submission_id_when_the_client_sends_none(api: Api) -> None:
    game = await _running(api)
    player = game.players[0]

    reply = await api.answer(player, game.session_id, "q1", "start")

    assert reply.status == 202
    submission_id = reply.body["submission_id"]
    assert isinstance(submission_id, str) and submission_id
    assert (await api.scored(player, game.session_id, submission_id))["correct"] is True


@pytest.mark.parametrize(
    ("typed", "correct"),
    [("hello", True), ("  HELLO! ", True), ("Hello.", True), ("hi", True), ("hell", False)],
)
async def test_typed_answers_are_compared_after_normalisation(
    api: Api, typed: str, correct: bool
) -> None:
    game = await _running(api)
    player = game.players[0]
    await api.host(game.host, game.session_id, "next")

    reply = await api.answer(player, game.session_id, "q2", typed, wait=2)

    assert reply.status == 200
    assert reply.body["correct"] is correct


async def test_consecutive_correct_answers_earn_the_streak_bonus(api: Api) -> None:
    game = await _running(api)
    player = game.players[0]

    first = await api.answer(player, game.session_id, "q1", RIGHT["q1"], wait=2)
    await api.host(game.host, game.session_id, "next")
    second = await api.answer(player, game.session_id, "q2", RIGHT["q2"], wait=2)
    await api.host(game.host, game.session_id, "next")
    third = await api.answer(player, game.session_id, "q3", RIGHT["q3"], wait=2)

    assert [first.body["points"], second.body["points"], third.body["points"]] == [
        1000,
        1000 + 100,
        POINTS["q3"] + 200,
    ]
    assert third.body["score"] == 1000 + 1100 + 700


async def test_without_the_streak_bonus_points_are_speed_points_only(api: Api) -> None:
    game = await _running(api, streak_bonus=False)
    player = game.players[0]

    await api.answer(player, game.session_id, "q1", RIGHT["q1"], wait=2)
    await api.host(game.host, game.session_id, "next")
    second = await api.answer(player, game.session_id, "q2", RIGHT["q2"], wait=2)

    assert second.body["points"] == 1000
    assert second.body["score"] == 2000


async def test_the_same_submission_again_gets_the_same_response_and_counts_once(api: Api) -> None:
    game = await _running(api)
    player = game.players[0]

    first = await api.answer(player, game.session_id, "q1", "start", submission_id="k-1")
    again = await api.answer(player, game.session_id, "q1", "start", submission_id="k-1")
    scored = await api.answer(player, game.session_id, "q1", "start", submission_id="k-1", wait=2)
    waited_again = await api.answer(
        player, game.session_id, "q1", "start", submission_id="k-1", wait=2
    )

    assert first.status == again.status == 202
    assert first.body == again.body == {"submission_id": "k-1", "status": "accepted"}
    assert scored.status == waited_again.status == 200
    assert scored.body == waited_again.body
    assert scored.body["score"] == 1000
    board = await api.leaderboard(player, game.session_id)
    assert board.body["me"]["score"] == 1000
    await api.host(game.host, game.session_id, "finish")
    results = await api.get(f"/v1/sessions/{game.session_id}/results", as_=player)
    assert results.body["questions"][0]["answers"] == 1


async def test_a_different_second_answer_is_already_answered(api: Api) -> None:
    game = await _running(api)
    player = game.players[0]
    await api.answer(player, game.session_id, "q1", "stay", submission_id="a-1", wait=2)

    reply = await api.answer(player, game.session_id, "q1", "start", submission_id="a-2")

    assert_problem(reply, 409, "already_answered")
    assert (await api.leaderboard(player, game.session_id)).body["me"]["score"] == 0


async def test_a_second_answer_without_submission_ids_is_already_answered(api: Api) -> None:
    game = await _running(api)
    player = game.players[0]
    await api.answer(player, game.session_id, "q1", "stay")

    assert_problem(await api.answer(player, game.session_id, "q1", "stay"), 409, "already_answered")


async def test_an_answer_from_someone_who_has_not_joined_is_not_participant(api: Api) -> None:
    game = await _running(api)
    stranger = await api.login("stranger")

    reply = await api.answer(stranger, game.session_id, "q1", "start")

    assert_problem(reply, 403, "not_participant")


async def test_an_answer_before_start_is_session_not_running(api: Api) -> None:
    game = await new_game(api, players=1)

    reply = await api.answer(game.players[0], game.session_id, "q1", "start")

    assert_problem(reply, 409, "session_not_running")


async def test_an_answer_to_a_question_not_yet_open_is_question_not_open(api: Api) -> None:
    game = await _running(api)

    reply = await api.answer(game.players[0], game.session_id, "q2", "hello")

    assert_problem(reply, 409, "question_not_open")


async def test_an_answer_to_a_question_the_quiz_does_not_have_is_not_found(api: Api) -> None:
    game = await _running(api)

    assert_problem(await api.answer(game.players[0], game.session_id, "q9", "x"), 404, "not_found")


async def test_an_answer_after_the_session_finished_is_session_finished(api: Api) -> None:
    game = await _running(api)
    await api.host(game.host, game.session_id, "finish")

    reply = await api.answer(game.players[0], game.session_id, "q2", "hello")

    assert_problem(reply, 409, "session_finished")


async def test_an_answer_after_the_host_moved_on_is_question_closed(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    async with conducted(settings_for(answer_grace_ms=0), minter) as app:
        game = await _running(app.api)
        await app.api.host(game.host, game.session_id, "next")
        await asyncio.sleep(0.01)

        reply = await app.api.answer(game.players[0], game.session_id, "q1", "start")

    assert_problem(reply, 409, "question_closed")


async def test_an_answer_after_the_deadline_and_grace_is_question_closed(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    async with conducted(settings_for(answer_grace_ms=0), minter) as app:
        game = await _running(app.api, players=2, seconds=1)
        early = await app.api.answer(game.players[0], game.session_id, "q1", "start", wait=2)
        await asyncio.sleep(1.15)

        late = await app.api.answer(game.players[1], game.session_id, "q1", "start")
        view = await app.api.get(f"/v1/sessions/{game.session_id}", as_=game.host)

    assert early.status == 200 and early.body["correct"] is True
    problem = assert_problem(late, 409, "question_closed")
    assert "q1" in problem["detail"]
    assert view.body["status"] == "running"
    assert view.body["current_question"] is None


async def test_an_answer_within_the_grace_after_the_deadline_still_counts(
    settings_for: Callable[..., Settings], minter: Minter
) -> None:
    async with conducted(settings_for(answer_grace_ms=1000), minter) as app:
        game = await _running(app.api, seconds=1)
        await asyncio.sleep(1.2)

        reply = await app.api.answer(game.players[0], game.session_id, "q1", "start", wait=2)

    assert reply.status == 200
    assert reply.body["correct"] is True
    assert reply.body["points"] == 500, "t is clamped to T: at least P/2 for a correct answer"


async def test_a_submission_the_server_never_saw_is_not_found(api: Api) -> None:
    game = await _running(api)

    reply = await api.get(f"/v1/sessions/{game.session_id}/answers/never", as_=game.players[0])

    assert_problem(reply, 404, "not_found")


async def test_a_player_cannot_read_another_players_submission(api: Api) -> None:
    game = await _running(api, players=2)
    owner, other = game.players
    await api.answer(owner, game.session_id, "q1", "start", submission_id="mine", wait=2)

    reply = await api.get(f"/v1/sessions/{game.session_id}/answers/mine", as_=other)

    assert_problem(reply, 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"answer": "start"},
        {"question_id": "q1"},
        {"question_id": "q1", "answer": "start", "submission_id": "has spaces"},
        {"question_id": "q1", "answer": "start", "submission_id": "x" * 65},
        {"question_id": "q1", "answer": "x" * 201},
        {"question_id": "q1", "answer": 7},
        {"question_id": "q1", "answer": "start", "extra": True},
    ],
)
async def test_a_malformed_answer_is_refused_as_invalid_request(
    api: Api, body: dict[str, object]
) -> None:
    game = await _running(api)

    reply = await api.post(
        f"/v1/sessions/{game.session_id}/answers", as_=game.players[0], json=body
    )

    assert_problem(reply, 422, "invalid_request")
    assert (await api.current(game.players[0], game.session_id)).status == 200


async def test_wrong_answers_earn_nothing_and_correct_ones_at_least_half(api: Api) -> None:
    game = await _running(api, players=2)
    right, wrong = game.players

    good = await api.answer(right, game.session_id, "q1", RIGHT["q1"], wait=2)
    bad = await api.answer(wrong, game.session_id, "q1", WRONG["q1"], wait=2)

    assert POINTS["q1"] // 2 <= good.body["points"] <= POINTS["q1"]
    assert bad.body["points"] == 0
    assert (good.body["rank"], bad.body["rank"]) == (1, 2)


def _hold_scoring(harness: Harness) -> asyncio.Event:
    """Hold the scoring queue, as a busy scorer would; return the gate that frees it."""
    bus = harness.ctx.services.publisher
    assert isinstance(bus, InProcessBus)
    (lane,) = [lane for lane in bus.lanes if lane.name == "score-event"]
    gate = asyncio.Event()
    score = lane.handler

    async def held(message: Message) -> None:
        await gate.wait()
        await score(message)

    lane.handler = held
    return gate


async def test_an_answer_still_in_flight_reads_as_accepted(harness: Harness) -> None:
    api = harness.api
    game = await _running(api)
    player = game.players[0]
    gate = _hold_scoring(harness)

    accepted = await api.answer(player, game.session_id, "q1", "start", submission_id="f-1")
    in_flight = await api.get(f"/v1/sessions/{game.session_id}/answers/f-1", as_=player)
    gate.set()

    assert accepted.status == 202
    assert in_flight.status == 200, in_flight.text
    assert in_flight.body == {"submission_id": "f-1", "status": "accepted"}


async def test_prefer_wait_answers_202_when_the_result_is_not_ready_in_time(
    harness: Harness,
) -> None:
    api = harness.api
    game = await _running(api)
    player = game.players[0]
    gate = _hold_scoring(harness)

    waited = await api.answer(player, game.session_id, "q1", "start", submission_id="f-1", wait=0.2)
    gate.set()
    scored = await api.scored(player, game.session_id, "f-1")

    assert waited.status == 202
    assert waited.body == {"submission_id": "f-1", "status": "accepted"}
    assert scored["status"] == "scored" and scored["points"] == 1000
