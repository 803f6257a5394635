"""KinesisAnswerStream and KinesisConsumer against moto's Kinesis server."""

from __future__ import annotations

import asyncio
import socket
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, cast

import pytest

from adapters.aws_messaging import (
    KinesisAnswerStream,
    KinesisConsumer,
    MemoryCheckpointStore,
    aws_client,
)
from adapters.aws_messaging.codec import decode
from quizcore.errors import StoreUnavailable
from quizcore.messages import SubmitAnswer

REGION = "eu-west-1"


@pytest.fixture
async def kinesis(moto_endpoint: str) -> AsyncIterator[Any]:
    async with aws_client("kinesis", REGION, moto_endpoint) as client:
        yield client


@pytest.fixture
async def stream(kinesis: Any, unique: str) -> str:
    name = f"answers-{unique}"
    await kinesis.create_stream(StreamName=name, ShardCount=2)
    waiter = kinesis.get_waiter("stream_exists")
    await waiter.wait(StreamName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
    return name


def answer(session_id: str, user_id: str, index: int) -> SubmitAnswer:
    return SubmitAnswer(
        session_id=session_id,
        question_id=f"q{index}",
        user_id=user_id,
        answer=f"word-{index}",
        submission_id=f"{session_id}-{user_id}-{index}",
        received_at=1_000 + index,
    )


async def read_back(
    kinesis: Any,
    stream: str,
    count: int,
    checkpoints: MemoryCheckpointStore | None = None,
) -> list[SubmitAnswer]:
    """Consume the stream until ``count`` answers arrived; return them in read order."""
    received: list[SubmitAnswer] = []
    enough = asyncio.Event()

    async def handler(command: SubmitAnswer) -> None:
        received.append(command)
        if len(received) >= count:
            enough.set()

    consumer = KinesisConsumer(
        kinesis, stream, handler, checkpoints=checkpoints, poll_interval_s=0.05
    )
    running = asyncio.create_task(consumer.run())
    await asyncio.wait_for(enough.wait(), 10)
    consumer.stop()
    await asyncio.wait_for(running, 5)
    return received


Refuse = Callable[[int, int, SubmitAnswer], bool]


class RefusingClient:
    """Forwards PutRecords to Kinesis, refusing the records ``refuse`` picks.

    ``refuse`` gets the call number (from 1), the record's position in the
    request and its command, as a throttled shard would, without storing them.
    """

    def __init__(self, client: Any, refuse: Refuse) -> None:
        self.client = client
        self.refuse = refuse
        self.calls: list[list[str]] = []

    async def put_records(self, *, StreamName: str, Records: list[dict[str, Any]]) -> Any:
        commands = [cast(SubmitAnswer, decode(record["Data"])) for record in Records]
        self.calls.append([command.dedup_key for command in commands])
        call = len(self.calls)
        refused = [
            self.refuse(call, position, command) for position, command in enumerate(commands)
        ]
        kept = [record for record, no in zip(Records, refused, strict=True) if not no]
        stored: Iterator[dict[str, Any]] = iter([])
        if kept:
            response = await self.client.put_records(StreamName=StreamName, Records=kept)
            stored = iter(response["Records"])
        results = [
            {
                "ErrorCode": "ProvisionedThroughputExceededException",
                "ErrorMessage": "Rate exceeded for shard",
            }
            if no
            else next(stored)
            for no in refused
        ]
        return {"FailedRecordCount": sum(refused), "Records": results}


async def test_concurrent_puts_share_requests_and_each_participant_reads_back_in_order(
    kinesis: Any, stream: str
) -> None:
    answers_stream = KinesisAnswerStream(kinesis, stream, linger_ms=20)
    sessions = [f"s{number}" for number in range(12)]
    per_session = 15

    async def play(session_id: str) -> None:
        for index in range(per_session):  # one answer after the other, as a session's API calls
            await answers_stream.put(answer(session_id, f"u{index % 3}", index))

    await asyncio.gather(*(play(session_id) for session_id in sessions))
    await answers_stream.aclose()

    total = len(sessions) * per_session
    assert answers_stream.producer.requests < total / 4  # batched, not one request each
    by_shard: dict[str, list[SubmitAnswer]] = defaultdict(list)
    shards = (await kinesis.list_shards(StreamName=stream))["Shards"]
    for shard in shards:
        iterator = (
            await kinesis.get_shard_iterator(
                StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )
        )["ShardIterator"]
        records = (await kinesis.get_records(ShardIterator=iterator, Limit=1000))["Records"]
        by_shard[shard["ShardId"]] = [cast(SubmitAnswer, decode(r["Data"])) for r in records]
    assert sum(len(commands) for commands in by_shard.values()) == total
    # Sessions spread over both shards; each participant keeps to one, in order.
    spread = [
        session_id
        for session_id in sessions
        if all(any(c.session_id == session_id for c in cs) for cs in by_shard.values())
    ]
    assert len(by_shard) == 2 and spread
    by_participant: dict[tuple[str, str], list[int]] = defaultdict(list)
    shard_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for shard_id, commands in by_shard.items():
        for command in commands:
            key = (command.session_id, command.user_id)
            by_participant[key].append(command.received_at)
            shard_of[key].add(shard_id)
    assert all(len(shard_ids) == 1 for shard_ids in shard_of.values())
    assert by_participant == {
        (session_id, f"u{user}"): [1_000 + index for index in range(user, per_session, 3)]
        for session_id in sessions
        for user in range(3)
    }


async def test_refused_records_are_retried_alone_and_stored_once(kinesis: Any, stream: str) -> None:
    refusing = RefusingClient(kinesis, lambda call, position, _: call == 1 and position % 2 == 1)
    answers_stream = KinesisAnswerStream(refusing, stream, linger_ms=50, backoff_ms=10)
    commands = [answer(f"s{index % 3}", f"u{index}", index) for index in range(10)]

    await asyncio.gather(*(answers_stream.put(command) for command in commands))

    first, retry = refusing.calls
    assert sorted(first) == sorted(command.dedup_key for command in commands)
    assert retry == first[1::2]  # only the refused half went again
    assert answers_stream.producer.retried == 5
    received = await read_back(kinesis, stream, len(commands))
    assert sorted(command.dedup_key for command in received) == sorted(
        command.dedup_key for command in commands
    )


async def test_records_refused_past_the_attempt_bound_raise_store_unavailable(
    kinesis: Any, stream: str
) -> None:
    refusing = RefusingClient(kinesis, lambda _call, _position, command: command.user_id == "u2")
    answers_stream = KinesisAnswerStream(refusing, stream, max_attempts=3, backoff_ms=5)

    results = await asyncio.gather(
        answers_stream.put(answer("s1", "u1", 0)),
        answers_stream.put(answer("s1", "u2", 1)),
        return_exceptions=True,
    )

    assert results[0] is None  # the even record was accepted on the first try
    assert isinstance(results[1], StoreUnavailable)
    assert len(refusing.calls) == 3


async def test_consumer_retries_a_failed_handler_and_resumes_from_its_checkpoint(
    kinesis: Any, stream: str
) -> None:
    answers_stream = KinesisAnswerStream(kinesis, stream)
    for index in range(3):
        await answers_stream.put(answer("s1", "u1", index))
    checkpoints = MemoryCheckpointStore()
    calls: list[int] = []
    done = asyncio.Event()

    async def flaky(command: SubmitAnswer) -> None:
        calls.append(command.received_at)
        if calls.count(command.received_at) == 1 and command.received_at == 1_001:
            raise RuntimeError("store hiccup")
        if len(calls) == 4:
            done.set()

    consumer = KinesisConsumer(
        kinesis, stream, flaky, checkpoints=checkpoints, poll_interval_s=0.05, retry_delay_s=0.05
    )
    running = asyncio.create_task(consumer.run())
    await asyncio.wait_for(done.wait(), 10)
    consumer.stop()
    await asyncio.wait_for(running, 5)
    assert calls == [1_000, 1_001, 1_001, 1_002]

    await answers_stream.put(answer("s1", "u1", 3))
    await answers_stream.aclose()
    resumed = await read_back(kinesis, stream, 1, checkpoints)
    assert [command.received_at for command in resumed] == [1_003]


async def test_unreachable_kinesis_raises_store_unavailable(aws_env: None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    async with aws_client("kinesis", REGION, endpoint, max_attempts=1, connect_timeout=1) as client:
        answers_stream = KinesisAnswerStream(client, "nowhere")
        with pytest.raises(StoreUnavailable):
            await answers_stream.put(answer("s1", "u1", 0))
        await answers_stream.aclose()
