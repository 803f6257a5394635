"""Exactly once under concurrency: the consumers over every interleaving.

The Kinesis consumer handles a GetRecords batch with many handlers at once,
the SQS consumer up to ten messages at once. Hypothesis picks the
interleaving (how often each handler yields to the others), which handlers
fail before or after their work, where a worker is killed mid-batch, and in
which order and how often the stream results reach scoring. Whatever it
picks, each participant's first answer is recorded once, later ones are
refused, and every score equals a serial, single-delivery reference.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.aws_messaging.codec import encode, partition_key
from adapters.aws_messaging.kinesis import KinesisConsumer, MemoryCheckpointStore
from adapters.aws_messaging.sqs import SqsConsumer
from adapters.memory.leaderboard import MemoryLeaderboard
from adapters.memory.messaging import RecordingPublisher
from adapters.memory.stores import MemoryScoreStore
from quizcore.batching import BatchCachedSessions, batch_scope
from quizcore.errors import StoreUnavailable
from quizcore.messages import AnswerRecorded, AnswerRejected, SubmitAnswer
from quizcore.services import PlayRules, ScoreEventHandler, StreamProcessor
from tests.unit.support import CORE, GRACE_MS, HOST, new_play

USERS = [f"u{number}" for number in range(6)]


class FakeKinesis:
    """One shard in memory: the calls KinesisConsumer makes."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.get_records_calls = 0

    async def list_shards(self, **_params: Any) -> dict[str, Any]:
        return {"Shards": [{"ShardId": "shard-0"}]}

    async def get_shard_iterator(self, **params: Any) -> dict[str, Any]:
        if params["ShardIteratorType"] == "TRIM_HORIZON":
            return {"ShardIterator": "0"}
        after = int(params["StartingSequenceNumber"])
        return {"ShardIterator": str(after + 1)}

    async def get_records(self, *, ShardIterator: str, Limit: int) -> dict[str, Any]:
        self.get_records_calls += 1
        start = int(ShardIterator)
        batch = self.records[start : start + Limit]
        return {"Records": batch, "NextShardIterator": str(start + len(batch))}


@dataclass
class Chaos:
    """Per handler call: yields before and after, and whether it fails."""

    plan: list[tuple[int, bool, bool]]
    calls: int = 0
    failures: int = 0

    async def around(self, work: Callable[[], Awaitable[None]]) -> None:
        yields, fail_before, fail_after = self.plan[self.calls % len(self.plan)]
        self.calls += 1
        for _ in range(yields):
            await asyncio.sleep(0)
        if fail_before and self.failures < 40:
            self.failures += 1
            raise StoreUnavailable("injected before the work")
        await work()
        for _ in range(yields):
            await asyncio.sleep(0)
        if fail_after and self.failures < 40:
            self.failures += 1
            raise StoreUnavailable("injected after the work (acknowledgement lost)")


@dataclass
class World:
    """A live session on memory adapters and its stream processor."""

    play: Any
    question_id: str
    limit_ms: int
    processor: StreamProcessor
    published: RecordingPublisher
    sessions: BatchCachedSessions
    commands: list[SubmitAnswer] = field(default_factory=list)


async def live_world() -> World:
    play = await new_play(questions=2)
    await play.join(*USERS)
    await play.system.quiz.start(play.session_id, HOST)
    state = await play.system.sessions.get(play.session_id)
    assert state is not None
    quiz = await play.system.master.get_quiz(play.quiz_id)
    assert quiz is not None
    question = quiz.questions[0]
    published = RecordingPublisher()
    sessions = BatchCachedSessions(play.system.sessions)
    processor = StreamProcessor(
        sessions=sessions,
        answers=play.system.answers,
        scores=play.system.scores,
        publisher=published,
        catalog=None,
        play=PlayRules(grace_ms=GRACE_MS),
    )
    return World(play, question.question_id, 10_000, processor, published, sessions)


def submissions(world: World, tries: list[tuple[int, bool]]) -> list[SubmitAnswer]:
    """Return the stream: (user, right?) in order; a user's later tries are refused."""
    now = world.play.clock.now_ms()
    commands = []
    for number, (user, right) in enumerate(tries):
        commands.append(
            SubmitAnswer(
                session_id=world.play.session_id,
                question_id=world.question_id,
                user_id=USERS[user],
                answer="right" if right else "wrong",
                submission_id=f"{USERS[user]}-{number}",
                received_at=now + 10 * number,
                question_index=0,
                limit_ms=world.limit_ms,
            )
        )
    return commands


def kinesis_records(commands: list[SubmitAnswer]) -> list[dict[str, Any]]:
    return [
        {
            "SequenceNumber": str(number),
            "PartitionKey": partition_key(command),
            "Data": encode(command).encode(),
        }
        for number, command in enumerate(commands)
    ]


async def consume_until_done(
    client: FakeKinesis,
    handler: Any,
    checkpoints: MemoryCheckpointStore,
    *,
    concurrency: int,
    batch_limit: int,
    kills: list[int],
    calls: list[int],
) -> None:
    """Run consumers until the whole shard is checkpointed; kill at the given calls."""
    last = client.records[-1]["SequenceNumber"]
    kills = sorted(kills)
    for generation in range(len(kills) + 1):
        consumer = KinesisConsumer(
            client,
            "answers",
            handler,
            checkpoints=checkpoints,
            poll_interval_s=0,
            retry_delay_s=0,
            concurrency=concurrency,
            batch_limit=batch_limit,
            scope=batch_scope,
        )
        running = asyncio.create_task(consumer.run())
        kill_at = kills[generation] if generation < len(kills) else None
        for _ in range(100_000):
            if checkpoints.positions.get("shard-0") == last:
                break
            if kill_at is not None and calls[0] >= kill_at:
                break
            await asyncio.sleep(0)
        if kill_at is not None and checkpoints.positions.get("shard-0") != last:
            running.cancel()  # killed mid-batch: nothing after the checkpoint is kept
            with contextlib.suppress(asyncio.CancelledError):
                await running
            continue
        consumer.stop()
        await asyncio.wait_for(running, 10)
        break
    assert checkpoints.positions.get("shard-0") == last


def first_tries(commands: list[SubmitAnswer]) -> dict[str, SubmitAnswer]:
    first: dict[str, SubmitAnswer] = {}
    for command in commands:
        first.setdefault(command.user_id, command)
    return first


tries_strategy = st.lists(
    st.tuples(st.integers(0, len(USERS) - 1), st.booleans()), min_size=1, max_size=24
)
chaos_strategy = st.lists(
    st.tuples(st.integers(0, 3), st.booleans(), st.booleans()).map(
        lambda plan: (plan[0], plan[1] and plan[0] == 3, plan[2] and plan[0] >= 2)
    ),
    min_size=1,
    max_size=20,
)


@CORE
@given(
    tries=tries_strategy,
    chaos=chaos_strategy,
    concurrency=st.integers(1, 8),
    batch_limit=st.integers(1, 10),
    kills=st.lists(st.integers(1, 30), max_size=3),
    order=st.randoms(use_true_random=False),
    copies=st.lists(st.integers(1, 3), min_size=1, max_size=10),
)
def test_each_first_answer_is_recorded_and_scored_exactly_once(
    tries: list[tuple[int, bool]],
    chaos: list[tuple[int, bool, bool]],
    concurrency: int,
    batch_limit: int,
    kills: list[int],
    order: Any,
    copies: list[int],
) -> None:
    async def scenario() -> None:
        world = await live_world()
        commands = submissions(world, tries)
        client = FakeKinesis(kinesis_records(commands))
        plan = Chaos(chaos)
        calls = [0]

        async def handler(command: SubmitAnswer) -> None:
            calls[0] += 1
            await plan.around(lambda: world.processor.handle(command))

        await consume_until_done(
            client,
            handler,
            MemoryCheckpointStore(),
            concurrency=concurrency,
            batch_limit=batch_limit,
            kills=kills,
            calls=calls,
        )

        first = first_tries(commands)
        recorded = await world.play.system.answers.for_session(world.play.session_id)
        assert sorted(answer.submission_id for answer in recorded) == sorted(
            command.submission_id for command in first.values()
        )
        later = {command.submission_id for command in commands} - {
            command.submission_id for command in first.values()
        }
        for submission_id in later:
            results = [
                event
                for event in world.published.messages
                if isinstance(event, AnswerRejected) and event.submission_id == submission_id
            ]
            assert results and {event.code for event in results} == {"already_answered"}

        # Scoring: the stream results, redelivered and reordered, handled concurrently.
        events = [event for event in world.published.messages if isinstance(event, AnswerRecorded)]
        deliveries = [
            event
            for number, event in enumerate(events)
            for _ in range(copies[number % len(copies)])
        ]
        order.shuffle(deliveries)
        scoring = ScoreEventHandler(
            sessions=BatchCachedSessions(world.play.system.sessions),
            answers=world.play.system.answers,
            scores=world.play.system.scores,
            leaderboard=world.play.system.leaderboard,
            publisher=RecordingPublisher(),
            catalog=world.play.system.score_event.catalog,
        )
        await sqs_deliver(deliveries, scoring, plan)

        reference = await reference_scores(world, recorded)
        for user in USERS:
            assert await world.play.score_of(user) == reference.get(user, 0)

    asyncio.run(scenario())


async def reference_scores(world: World, recorded: list[Any]) -> dict[str, int]:
    """Return each user's score scored serially, once, on fresh score storage."""
    scores = MemoryScoreStore()
    serial = ScoreEventHandler(
        sessions=world.play.system.sessions,
        answers=world.play.system.answers,
        scores=scores,
        leaderboard=MemoryLeaderboard(),
        publisher=RecordingPublisher(),
        catalog=world.play.system.score_event.catalog,
    )
    state = await world.play.system.sessions.get(world.play.session_id)
    assert state is not None
    for answer in recorded:
        await serial.handle(
            AnswerRecorded(
                session_id=answer.session_id,
                quiz_id=state.quiz_id,
                question_id=answer.question_id,
                question_index=answer.question_index,
                user_id=answer.user_id,
                submission_id=answer.submission_id,
                answer=answer.answer,
                received_at=answer.received_at,
                opened_at=answer.opened_at,
                limit_ms=answer.limit_ms,
            )
        )
    result = {}
    for user in USERS:
        score = await scores.get_score(world.play.session_id, user)
        result[user] = score.score if score else 0
    return result


class FakeSqs:
    """A standard queue in memory: at least once, receive order not kept."""

    def __init__(self, bodies: list[str]) -> None:
        self.visible: list[tuple[str, str]] = [(str(n), body) for n, body in enumerate(bodies)]
        self.held: dict[str, tuple[str, str]] = {}
        self.deleted: set[str] = set()
        self.receipts = 0

    async def receive_message(self, **params: Any) -> dict[str, Any]:
        batch, self.visible = (
            self.visible[: params["MaxNumberOfMessages"]],
            self.visible[params["MaxNumberOfMessages"] :],
        )
        messages = []
        for message_id, body in batch:
            self.receipts += 1
            receipt = f"{message_id}#{self.receipts}"
            self.held[receipt] = (message_id, body)
            messages.append({"MessageId": message_id, "ReceiptHandle": receipt, "Body": body})
        return {"Messages": messages}

    async def delete_message_batch(self, **params: Any) -> dict[str, Any]:
        for entry in params["Entries"]:
            message_id, _body = self.held.pop(entry["ReceiptHandle"])
            self.deleted.add(message_id)
        return {"Successful": [{"Id": e["Id"]} for e in params["Entries"]], "Failed": []}

    async def change_message_visibility_batch(self, **params: Any) -> dict[str, Any]:
        for entry in params["Entries"]:
            if entry["VisibilityTimeout"] == 0 and entry["ReceiptHandle"] in self.held:
                self.visible.append(self.held.pop(entry["ReceiptHandle"]))
        return {"Successful": [], "Failed": []}

    def expire(self) -> None:
        """Make every held message visible again (its visibility timed out)."""
        self.visible.extend(self.held.values())
        self.held.clear()


async def sqs_deliver(
    events: list[AnswerRecorded], scoring: ScoreEventHandler, plan: Chaos
) -> None:
    """Feed the events through SqsConsumer until every message is deleted."""
    queue = FakeSqs([encode(event) for event in events])

    async def handler(message: Any) -> None:
        await plan.around(lambda: scoring.handle(message))

    consumer = SqsConsumer(queue, "q", handler, wait_time_s=0, retry_delay_s=0, scope=batch_scope)
    total = {str(n) for n in range(len(events))}
    for _ in range(10_000):
        if queue.deleted >= total:
            return
        await consumer.poll_once()
        queue.expire()  # failed ones come back (as after their visibility timeout)
    raise AssertionError("the queue never drained")
