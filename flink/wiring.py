"""The stream processor on its real adapters: DynamoDB stores, SNS publisher.

``open_processor`` is the job's composition root. It opens the aiobotocore
clients on an ``AsyncExitStack`` (closed with the function that owns the event
loop) and returns quizcore's ``StreamProcessor`` with ``catalog=None``: the
score service stamps ``question_index`` and ``limit_ms`` on every
``SubmitAnswer``, so the job reads the session state and never the quiz.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from adapters.aws_messaging.client import aws_client
from adapters.aws_messaging.codec import seed_topic_router
from adapters.aws_messaging.sns import SnsEventPublisher, create_topic
from adapters.dynamodb.answers import DynamoAnswerStore
from adapters.dynamodb.client import dynamodb_client
from adapters.dynamodb.scores import DynamoScoreStore
from adapters.dynamodb.sessions import DynamoSessionStore
from flink.settings import JobSettings
from quizcore.messages import Message
from quizcore.ports import EventPublisher
from quizcore.services import PlayRules, StreamProcessor


class RecordingPublisher:
    """EventPublisher that publishes through another and keeps what it sent.

    The job emits downstream exactly the events quizcore published, so the
    outcome stream and the SNS topics cannot disagree.
    """

    def __init__(self, inner: EventPublisher) -> None:
        self.inner = inner
        self.sent: list[Message] = []

    async def publish(self, message: Message) -> None:
        """Publish the event, then remember it."""
        await self.inner.publish(message)
        self.sent.append(message)

    def take(self) -> list[Message]:
        """Return the events sent since the last call and forget them."""
        sent, self.sent = self.sent, []
        return sent


async def topic_arn(sns: Any, topic: str) -> str:
    """Return the ARN of a topic given by ARN or by name (then created if missing)."""
    return topic if topic.startswith("arn:") else await create_topic(sns, topic)


async def open_processor(
    stack: AsyncExitStack, settings: JobSettings
) -> tuple[StreamProcessor, RecordingPublisher]:
    """Open the clients on ``stack``; return the processor and its publisher."""
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    dynamodb = await stack.enter_async_context(
        dynamodb_client(region, settings.dynamodb_endpoint_url)
    )
    sns = await stack.enter_async_context(aws_client("sns", region, endpoint))
    router = seed_topic_router(
        await topic_arn(sns, settings.sns_stream_result_topic),
        await topic_arn(sns, settings.sns_quiz_events_topic),
    )
    publisher = RecordingPublisher(SnsEventPublisher(sns, router))
    processor = StreamProcessor(
        sessions=DynamoSessionStore(dynamodb, settings.dynamodb_sessions_table),
        answers=DynamoAnswerStore(dynamodb, settings.dynamodb_answers_table),
        scores=DynamoScoreStore(dynamodb, settings.dynamodb_scores_table),
        publisher=publisher,
        catalog=None,
        play=PlayRules(grace_ms=settings.answer_grace_ms),
    )
    return processor, publisher
