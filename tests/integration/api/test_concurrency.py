"""Many players at once over a real server: joins and answers in one burst."""

from __future__ import annotations

import asyncio
import random

import pytest

from tests import oracle

from .conftest import RIGHT, WRONG, Api, LiveServer, Player, assert_problem

PLAYERS = 200


async def _answer_later(
    api: Api, player: Player, sid: str, question_id: str, given: str, delay: float
) -> int:
    await asyncio.sleep(delay)
    reply = await api.answer(
        player, sid, question_id, given, submission_id=f"{question_id}-{player.name}"
    )
    return reply.status


@pytest.mark.slow
async def test_two_hundred_players_join_and_answer_at_once_and_score_exactly(
    live_server: LiveServer,
) -> None:
    api = live_server.api
    host = await api.login("Host of many")
    quiz_id = await api.create_quiz(host)
    sid = await api.create_session(host, quiz_id, seconds=10)
    players = [await api.login(f"crowd-{number:03d}") for number in range(PLAYERS)]
    chance = random.Random(20)
    # Who answers what: every third player is wrong on q1, every fourth on q2.
    given = {
        (player.user_id, "q1"): WRONG["q1"] if number % 3 == 0 else RIGHT["q1"]
        for number, player in enumerate(players)
    } | {
        (player.user_id, "q2"): WRONG["q2"] if number % 4 == 0 else RIGHT["q2"]
        for number, player in enumerate(players)
    }

    joins = await asyncio.gather(*(api.join(player, sid) for player in players))
    view = await api.get(f"/v1/sessions/{sid}", as_=host)
    await api.host(host, sid, "start")
    # q1: everybody at the same moment.
    first = await asyncio.gather(
        *(_answer_later(api, p, sid, "q1", given[(p.user_id, "q1")], 0) for p in players)
    )
    await api.host(host, sid, "next")
    # q2: everybody at once too, each after a think of up to 1.5 s, so speeds differ.
    second = await asyncio.gather(
        *(
            _answer_later(api, p, sid, "q2", given[(p.user_id, "q2")], chance.uniform(0, 1.5))
            for p in players
        )
    )
    results = await asyncio.gather(
        *(api.scored(p, sid, f"{q}-{p.name}") for p in players for q in ("q1", "q2"))
    )

    assert [reply.status for reply in joins] == [201] * PLAYERS
    assert len({reply.body["user_id"] for reply in joins}) == PLAYERS
    assert view.body["participant_count"] == PLAYERS
    assert first == second == [202] * PLAYERS

    # The expected scores follow from the server-stamped times of the recorded answers.
    recorded = await live_server.ctx.services.answers.for_session(sid)
    assert len(recorded) == 2 * PLAYERS
    facts: dict[str, list[oracle.Answered]] = {}
    for answer in recorded:
        facts.setdefault(answer.user_id, []).append(
            oracle.Answered(
                submission_id=answer.submission_id,
                question_index=answer.question_index,
                correct=given[(answer.user_id, answer.question_id)] == RIGHT[answer.question_id],
                points=1000,
                elapsed_ms=answer.received_at - answer.opened_at,
                limit_ms=answer.limit_ms,
                received_at=answer.received_at,
            )
        )
    expected = {user_id: oracle.outcome(items) for user_id, items in facts.items()}
    for result in results:
        owner = result["submission_id"].split("-", 1)[1]
        user = next(p.user_id for p in players if p.name == owner)
        assert result["points"] == expected[user].points[result["submission_id"]]
        if result["correct"]:
            assert 500 <= result["points"] <= 1000 + 100
    spread = {r["points"] for r in results if r["submission_id"].startswith("q2") and r["correct"]}
    assert len(spread) > 10, "answers at different moments earn different points"
    standings = oracle.standings(expected)

    board = await api.leaderboard(host, sid, limit=100)
    assert [(e["user_id"], e["score"], e["rank"]) for e in board.body["entries"]] == standings[:100]
    await api.host(host, sid, "finish")
    final = await api.get(f"/v1/sessions/{sid}/results", as_=players[0])
    assert [(e["user_id"], e["score"], e["rank"]) for e in final.body["standings"]] == standings
    assert [e["correct_count"] for e in final.body["standings"]] == [
        expected[user].correct_count for user, _score, _rank in standings
    ]
    q1, q2, _q3 = final.body["questions"]
    assert (q1["answers"], q2["answers"]) == (PLAYERS, PLAYERS)
    assert q1["correct"] == sum(1 for n in range(PLAYERS) if n % 3)
    assert q2["correct"] == sum(1 for n in range(PLAYERS) if n % 4)


async def test_racing_answers_of_one_player_count_once(live_server: LiveServer) -> None:
    api = live_server.api
    host = await api.login("host")
    sid = await api.create_session(host, await api.create_quiz(host))
    players = [await api.login(f"racer-{number}") for number in range(10)]
    await asyncio.gather(*(api.join(player, sid) for player in players))
    await api.host(host, sid, "start")

    # Each player sends two different answers and a retry of the first, all at once.
    replies = await asyncio.gather(
        *(
            api.answer(player, sid, "q1", given, submission_id=f"{player.name}-{key}")
            for player in players
            for given, key in (("start", "a"), ("stay", "b"), ("start", "a"))
        )
    )
    assert api.settle is not None
    await api.settle()
    board = await api.leaderboard(host, sid, limit=100)
    recorded = await live_server.ctx.services.answers.for_session(sid)

    for number in range(len(players)):
        first, other, retry = replies[3 * number : 3 * number + 3]
        statuses = sorted([first.status, other.status])
        assert statuses == [202, 409], [first.text, other.text]
        loser = first if first.status == 409 else other
        assert loser.body["code"] == "already_answered"
        if first.status == 202:
            assert retry.status == 202 and retry.body == first.body
        else:
            assert_problem(retry, 409, "already_answered")
    assert len(recorded) == len(players)
    winners = {answer.user_id: answer for answer in recorded}
    scores = {entry["user_id"]: entry["score"] for entry in board.body["entries"]}
    for player in players:
        # Counted once: a right winner earns its own answer's speed points.
        won = winners[player.user_id]
        elapsed = won.received_at - won.opened_at
        points = oracle.answer_points(1000, elapsed, won.limit_ms) if won.answer == "start" else 0
        assert scores[player.user_id] == points
