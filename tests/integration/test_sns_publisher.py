"""SnsEventPublisher against moto's SNS and SQS servers."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.aws_messaging import (
    SnsEventPublisher,
    SqsConsumer,
    aws_client,
    create_queue_with_dlq,
    create_topic,
    seed_topic_router,
    subscribe_queue,
)
from quizcore import routing
from quizcore.errors import StoreUnavailable
from quizcore.messages import (
    AnswerRecorded,
    Message,
    SessionFinished,
    SessionStarted,
    SubmitAnswer,
)

REGION = "eu-west-1"


@pytest.fixture
async def sqs(moto_endpoint: str) -> AsyncIterator[Any]:
    async with aws_client("sqs", REGION, moto_endpoint) as client:
        yield client


@pytest.fixture
async def sns(moto_endpoint: str) -> AsyncIterator[Any]:
    async with aws_client("sns", REGION, moto_endpoint) as client:
        yield client


RECORDED = AnswerRecorded(
    session_id="s42",
    quiz_id="quiz-1",
    question_id="q1",
    question_index=0,
    user_id="alice",
    submission_id="sub-1",
    answer="apple",
    received_at=1_500,
    opened_at=1_000,
    limit_ms=20_000,
)
STARTED = SessionStarted(session_id="s42", mode="live", at=900)


async def receive(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    response = await sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=1,
        MessageAttributeNames=["All"],
    )
    return list(response.get("Messages", []))


async def drain(sqs: Any, queue_url: str) -> list[Message]:
    handled: list[Message] = []

    async def handler(message: Message) -> None:
        handled.append(message)

    await SqsConsumer(sqs, queue_url, handler, wait_time_s=1).poll_once()
    return handled


async def test_published_event_reaches_the_subscribed_queue_with_its_attributes(
    sns: Any, sqs: Any, unique: str
) -> None:
    stream_result = await create_topic(sns, f"stream-result-{unique}")
    quiz_events = await create_topic(sns, f"quiz-events-{unique}")
    queue = await create_queue_with_dlq(sqs, f"score-event-{unique}", 5)
    await subscribe_queue(sns, sqs, stream_result, queue.url)

    await SnsEventPublisher(sns, seed_topic_router(stream_result, quiz_events)).publish(RECORDED)

    [delivered] = await receive(sqs, queue.url)
    envelope = json.loads(delivered["Body"])
    assert envelope["TopicArn"] == stream_result
    assert envelope["MessageAttributes"] == {
        "type": {"Type": "String", "Value": "AnswerRecorded"},
        "session_id": {"Type": "String", "Value": "s42"},
    }
    assert json.loads(envelope["Message"]) == RECORDED.to_dict()


async def test_consumer_unwraps_the_sns_envelope_into_the_domain_event(
    sns: Any, sqs: Any, unique: str
) -> None:
    topic = await create_topic(sns, f"stream-result-{unique}")
    queue = await create_queue_with_dlq(sqs, f"score-event-{unique}", 5)
    await subscribe_queue(sns, sqs, topic, queue.url)

    await SnsEventPublisher(sns, seed_topic_router(topic, topic)).publish(RECORDED)

    assert await drain(sqs, queue.url) == [RECORDED]


async def test_raw_delivery_carries_the_bare_json_and_sqs_attributes(
    sns: Any, sqs: Any, unique: str
) -> None:
    topic = await create_topic(sns, f"quiz-events-{unique}")
    queue = await create_queue_with_dlq(sqs, f"ui-response-{unique}", 5)
    await subscribe_queue(sns, sqs, topic, queue.url, raw=True)

    await SnsEventPublisher(sns, seed_topic_router(topic, topic)).publish(STARTED)

    [delivered] = await receive(sqs, queue.url)
    assert json.loads(delivered["Body"]) == STARTED.to_dict()
    attributes = delivered["MessageAttributes"]
    assert attributes["type"]["StringValue"] == "SessionStarted"
    assert attributes["session_id"]["StringValue"] == "s42"


async def test_router_sends_stream_results_and_other_events_to_their_own_topics(
    sns: Any, sqs: Any, unique: str
) -> None:
    stream_result = await create_topic(sns, f"stream-result-{unique}")
    quiz_events = await create_topic(sns, f"quiz-events-{unique}")
    scores = await create_queue_with_dlq(sqs, f"score-event-{unique}", 5)
    ui = await create_queue_with_dlq(sqs, f"ui-response-{unique}", 5)
    await subscribe_queue(sns, sqs, stream_result, scores.url)
    await subscribe_queue(sns, sqs, quiz_events, ui.url)
    publisher = SnsEventPublisher(sns, seed_topic_router(stream_result, quiz_events))

    await publisher.publish(RECORDED)
    await publisher.publish(STARTED)

    assert await drain(sqs, scores.url) == [RECORDED]
    assert await drain(sqs, ui.url) == [STARTED]


async def test_answer_command_has_no_topic() -> None:
    router = seed_topic_router("arn:stream-result", "arn:quiz-events")
    command = SubmitAnswer(
        session_id="s42",
        question_id="q1",
        user_id="alice",
        answer="apple",
        submission_id="sub-1",
        received_at=1,
    )
    with pytest.raises(ValueError, match="no destination"):
        router.destination(command)


async def test_unreachable_sns_raises_store_unavailable(aws_env: None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    async with aws_client("sns", REGION, endpoint, max_attempts=1, connect_timeout=1) as client:
        publisher = SnsEventPublisher(client, seed_topic_router("arn:a", "arn:b"))
        with pytest.raises(StoreUnavailable):
            await publisher.publish(STARTED)


async def test_concurrent_publishes_share_publish_batch_requests_and_all_arrive(
    sns: Any, sqs: Any, unique: str
) -> None:
    stream_result = await create_topic(sns, f"stream-result-{unique}")
    quiz_events = await create_topic(sns, f"quiz-events-{unique}")
    queue = await create_queue_with_dlq(sqs, f"score-event-{unique}", 5)
    await subscribe_queue(sns, sqs, stream_result, queue.url, raw=True)
    publisher = SnsEventPublisher(sns, seed_topic_router(stream_result, quiz_events), linger_ms=20)
    events = [
        dataclasses.replace(RECORDED, user_id=f"user-{n}", submission_id=f"sub-{n}")
        for n in range(25)
    ]

    await asyncio.gather(*(publisher.publish(event) for event in events))
    await publisher.aclose()

    [producer] = publisher._producers.values()
    assert producer.requests <= 5  # ten to a PublishBatch, not one request each
    received: list[Message] = []
    for _ in range(20):
        received.extend(await drain(sqs, queue.url))
        if len(received) >= len(events):
            break
    assert sorted(m.submission_id for m in received) == sorted(e.submission_id for e in events)  # type: ignore[attr-defined]


async def test_a_filtered_subscription_takes_only_its_queues_event_types(
    sns: Any, sqs: Any, unique: str
) -> None:
    topic = await create_topic(sns, f"quiz-events-{unique}")
    results = await create_queue_with_dlq(sqs, f"quiz-result-{unique}", 5)
    await subscribe_queue(
        sns, sqs, topic, results.url, raw=True, kinds=routing.route(routing.QUIZ_RESULT).kinds
    )
    finished = SessionFinished(session_id="s42", at=2)
    publisher = SnsEventPublisher(sns, seed_topic_router(topic, topic))

    await publisher.publish(STARTED)
    await publisher.publish(finished)

    assert await drain(sqs, results.url) == [finished]
