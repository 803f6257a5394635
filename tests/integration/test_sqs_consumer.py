"""SqsConsumer and SqsEventPublisher against moto's SQS server."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.aws_messaging import (
    MessageRouter,
    SqsConsumer,
    SqsEventPublisher,
    aws_client,
    create_queue_with_dlq,
)
from quizcore.errors import StoreUnavailable
from quizcore.messages import Message, ScoreUpdated
from tests.unit.support import score_updated

REGION = "eu-west-1"


@pytest.fixture
async def sqs(moto_endpoint: str) -> AsyncIterator[Any]:
    async with aws_client("sqs", REGION, moto_endpoint) as client:
        yield client


def score(user_id: str, session_id: str = "s1") -> ScoreUpdated:
    return score_updated(user_id, session_id)


async def counts(sqs: Any, queue_url: str) -> tuple[int, int]:
    """Return (visible, in flight) message counts."""
    response = await sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
        ],
    )
    attributes = response["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


async def send(sqs: Any, queue_url: str, *messages: Message) -> None:
    publisher = SqsEventPublisher(sqs, MessageRouter({}, default=queue_url))
    for message in messages:
        await publisher.publish(message)


async def receive_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    response = await sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=30
    )
    return list(response.get("Messages", []))


async def test_handled_message_is_deleted_only_after_its_handler_returned(
    sqs: Any, unique: str
) -> None:
    queue = await create_queue_with_dlq(sqs, f"ui-response-{unique}", 3)
    await send(sqs, queue.url, score("alice"))
    seen_during_handling: list[tuple[int, int]] = []
    handled: list[Message] = []

    async def handler(message: Message) -> None:
        seen_during_handling.append(await counts(sqs, queue.url))
        handled.append(message)

    consumer = SqsConsumer(sqs, queue.url, handler, wait_time_s=1)
    assert await consumer.poll_once() == 1

    assert handled == [score("alice")]
    assert seen_during_handling == [(0, 1)]  # still on the queue, held by us
    assert await counts(sqs, queue.url) == (0, 0)


async def test_failed_handler_leaves_the_message_to_be_delivered_again(
    sqs: Any, unique: str
) -> None:
    queue = await create_queue_with_dlq(sqs, f"score-event-{unique}", 5)
    await send(sqs, queue.url, score("bob"))
    attempts: list[Message] = []

    async def flaky(message: Message) -> None:
        attempts.append(message)
        if len(attempts) == 1:
            raise RuntimeError("database hiccup")

    consumer = SqsConsumer(sqs, queue.url, flaky, wait_time_s=1, retry_delay_s=0)
    assert await consumer.poll_once() == 0
    assert await counts(sqs, queue.url) == (1, 0)
    assert await consumer.poll_once() == 1

    assert attempts == [score("bob"), score("bob")]
    assert await counts(sqs, queue.url) == (0, 0)
    assert consumer.failed == 1


async def test_failing_and_poison_messages_reach_the_dlq_while_others_flow_on(
    sqs: Any, unique: str
) -> None:
    queue = await create_queue_with_dlq(sqs, f"quiz-result-{unique}", max_receive_count=2)
    await send(sqs, queue.url, score("doomed"), score("fine-1"))
    await sqs.send_message(QueueUrl=queue.url, MessageBody="{not json")
    handled: list[str] = []

    async def handler(message: Message) -> None:
        assert isinstance(message, ScoreUpdated)
        if message.user_id == "doomed":
            raise ValueError("this one always fails")
        handled.append(message.user_id)

    consumer = SqsConsumer(sqs, queue.url, handler, wait_time_s=0, retry_delay_s=0)
    for round_number in range(2, 5):
        await send(sqs, queue.url, score(f"fine-{round_number}"))
        await consumer.poll_once()

    assert handled == ["fine-1", "fine-2", "fine-3", "fine-4"]
    parked = await receive_all(sqs, queue.dlq_url)
    bodies = [message["Body"] for message in parked]
    assert len(bodies) == 2
    assert "{not json" in bodies
    bodies.remove("{not json")
    assert json.loads(bodies[0])["user_id"] == "doomed"
    assert await counts(sqs, queue.url) == (0, 0)
    assert consumer.poisoned == 2  # received twice before it was parked


async def test_heartbeat_keeps_a_slow_message_from_being_redelivered_meanwhile(
    sqs: Any, unique: str
) -> None:
    queue = await create_queue_with_dlq(sqs, f"slow-{unique}", 5, visibility_timeout_s=1)
    await send(sqs, queue.url, score("slow"))
    started = asyncio.Event()
    finish = asyncio.Event()

    async def slow(message: Message) -> None:
        started.set()
        await finish.wait()

    consumer = SqsConsumer(
        sqs, queue.url, slow, wait_time_s=0, visibility_timeout_s=1, heartbeat_s=0.3
    )
    polling = asyncio.create_task(consumer.poll_once())
    await started.wait()
    stolen: list[dict[str, Any]] = []
    for _ in range(6):  # 2.4 s: well past the 1 s visibility timeout
        await asyncio.sleep(0.4)
        stolen += await receive_all(sqs, queue.url)
    finish.set()

    assert await polling == 1
    assert stolen == []
    assert consumer.extensions >= 3
    assert await counts(sqs, queue.url) == (0, 0)


async def test_stop_finishes_the_running_handler_and_releases_the_rest(
    sqs: Any, unique: str
) -> None:
    queue = await create_queue_with_dlq(sqs, f"stop-{unique}", 5)
    await send(sqs, queue.url, *(score(f"user-{index}") for index in range(3)))
    started = asyncio.Event()
    finish = asyncio.Event()
    handled: list[Message] = []

    async def handler(message: Message) -> None:
        started.set()
        await finish.wait()
        handled.append(message)

    consumer = SqsConsumer(sqs, queue.url, handler, wait_time_s=1, concurrency=1)
    running = asyncio.create_task(consumer.run())
    await started.wait()
    consumer.stop()
    await asyncio.sleep(0.2)
    assert not running.done()  # still waiting for the handler in flight
    finish.set()
    await asyncio.wait_for(running, 5)

    assert len(handled) == 1
    assert consumer.released == 2
    released = await receive_all(sqs, queue.url)  # visible again at once
    assert len(released) == 2
    assert handled[0] not in {json.loads(message["Body"])["user_id"] for message in released}


async def test_stop_does_not_wait_out_a_long_poll(sqs: Any, unique: str) -> None:
    queue = await create_queue_with_dlq(sqs, f"idle-{unique}", 5)

    async def handler(message: Message) -> None:
        raise AssertionError("the queue is empty")

    consumer = SqsConsumer(sqs, queue.url, handler, wait_time_s=20, visibility_timeout_s=1)
    running = asyncio.create_task(consumer.run())
    await asyncio.sleep(0.5)  # the receive is waiting on the empty queue
    consumer.stop()

    await asyncio.wait_for(running, 5)  # not the 20 s the receive would wait
    # The abandoned receive may still be handed a message that arrives now;
    # it comes back once its visibility timeout runs out: late, not lost.
    await send(sqs, queue.url, score("user-late"))
    back: list[dict[str, Any]] = []
    for _ in range(20):
        back += await receive_all(sqs, queue.url)
        if back:
            break
        await asyncio.sleep(0.25)
    assert [json.loads(message["Body"])["user_id"] for message in back] == ["user-late"]


async def test_handlers_of_a_batch_run_concurrently_up_to_the_limit(sqs: Any, unique: str) -> None:
    queue = await create_queue_with_dlq(sqs, f"batch-{unique}", 5)
    await send(sqs, queue.url, *(score(f"user-{index}") for index in range(6)))
    running = 0
    peak = 0

    async def handler(message: Message) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1

    consumer = SqsConsumer(sqs, queue.url, handler, wait_time_s=1, concurrency=3)
    handled = 0
    while handled < 6:
        handled += await consumer.poll_once()

    assert peak == 3
    assert await counts(sqs, queue.url) == (0, 0)


async def test_fifo_publisher_groups_by_session_and_drops_republished_events(
    sqs: Any, unique: str
) -> None:
    queue = await create_queue_with_dlq(sqs, f"ordered-{unique}.fifo", 5)
    publisher = SqsEventPublisher(sqs, MessageRouter({"ScoreUpdated": queue.url}))
    await publisher.publish(score("carol"))
    await publisher.publish(score("carol"))  # a redelivered handler publishes again

    messages = await receive_all(sqs, queue.url)
    assert [json.loads(message["Body"])["user_id"] for message in messages] == ["carol"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_sqs_raises_store_unavailable(aws_env: None) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    async with aws_client("sqs", REGION, endpoint, max_attempts=1, connect_timeout=1) as client:
        url = f"{endpoint}/123456789012/nowhere"
        consumer = SqsConsumer(client, url, lambda message: asyncio.sleep(0), wait_time_s=0)
        with pytest.raises(StoreUnavailable):
            await consumer.poll_once()
        with pytest.raises(StoreUnavailable):
            await send(client, url, score("dave"))
