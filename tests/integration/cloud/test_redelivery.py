"""At-least-once delivery through the cloud pipeline never changes a score.

* the same SQS message delivered twice (straight to the queue, and published
  twice through SNS) counts once;
* the score-event worker SIGKILLed with a batch in flight, then restarted:
  its messages come back after their visibility timeout and no score is
  counted twice or lost;
* a poison message parks in the dead-letter queue while the other messages
  flow on (a second, in-process score-event consumer on a queue of its own,
  with a 1 s visibility and 2 receives before the DLQ).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import httpx
import pytest

from adapters.aws_messaging import (
    MessageRouter,
    SnsEventPublisher,
    SqsConsumer,
    SqsEventPublisher,
    aws_client,
    create_queue_with_dlq,
    subscribe_queue,
)
from quizcore.messages import AnswerRecorded, Message, ScoreUpdated
from quizcore.services import Catalog, ScoreEventHandler, session_board
from tests.integration.cloud.harness import (
    CloudProcesses,
    Player,
    Stores,
    assert_projections_match,
    gather_limited,
    new_session,
    play_over_http,
    wait_final,
    wait_for,
    wait_scored,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


async def test_the_same_message_delivered_twice_counts_once(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient
) -> None:
    host, players = await new_session(api, "twice", 4)
    session_id = host.session_id
    await play_over_http(api, host, players, 2)
    await wait_scored(stores, session_id, players, 120)
    await cloud.wait_drained(stores.sqs)
    before = await assert_projections_match(stores, session_id, players)
    board = session_board(session_id)
    version = await stores.leaderboard.version(board)
    aurora_before = {r.user_id: r for r in await stores.master.session_results(session_id)}

    quiz_id = host.quiz_id
    recorded: list[Message] = [answer.recorded_event(quiz_id) for answer in before.answers]
    updates: list[Message] = []
    for answer in before.answers:
        result = await stores.scores.get_result(session_id, answer.user_id, answer.submission_id)
        assert result is not None
        score = await stores.scores.get_score(session_id, answer.user_id)
        assert score is not None
        updates.append(
            ScoreUpdated(
                session_id=session_id,
                user_id=answer.user_id,
                submission_id=answer.submission_id,
                question_id=answer.question_id,
                correct=result.correct,
                points=result.points,
                streak=result.streak,
                score=result.score,
                correct_count=score.correct_count,
                reached_at=score.reached_at,
            )
        )
    # A stale update (a lower score, as from an early delivery arriving late).
    top = max(updates, key=lambda message: getattr(message, "score", 0))
    assert isinstance(top, ScoreUpdated) and top.score > 0
    stale = ScoreUpdated(**{**_fields(top), "score": 0, "correct_count": 0})

    async with aws_client("sns", cloud.settings.aws_region, cloud.settings.aws_endpoint_url) as sns:
        # Twice straight onto the score-event queue, twice through the stream-result topic.
        to_queue = SqsEventPublisher(
            stores.sqs, MessageRouter({}, default=cloud.queue_url("score-event"))
        )
        via_topic = SnsEventPublisher(
            sns, MessageRouter({AnswerRecorded.kind: cloud.created["stream_result"]})
        )
        results_queue = SqsEventPublisher(
            stores.sqs, MessageRouter({}, default=cloud.queue_url("quiz-event"))
        )
        for _ in range(2):
            for message in recorded:
                await to_queue.publish(message)
                await via_topic.publish(message)
            for message in [*updates, stale]:
                await results_queue.publish(message)
    await asyncio.sleep(1)
    await cloud.wait_drained(stores.sqs, seconds=120)

    after = await assert_projections_match(stores, session_id, players)
    assert after.scores == before.scores
    assert await stores.leaderboard.version(board) == version  # nothing changed at all
    aurora_after = {r.user_id: r for r in await stores.master.session_results(session_id)}
    assert {u: r.score for u, r in aurora_after.items()} == {
        u: r.score for u, r in aurora_before.items()
    }
    for worker in ("score-event", "quiz-event"):
        assert await cloud.queue_depth(stores.sqs, worker, dlq=True) == (0, 0)

    await host.act("finish")
    await wait_final(stores, session_id, len(players))
    await assert_projections_match(stores, session_id, players, final=True)


def _fields(message: ScoreUpdated) -> dict[str, Any]:
    return {key: value for key, value in message.to_dict().items() if key != "type"}


async def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient
) -> None:
    host, players = await new_session(api, "killed", 20)
    session_id = host.session_id
    worker = cloud.system.processes["score-event"]
    board = session_board(session_id)
    # Hold the worker still while the answers queue up, so a full batch is
    # received and in flight when it dies.
    os.kill(worker.pid, signal.SIGSTOP)
    try:
        await play_over_http(api, host, players, 2)
        total = sum(len(p.sent) for p in players)
        await wait_for_async(
            lambda: queued(cloud, stores, "score-event", total // 2),
            90,
            "answers queued for the score-event worker",
        )
        version = await stores.leaderboard.version(board)
    finally:
        os.kill(worker.pid, signal.SIGCONT)
    # Kill it once it is scoring (the board moved) with a batch received and
    # not yet acknowledged (SQS counts it in flight until DeleteMessageBatch).
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, cloud.log_tail("score-event")
        _visible, in_flight = await cloud.queue_depth(stores.sqs, "score-event")
        if in_flight >= 2 and await stores.leaderboard.version(board) != version:
            break
        await asyncio.sleep(0.02)
    cloud.kill("score-event")
    scored_at_kill = await count_scored(stores, session_id, players)
    assert scored_at_kill < total

    await asyncio.to_thread(cloud.restart, "score-event", 90)
    await wait_scored(stores, session_id, players, 120)  # the killed batch comes back
    await cloud.wait_drained(stores.sqs, seconds=120)
    await assert_projections_match(stores, session_id, players)
    assert await cloud.queue_depth(stores.sqs, "score-event", dlq=True) == (0, 0)

    await host.act("finish")
    await wait_final(stores, session_id, len(players))
    await assert_projections_match(stores, session_id, players, final=True)


async def queued(cloud: CloudProcesses, stores: Stores, worker: str, at_least: int) -> bool:
    visible, in_flight = await cloud.queue_depth(stores.sqs, worker)
    return visible + in_flight >= at_least


async def count_scored(stores: Stores, session_id: str, players: list[Player]) -> int:
    found = await gather_limited(
        [
            stores.scores.get_result(session_id, p.user_id, submission)
            for p in players
            for submission in p.sent
        ],
        16,
    )
    return sum(1 for result in found if result is not None and result.status == "scored")


async def wait_for_async(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {seconds:.0f} s waiting for {what}")
        await asyncio.sleep(0.1)


class Recorder:
    """An EventPublisher that keeps what it is given."""

    def __init__(self) -> None:
        self.events: list[Message] = []

    async def publish(self, message: Message) -> None:
        self.events.append(message)


POISON = ["this is not JSON {", '{"type": "NoSuchMessage", "session_id": "X"}', "[1, 2, 3]"]


async def test_a_poison_message_parks_in_the_dlq_while_the_others_flow_on(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient, unique: str
) -> None:
    settings = cloud.settings
    queue = await create_queue_with_dlq(
        stores.sqs, f"qc-{unique}-scorer-2", max_receive_count=2, visibility_timeout_s=1
    )
    async with aws_client("sns", settings.aws_region, settings.aws_endpoint_url) as sns:
        subscription = await subscribe_queue(
            sns, stores.sqs, cloud.created["stream_result"], queue.url, raw=True
        )
        try:
            await score_beside_the_worker(cloud, stores, api, queue)
        finally:
            await sns.unsubscribe(SubscriptionArn=subscription)


async def score_beside_the_worker(
    cloud: CloudProcesses, stores: Stores, api: httpx.AsyncClient, queue: Any
) -> None:
    for body in POISON:
        await stores.sqs.send_message(QueueUrl=queue.url, MessageBody=body)

    # A second score-event consumer, in this process, on the real stores.
    published = Recorder()
    scorer = ScoreEventHandler(
        sessions=stores.sessions,
        answers=stores.answers,
        scores=stores.scores,
        leaderboard=stores.leaderboard,
        publisher=published,
        catalog=Catalog(stores.master),
    )
    handler: Any = scorer.handle  # the queue carries AnswerRecorded only
    consumer = SqsConsumer(stores.sqs, queue.url, handler, wait_time_s=1, visibility_timeout_s=1)
    running = asyncio.create_task(consumer.run())
    try:
        host, players = await new_session(api, "poison", 8)
        session_id = host.session_id
        await play_over_http(api, host, players, 1)
        submissions = {s for p in players for s in p.sent}

        def scored_here() -> set[str]:
            return {
                event.submission_id
                for event in published.events
                if isinstance(event, ScoreUpdated) and event.session_id == session_id
            }

        await wait_for(lambda: scored_here() >= submissions, 120, "the second consumer")
        await wait_for_async(
            lambda: dlq_holds(stores, queue.dlq_url, len(POISON)), 60, "the poison in the DLQ"
        )
    finally:
        consumer.stop()
        await asyncio.wait_for(running, 30)

    assert consumer.poisoned >= len(POISON)
    assert consumer.failed == 0
    parked = await stores.sqs.receive_message(
        QueueUrl=queue.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
    )
    assert sorted(m["Body"] for m in parked.get("Messages", [])) == sorted(POISON)
    depth = await stores.sqs.get_queue_attributes(
        QueueUrl=queue.url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )
    assert set(depth["Attributes"].values()) == {"0"}

    # Two scorers on one session (this one and the worker): still exact.
    await wait_scored(stores, session_id, players, 120)
    await cloud.wait_drained(stores.sqs)
    expected = await assert_projections_match(stores, session_id, players)
    for event in published.events:
        if isinstance(event, ScoreUpdated) and event.session_id == session_id:
            assert event.points == expected.points[event.submission_id]


async def dlq_holds(stores: Stores, dlq_url: str, count: int) -> bool:
    response = await stores.sqs.get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(response["Attributes"]["ApproximateNumberOfMessages"]) >= count
