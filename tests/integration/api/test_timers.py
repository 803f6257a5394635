"""Server timers: a live question closes at its deadline whether or not the host acts."""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncIterator, Callable

import pytest

from entrypoints.settings import Settings

from .conftest import QUIZ, LiveServer, Minter, assert_problem, epoch_ms, new_game, served


@pytest.fixture
async def strict_server(
    settings_for: Callable[..., Settings], minter: Minter
) -> AsyncIterator[LiveServer]:
    """Return a server without answer grace, so deadlines are exact."""
    async with served(settings_for(answer_grace_ms=0), minter) as server:
        yield server


async def test_a_live_question_closes_at_its_deadline_without_the_host(
    strict_server: LiveServer,
) -> None:
    live_server = strict_server
    api = live_server.api
    game = await new_game(api, players=1, seconds=1)
    sid = game.session_id
    player = game.players[0]

    async with live_server.socket(sid, player) as live:
        await live.next("session.snapshot")
        await api.host(game.host, sid, "start")
        opened = await live.next("question.opened")
        began = time.monotonic()
        closed = await live.next("question.closed", within=4)
        waited = time.monotonic() - began
        view = await api.get(f"/v1/sessions/{sid}", as_=player)
        current = await api.current(player, sid)
        late = await api.answer(player, sid, "q1", "start")
        await api.host(game.host, sid, "next")
        second = await live.next("question.opened")

    assert closed["question_id"] == "q1"
    assert closed["correct_answer"] == "start"
    assert closed["closed_at"] == opened["closes_at"]
    assert closed["stats"]["answers"] == 0
    assert 0.5 <= waited <= 3.0, waited
    assert view.body["status"] == "running"
    assert view.body["question_index"] == 0
    assert view.body["current_question"] is None
    assert current.status == 204
    assert_problem(late, 409, "question_closed")
    assert second["question_id"] == "q2"
    assert len(live.of("question.closed")) == 1, "moving on does not close q1 a second time"


async def test_a_question_with_its_own_time_limit_closes_on_that_limit(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    quiz = copy.deepcopy(QUIZ)
    quiz["questions"][0]["seconds"] = 1
    game = await new_game(api, players=1, seconds=60, quiz=quiz)

    async with live_server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await api.host(game.host, game.session_id, "start")
        opened = await live.next("question.opened")
        closed = await live.next("question.closed", within=4)

    assert epoch_ms(opened["closes_at"]) - epoch_ms(opened["opens_at"]) == 1000
    assert closed["closed_at"] == opened["closes_at"]


async def test_the_host_moving_on_early_closes_the_question_at_that_moment(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    game = await new_game(api, players=1, seconds=60)

    async with live_server.socket(game.session_id, game.players[0]) as live:
        await live.next("session.snapshot")
        await api.host(game.host, game.session_id, "start")
        opened = await live.next("question.opened")
        await api.host(game.host, game.session_id, "next")
        closed = await live.next("question.closed")
        second = await live.next("question.opened")

    assert epoch_ms(closed["closed_at"]) < epoch_ms(opened["closes_at"])
    assert epoch_ms(closed["closed_at"]) <= epoch_ms(second["opens_at"])
