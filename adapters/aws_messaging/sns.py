"""SNS: the event publisher of the cloud profile (seed 6.1 and quiz events).

Each event is published as ``message.to_dict()`` JSON with the message
attributes ``type`` and ``session_id``, so subscriptions can filter by type.
A ``MessageRouter`` picks the topic: with ``seed_topic_router`` stream results
(``AnswerRecorded``) go to the stream-result topic and every other event to
the quiz-events topic; ``SubmitAnswer`` has no topic (it is a command for the
answer stream).
"""

from __future__ import annotations

import json
from typing import Any

from adapters.aws_messaging.client import unavailable
from adapters.aws_messaging.codec import MessageRouter, encode, message_attributes
from quizcore.messages import Message


class SnsEventPublisher:
    """EventPublisher that publishes each event to its SNS topic."""

    def __init__(self, client: Any, router: MessageRouter) -> None:
        self.client = client
        self.router = router

    async def publish(self, message: Message) -> None:
        """Publish the event; return once SNS stored it."""
        topic_arn = self.router.destination(message)
        with unavailable(f"SNS Publish to {topic_arn}"):
            await self.client.publish(
                TopicArn=topic_arn,
                Message=encode(message),
                MessageAttributes=message_attributes(message),
            )


async def create_topic(client: Any, name: str) -> str:
    """Create the topic if needed (idempotent); return its ARN."""
    with unavailable(f"SNS CreateTopic {name}"):
        response = await client.create_topic(Name=name)
    return str(response["TopicArn"])


async def subscribe_queue(
    sns: Any, sqs: Any, topic_arn: str, queue_url: str, *, raw: bool = False
) -> str:
    """Subscribe a queue to a topic and let the topic send to it; return the ARN.

    With ``raw`` the queue receives the bare JSON body; without it, the SNS
    envelope (the consumers accept both).
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
            Attributes={"RawMessageDelivery": "true" if raw else "false"},
            ReturnSubscriptionArn=True,
        )
    return str(response["SubscriptionArn"])
