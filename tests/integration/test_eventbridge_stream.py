"""EventBridgeAnswerStream against moto's EventBridge and SQS servers.

moto cannot deliver EventBridge events to Kinesis, so a rule on the bus
targets an SQS queue instead and the test reads the events there.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.aws_messaging import (
    EventBridgeAnswerStream,
    SqsConsumer,
    aws_client,
    create_queue_with_dlq,
)
from quizcore.errors import StoreUnavailable
from quizcore.messages import Message, SubmitAnswer

REGION = "eu-west-1"


@pytest.fixture
async def events(moto_endpoint: str) -> AsyncIterator[Any]:
    async with aws_client("events", REGION, moto_endpoint) as client:
        yield client


@pytest.fixture
async def sqs(moto_endpoint: str) -> AsyncIterator[Any]:
    async with aws_client("sqs", REGION, moto_endpoint) as client:
        yield client


@pytest.fixture
async def routed_bus(events: Any, sqs: Any, unique: str) -> tuple[str, str]:
    """Create a bus whose answer events a rule forwards to a queue; return both."""
    bus = f"stream-events-{unique}"
    await events.create_event_bus(Name=bus)
    queue = await create_queue_with_dlq(sqs, f"answers-{unique}", 5)
    await events.put_rule(
        Name=f"answers-{unique}",
        EventBusName=bus,
        EventPattern=json.dumps(
            {"source": ["quizcore.score-service"], "detail-type": ["SubmitAnswer"]}
        ),
        State="ENABLED",
    )
    await events.put_targets(
        Rule=f"answers-{unique}",
        EventBusName=bus,
        Targets=[{"Id": "answers-queue", "Arn": queue.arn}],
    )
    return bus, queue.url


def answer(user_id: str, index: int = 0) -> SubmitAnswer:
    return SubmitAnswer(
        session_id="s7",
        question_id=f"q{index}",
        user_id=user_id,
        answer="banana",
        submission_id=f"sub-{user_id}-{index}",
        received_at=2_000 + index,
    )


async def consume(sqs: Any, queue_url: str, count: int) -> list[Message]:
    handled: list[Message] = []

    async def handler(message: Message) -> None:
        handled.append(message)

    consumer = SqsConsumer(sqs, queue_url, handler, wait_time_s=1)
    for _ in range(10):
        await consumer.poll_once()
        if len(handled) >= count:
            break
    return handled


async def test_put_answer_reaches_the_rule_target_as_a_score_service_event(
    events: Any, sqs: Any, routed_bus: tuple[str, str]
) -> None:
    bus, queue_url = routed_bus
    stream = EventBridgeAnswerStream(events, bus)

    await stream.put(answer("alice"))

    response = await sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)
    [delivered] = response["Messages"]
    event = json.loads(delivered["Body"])
    assert event["source"] == "quizcore.score-service"
    assert event["detail-type"] == "SubmitAnswer"
    # The command, plus the key the Kinesis rule partitions by (session/participant).
    assert event["detail"] == {**answer("alice").to_dict(), "partition_key": "s7/alice"}


async def test_concurrent_puts_are_batched_and_all_arrive(
    events: Any, sqs: Any, routed_bus: tuple[str, str]
) -> None:
    bus, queue_url = routed_bus
    stream = EventBridgeAnswerStream(events, bus, linger_ms=20)
    commands = [answer(f"user-{index}", index) for index in range(25)]

    await asyncio.gather(*(stream.put(command) for command in commands))
    await stream.aclose()

    assert stream.producer.requests == 3  # 10 + 10 + 5 entries
    received = await consume(sqs, queue_url, len(commands))
    assert sorted(message.dedup_key for message in received) == sorted(
        command.dedup_key for command in commands
    )


class RefusingEvents:
    """Forwards PutEvents, refusing every second entry of the first call."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[list[str]] = []

    async def put_events(self, *, Entries: list[dict[str, Any]]) -> Any:
        self.calls.append([json.loads(entry["Detail"])["user_id"] for entry in Entries])
        if len(self.calls) > 1:
            return await self.client.put_events(Entries=Entries)
        response = await self.client.put_events(Entries=Entries[::2])
        stored = iter(response["Entries"])
        results = [
            next(stored)
            if index % 2 == 0
            else {"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}
            for index in range(len(Entries))
        ]
        return {"FailedEntryCount": len(Entries) // 2, "Entries": results}


async def test_refused_entries_are_retried_alone_and_delivered_once(
    events: Any, sqs: Any, routed_bus: tuple[str, str]
) -> None:
    bus, queue_url = routed_bus
    refusing = RefusingEvents(events)
    stream = EventBridgeAnswerStream(refusing, bus, linger_ms=30, backoff_ms=10)
    commands = [answer(f"user-{index}", index) for index in range(6)]

    await asyncio.gather(*(stream.put(command) for command in commands))

    first, retry = refusing.calls
    assert retry == first[1::2]
    received = await consume(sqs, queue_url, len(commands))
    assert sorted(message.dedup_key for message in received) == sorted(
        command.dedup_key for command in commands
    )


async def test_unreachable_eventbridge_raises_store_unavailable(aws_env: None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    async with aws_client("events", REGION, endpoint, max_attempts=1, connect_timeout=1) as client:
        stream = EventBridgeAnswerStream(client, "nowhere")
        with pytest.raises(StoreUnavailable):
            await stream.put(answer("alice"))
        await stream.aclose()
