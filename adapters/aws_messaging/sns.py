"""SNS: the event publisher of the cloud profile (seed 6.1 and quiz events).

Each event is published as ``message.to_dict()`` JSON with the message
attributes ``type`` and ``session_id``, so subscriptions can filter by type.
A ``MessageRouter`` picks the topic: with ``seed_topic_router`` stream results
(``AnswerRecorded``) go to the stream-result topic and every other event to
the quiz-events topic; ``SubmitAnswer`` has no topic (it is a command for the
answer stream).

With ``linger_ms`` set, publishes to a topic from concurrent handlers are
collected for that long (or until ten are waiting) and sent in one
``PublishBatch``; each ``publish`` still returns only once SNS stored its
own message, and only refused entries are sent again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from adapters.aws_messaging.batching import BatchingProducer
from adapters.aws_messaging.client import unavailable
from adapters.aws_messaging.codec import MessageRouter, encode, message_attributes
from quizcore.messages import Message

MAX_BATCH_ENTRIES = 10
MAX_BATCH_BYTES = 256 * 1024


class SnsEventPublisher:
    """EventPublisher that publishes each event to its SNS topic."""

    def __init__(
        self,
        client: Any,
        router: MessageRouter,
        *,
        linger_ms: float | None = None,
        max_attempts: int = 5,
        max_in_flight: int = 8,
    ) -> None:
        self.client = client
        self.router = router
        self.linger_ms = linger_ms
        self.max_attempts = max_attempts
        self.max_in_flight = max_in_flight
        self._producers: dict[str, BatchingProducer] = {}

    async def publish(self, message: Message) -> None:
        """Publish the event; return once SNS stored it."""
        topic_arn = self.router.destination(message)
        if self.linger_ms is not None:
            body = encode(message)
            entry = {"Message": body, "MessageAttributes": message_attributes(message)}
            await self._producer(topic_arn).submit(entry, len(body.encode()) + 64)
            return
        with unavailable(f"SNS Publish to {topic_arn}"):
            await self.client.publish(
                TopicArn=topic_arn,
                Message=encode(message),
                MessageAttributes=message_attributes(message),
            )

    async def aclose(self) -> None:
        """Send what is buffered and stop the batching senders."""
        for producer in self._producers.values():
            await producer.aclose()

    def _producer(self, topic_arn: str) -> BatchingProducer:
        producer = self._producers.get(topic_arn)
        if producer is None:

            async def send(entries: list[dict[str, Any]]) -> Sequence[str | None]:
                return await self._publish_batch(topic_arn, entries)

            producer = BatchingProducer(
                send,
                name=f"sns:{topic_arn.rsplit(':', 1)[-1]}",
                max_records=MAX_BATCH_ENTRIES,
                max_bytes=MAX_BATCH_BYTES,
                linger_s=(self.linger_ms or 0) / 1000,
                max_attempts=self.max_attempts,
                max_in_flight=self.max_in_flight,
            )
            self._producers[topic_arn] = producer
        return producer

    async def _publish_batch(
        self, topic_arn: str, entries: list[dict[str, Any]]
    ) -> Sequence[str | None]:
        request = [{"Id": str(index), **entry} for index, entry in enumerate(entries)]
        with unavailable(f"SNS PublishBatch to {topic_arn}"):
            response = await self.client.publish_batch(
                TopicArn=topic_arn, PublishBatchRequestEntries=request
            )
        failed = {
            item["Id"]: str(item.get("Code", "Failed")) for item in response.get("Failed", [])
        }
        return [failed.get(str(index)) for index in range(len(entries))]


async def create_topic(client: Any, name: str) -> str:
    """Create the topic if needed (idempotent); return its ARN."""
    with unavailable(f"SNS CreateTopic {name}"):
        response = await client.create_topic(Name=name)
    return str(response["TopicArn"])


def subscription_attributes(*, raw: bool, kinds: Iterable[str] | None) -> dict[str, str]:
    """Return a queue subscription's attributes: raw delivery, the type filter."""
    attributes = {"RawMessageDelivery": "true" if raw else "false"}
    if kinds is not None:
        attributes["FilterPolicy"] = json.dumps({"type": sorted(kinds)})
    return attributes


async def subscribe_queue(
    sns: Any,
    sqs: Any,
    topic_arn: str,
    queue_url: str,
    *,
    raw: bool = False,
    kinds: Iterable[str] | None = None,
) -> str:
    """Subscribe a queue to a topic and let the topic send to it; return the ARN.

    With ``raw`` the queue receives the bare JSON body; without it, the SNS
    envelope (the consumers accept both). With ``kinds`` the subscription's
    filter policy lets through only those event types (attribute ``type``).
    """
    with unavailable("SNS Subscribe"):
        attributes = await sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn", "Policy"]
        )
        queue_arn = attributes["Attributes"]["QueueArn"]
        policy = json.loads(attributes["Attributes"].get("Policy") or "{}")
        statements = policy.setdefault("Statement", [])
        sid = "Sns" + "".join(ch for ch in topic_arn.rsplit(":", 1)[-1] if ch.isalnum())
        if not any(statement.get("Sid") == sid for statement in statements):
            # Add to the policy rather than replace it: several topics may feed one queue.
            policy.setdefault("Version", "2012-10-17")
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                }
            )
            await sqs.set_queue_attributes(
                QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)}
            )
        response = await sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes=subscription_attributes(raw=raw, kinds=kinds),
            ReturnSubscriptionArn=True,
        )
    return str(response["SubscriptionArn"])
