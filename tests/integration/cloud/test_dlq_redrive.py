"""A dead-lettered answer, redriven after the fix, is scored exactly once.

The incident: a running session's quiz disappears from master data (and its
cache), so the score-event worker cannot score the answers; each fails, and
the queue's redrive policy parks it in the dead-letter queue. The quiz is
restored (the fix), ``quiz dlq redrive`` (the real command, as an operator
runs it) sends the answers back, and the real worker scores each once. A
second redrive of the same messages (as after a redrive that died between
its send and its delete) changes nothing: the handlers are idempotent.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from adapters.redis.cache import RedisQuizCache
from quizcore.services import session_board
from tests.integration.cloud.harness import (
    CloudProcesses,
    Player,
    Stores,
    answer_over_http,
    assert_projections_match,
    choice,
    current_question_id,
    gather_limited,
    new_session,
    wait_final,
    wait_scored,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]


def quiz_dlq(cloud: CloudProcesses, *args: str) -> str:
    """Run ``quiz dlq ARGS`` as its own process with the system's settings."""
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli.main", "dlq", *args],
        env=cloud.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def dead_letters(cloud: CloudProcesses, stores: Stores) -> int:
    visible, in_flight = await cloud.queue_depth(stores.sqs, "score-event", dlq=True)
    return visible + in_flight


async def wait_until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {seconds:.0f} s waiting for {what}")
        await asyncio.sleep(0.5)


async def scored(stores: Stores, session_id: str, players: list[Player]) -> int:
    found = await gather_limited(
        [stores.scores.get_result(session_id, p.user_id, s) for p in players for s in p.sent], 16
    )
    return sum(1 for result in found if result is not None and result.status == "scored")


async def test_a_dead_lettered_answer_is_redriven_after_the_fix_and_scored_once(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient
) -> None:
    host, players = await new_session(api, "redrive", 4)
    session_id = host.session_id
    quiz = await stores.master.get_quiz(host.quiz_id)
    assert quiz is not None
    await host.act("start")  # the API holds the quiz in process from here on
    question_id = await current_question_id(api, host)

    queue_url = cloud.queue_url("score-event")
    attributes = await stores.sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["RedrivePolicy"]
    )
    original = attributes["Attributes"]["RedrivePolicy"]
    # One failed receive parks a message (terraform says five; the test
    # cannot wait five visibility timeouts).
    policy = {**json.loads(original), "maxReceiveCount": "1"}
    await stores.sqs.set_queue_attributes(
        QueueUrl=queue_url, Attributes={"RedrivePolicy": json.dumps(policy)}
    )
    try:
        # The incident: the quiz vanishes from Aurora and from the Redis cache.
        cache = RedisQuizCache(stores.master, stores.redis, prefix=cloud.settings.redis_prefix)
        await stores.redis.delete(cache.key(host.quiz_id))
        schema = cloud.settings.postgres_schema
        await stores.master.pool.execute(
            f'DELETE FROM "{schema}".quizzes WHERE quiz_id = $1', host.quiz_id
        )
        await gather_limited(
            [
                answer_over_http(
                    api, session_id, player, question_id, choice(number, 0), f"{player.name}-q0"
                )
                for number, player in enumerate(players)
            ],
            8,
        )
        await wait_until(lambda: _holds(cloud, stores, len(players)), 240, "the answers in the DLQ")
    finally:
        await stores.sqs.set_queue_attributes(
            QueueUrl=queue_url, Attributes={"RedrivePolicy": original}
        )
    assert await scored(stores, session_id, players) == 0

    shown = [json.loads(line) for line in quiz_dlq(cloud, "show", "score-event").splitlines()]
    assert sorted(item["type"] for item in shown) == ["AnswerRecorded"] * len(players)
    assert {item["session_id"] for item in shown} == {session_id}
    dry = quiz_dlq(cloud, "redrive", "score-event", "--dry-run")
    assert f"would move {len(players)} message(s)" in dry
    assert await dead_letters(cloud, stores) == len(players)

    await stores.master.save_quiz(quiz)  # the fix: master data restored
    moved = quiz_dlq(cloud, "redrive", "score-event")
    assert f"moved {len(players)} message(s)" in moved

    await wait_scored(stores, session_id, players, 120)
    await cloud.wait_drained(stores.sqs)
    expected = await assert_projections_match(stores, session_id, players)
    assert len(expected.answers) == len(players)
    assert await dead_letters(cloud, stores) == 0

    # The same messages again: a redrive that sent them and died before its
    # deletes leaves these copies in the DLQ; redriving them counts nothing twice.
    board = session_board(session_id)
    version = await stores.leaderboard.version(board)
    dlq_url = (await stores.sqs.get_queue_url(QueueName=queue_url.rsplit("/", 1)[1] + "-dlq"))[
        "QueueUrl"
    ]
    for item in shown:
        await stores.sqs.send_message(QueueUrl=dlq_url, MessageBody=item["body"])
    again = quiz_dlq(cloud, "redrive", "score-event")
    assert f"moved {len(players)} message(s)" in again
    await asyncio.sleep(1)
    await cloud.wait_drained(stores.sqs, seconds=120)
    after = await assert_projections_match(stores, session_id, players)
    assert after.scores == expected.scores
    assert after.points == expected.points
    assert await stores.leaderboard.version(board) == version
    assert await dead_letters(cloud, stores) == 0

    await host.act("finish")
    await wait_final(stores, session_id, len(players))
    await assert_projections_match(stores, session_id, players, final=True)


async def _holds(cloud: CloudProcesses, stores: Stores, count: int) -> bool:
    return await dead_letters(cloud, stores) >= count


async def test_flink_dead_letters_redriven_twice_are_recorded_and_scored_once(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient, tmp_path: Any
) -> None:
    from adapters.aws_messaging.codec import encode
    from flink.records import dead_letter
    from quizcore.messages import SubmitAnswer

    host, players = await new_session(api, "records", 3)
    session_id = host.session_id
    await host.act("start")
    view = (await api.get(f"/v1/sessions/{session_id}", headers=host.auth)).json()
    question = view["current_question"]
    # Submissions the Flink job set aside (as when their session was not yet
    # visible to it), each for an open question of a real session.
    lines = []
    for number, player in enumerate(players):
        submission = f"{player.name}-q0"
        command = SubmitAnswer(
            session_id=session_id,
            question_id=question["question_id"],
            user_id=player.user_id,
            answer=choice(number, 0),
            submission_id=submission,
            received_at=int(time.time() * 1000),
            question_index=question["index"],
            limit_ms=120_000,
        )
        player.sent[submission] = time.time()
        player.question_of[submission] = question["question_id"]
        lines.append(dead_letter("session_not_found", "no session yet", encode(command)))
    folder = tmp_path / "dead-letters"
    folder.mkdir()
    (folder / "part-0-0.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert f"moved {len(players)} record(s)" in quiz_dlq(cloud, "redrive-records", str(folder))
    await wait_scored(stores, session_id, players, 120)
    await cloud.wait_drained(stores.sqs)
    first = await assert_projections_match(stores, session_id, players)

    # The same files again (an operator ran it twice): nothing counts twice.
    assert f"moved {len(players)} record(s)" in quiz_dlq(cloud, "redrive-records", str(folder))
    await asyncio.sleep(2)
    await cloud.wait_drained(stores.sqs, seconds=120)
    again = await assert_projections_match(stores, session_id, players)
    assert len(again.answers) == len(players)
    assert again.scores == first.scores

    await host.act("finish")
    await wait_final(stores, session_id, len(players))
    await assert_projections_match(stores, session_id, players, final=True)
