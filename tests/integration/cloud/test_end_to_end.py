"""A full live session through the whole cloud profile, as separate processes.

API -> Kinesis -> stream processor -> DynamoDB + SNS -> SQS score-event ->
DynamoDB + Redis + SNS -> SQS ui-response (notification -> Redis fan-out ->
API WebSockets) and SQS quiz-result (quiz event -> Aurora). 50 participants,
spread over two API processes, play over HTTP and WebSocket; the scores
every store ends with must be exactly what the scoring rules give for the
answers DynamoDB recorded, and both processes' players see the same events.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import httpx
import pytest

from quizcore.services import session_board
from tests.integration.cloud.harness import (
    CloudProcesses,
    Expected,
    Host,
    Player,
    Stores,
    final_results,
    gather_limited,
    join,
    live,
    wait_for,
    where_lost,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

PLAYERS = 50
SECONDS = 20

QUIZ: dict[str, Any] = {
    "title": "Cloud end to end",
    "language": "en",
    "level": "A2",
    "questions": [
        {
            "prompt": "Choose the synonym of 'begin'",
            "kind": "choice",
            "choices": ["start", "finish", "stay", "hold"],
            "answer": "start",
        },
        {
            "prompt": "Type the English word for 'bonjour'",
            "kind": "text",
            "answer": "hello",
            "accept": ["hi"],
        },
        {
            "prompt": "Choose the opposite of 'early'",
            "kind": "choice",
            "choices": ["soon", "late", "fast", "first"],
            "answer": "late",
            "points": 2000,
        },
    ],
}

# Right and wrong answers per question; text answers vary in case, spacing
# and punctuation, which the server normalises away.
RIGHT = {0: ["start"], 1: ["hello", " Hello! ", "HI", "hi"], 2: ["late"]}
WRONG = {0: ["finish", "stay"], 1: ["bye", "good night"], 2: ["soon", "first"]}


def strategy(player: Player, question: dict[str, Any]) -> tuple[str | None, float]:
    """Deterministic per (player, question): skip some, miss some, vary the speed."""
    number = int(player.name.rsplit("-", 1)[1])
    index = int(question["index"])
    if (number + index) % 10 == 9:
        return None, 0.0  # no answer: 0 points, streak broken
    think = 0.05 + ((number * 13 + index * 7) % 25) * 0.1  # 0.05 .. 2.45 s
    pool = WRONG[index] if (number * 7 + index) % 4 == 0 else RIGHT[index]
    return pool[number % len(pool)], think


async def test_fifty_players_play_a_live_session_and_every_store_agrees(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient
) -> None:
    host = Host(api)
    session_id = await host.open_session(QUIZ, seconds=SECONDS)
    players = [Player(f"e2e-{number}") for number in range(PLAYERS)]
    await gather_limited([join(api, session_id, player) for player in players], 16)
    connected = [asyncio.Event() for _ in players]
    # Players alternate between the two API processes.
    urls = [cloud.base_urls[number % len(cloud.base_urls)] for number in range(PLAYERS)]
    assert len(set(urls)) == 2
    listeners = [
        asyncio.create_task(live(url, session_id, player, strategy, ready))
        for player, ready, url in zip(players, connected, urls, strict=True)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in connected)), 120)

        # Each question: open it, wait until every player who answers has sent;
        # the pipeline catches up while the next question runs.
        question_count = len(QUIZ["questions"])
        for index in range(question_count):
            await host.act("start" if index == 0 else "next")
            answering = [
                p
                for p in players
                if strategy(p, {"index": index, "question_id": ""})[0] is not None
            ]
            suffix = f"-q{index}"
            await wait_for(
                functools.partial(all_sent, answering, suffix),
                30,
                f"every answer to question {index} sent",
            )
        sent = sum(len(p.sent) for p in players)
        try:
            await wait_for(
                lambda: sum(len(p.results) for p in players) >= sent,
                180,
                f"{sent} answer.result frames",
                interval=0.2,
            )
        except TimeoutError as ex:
            lost = await where_lost(stores, session_id, players)
            raise TimeoutError(f"{ex}; {lost}\n{cloud.log_tails()}") from None
        await host.act("finish")
        await asyncio.wait_for(asyncio.gather(*listeners), 60)
    finally:
        for task in listeners:
            task.cancel()

    assert all(cloud.alive().values()), cloud.log_tails()
    assert not [p.errors for p in players if p.errors]
    expected = await stores.expected(session_id)

    # DynamoDB recorded every answer sent, exactly once, as sent.
    recorded = {(a.user_id, a.submission_id): a for a in expected.answers}
    assert len(recorded) == len(expected.answers) == sent
    for player in players:
        for submission, question_id in player.question_of.items():
            answer = recorded[(player.user_id, submission)]
            assert answer.question_id == question_id
            # The server stamped it on receipt, after the client sent it.
            assert answer.received_at >= int(player.sent[submission] * 1000) - 5

    # Each participant got every result, with the points the rules give, and
    # saw its final score on the live leaderboard.
    for player in players:
        assert set(player.results) == set(player.sent), player.name
        for submission, (_at, result) in player.results.items():
            assert result["status"] == "scored"
            assert result["points"] == expected.points[submission], (player.name, submission)
        final = expected.scores[player.user_id]
        assert max((r["score"] for _, r in player.results.values()), default=0) == final
        assert any(mine == final for _, mine in player.boards), (player.name, final)
        assert player.finished

    await assert_stores_agree(cloud, stores, session_id, expected, PLAYERS)

    # Whichever process served them, each player's seqs rose strictly (the
    # session's events, numbered by the fan-out, and between them the
    # process's own frames to one socket), and the session's events came
    # under the same seq on both processes.
    session_wide = {"session.started", "question.opened", "question.closed", "session.finished"}
    seen: dict[str, set[tuple[int, str]]] = {}
    for player in players:
        numbers = [seq for seq, _kind in player.seqs]
        assert numbers == sorted(set(numbers)), (player.name, player.seqs)
        seen[player.name] = {(seq, kind) for seq, kind in player.seqs if kind in session_wide}
    assert len({frozenset(events) for events in seen.values()}) == 1
    assert len(next(iter(seen.values()))) >= 2 + len(QUIZ["questions"])

    # The API serves the same standings.
    body = (await api.get(f"/v1/sessions/{session_id}/results", headers=host.auth)).json()
    assert {e["user_id"]: e["score"] for e in body["standings"]} == expected.scores
    assert {e["user_id"]: e["rank"] for e in body["standings"]} == expected.ranks
    # The scores are not trivial: speed, streaks, misses and skips all count.
    assert len(set(expected.scores.values())) > 10
    assert 0 < sum(1 for points in expected.points.values() if points == 0) < sent


def all_sent(players: list[Player], suffix: str) -> bool:
    """Return whether every player has sent a submission ending in ``suffix``."""
    return all(any(s.endswith(suffix) for s in p.sent) for p in players)


async def assert_stores_agree(
    cloud: CloudProcesses, stores: Stores, session_id: str, expected: Expected, players: int
) -> None:
    """DynamoDB, Redis and Aurora (final) hold exactly the recomputed scores."""
    dynamo = {score.user_id: score for score in await stores.scores.scores(session_id)}
    assert {user: score.score for user, score in dynamo.items()} == {
        user: score for user, score in expected.scores.items() if user in dynamo
    }
    assert all(expected.scores[user] == 0 for user in expected.scores if user not in dynamo)
    assert {user: s.correct_count for user, s in dynamo.items()} == {
        user: expected.correct[user] for user in dynamo
    }

    board = await stores.leaderboard.top(session_board(session_id), 1000)
    assert len(board) == players
    assert {s.user_id: s.score for s in board} == expected.scores
    assert {s.user_id: s.rank for s in board} == expected.ranks

    async def finals() -> dict[str, Any]:
        return final_results(await stores.master.session_results(session_id))

    deadline = asyncio.get_running_loop().time() + 60
    aurora = await finals()
    while len(aurora) < players and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.25)
        aurora = await finals()
    assert len(aurora) == players, cloud.log_tail("quiz-event")
    assert {user: r.score for user, r in aurora.items()} == expected.scores
    assert {user: r.rank for user, r in aurora.items()} == expected.ranks
    assert {user: r.correct_count for user, r in aurora.items()} == expected.correct
