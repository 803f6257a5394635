"""AWS messaging adapters: SNS and SQS (seed 6), EventBridge and Kinesis (seed 7).

Every adapter takes an aiobotocore client created by the caller (see
:func:`aws_client`) and turns the client's errors into ``StoreUnavailable``.
"""

from adapters.aws_messaging.client import aws_client
from adapters.aws_messaging.codec import MessageRouter, PoisonMessage, seed_topic_router
from adapters.aws_messaging.eventbridge import EventBridgeAnswerStream
from adapters.aws_messaging.kinesis import (
    CheckpointStore,
    KinesisAnswerStream,
    KinesisConsumer,
    MemoryCheckpointStore,
    SqsDeadLetter,
)
from adapters.aws_messaging.sns import SnsEventPublisher, create_topic, subscribe_queue
from adapters.aws_messaging.sqs import (
    QueueUrls,
    SqsConsumer,
    SqsEventPublisher,
    create_queue_with_dlq,
    queue_arn,
)

__all__ = [
    "CheckpointStore",
    "EventBridgeAnswerStream",
    "KinesisAnswerStream",
    "KinesisConsumer",
    "MemoryCheckpointStore",
    "MessageRouter",
    "PoisonMessage",
    "QueueUrls",
    "SnsEventPublisher",
    "SqsConsumer",
    "SqsDeadLetter",
    "SqsEventPublisher",
    "aws_client",
    "create_queue_with_dlq",
    "create_topic",
    "queue_arn",
    "seed_topic_router",
    "subscribe_queue",
]
