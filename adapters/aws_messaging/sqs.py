"""SQS: the work queues of the cloud profile (seed 6.2 to 6.4).

``SqsConsumer`` long-polls a queue, receives up to ten messages at a time,
and calls the handler once per message with the decoded domain message
(unwrapping SNS and EventBridge envelopes). A message is deleted only after
its handler returned; while a handler runs, a heartbeat keeps extending the
visibility of the messages still held, so slow work is not redelivered to
another worker meanwhile. A failed or undecodable message is not deleted: it
becomes visible again and, after the queue's ``maxReceiveCount`` receives, the
redrive policy moves it to the dead-letter queue (``create_queue_with_dlq``).

``SqsEventPublisher`` sends events straight to queues, routed by type.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from adapters.aws_messaging.client import AWS_ERRORS, unavailable
from adapters.aws_messaging.codec import (
    MessageRouter,
    PoisonMessage,
    decode,
    encode,
    message_attributes,
)
from quizcore.errors import StoreUnavailable
from quizcore.messages import Message

log = logging.getLogger(__name__)

Handler = Callable[[Message], Awaitable[None]]

MAX_BATCH = 10
MAX_WAIT_S = 20


@dataclass(frozen=True, slots=True)
class QueueUrls:
    """A work queue and its dead-letter queue."""

    url: str
    arn: str
    dlq_url: str
    dlq_arn: str


async def queue_arn(client: Any, queue_url: str) -> str:
    """Return the ARN of a queue."""
    with unavailable("SQS GetQueueAttributes"):
        response = await client.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"]
        )
    return str(response["Attributes"]["QueueArn"])


async def create_queue_with_dlq(
    client: Any,
    name: str,
    max_receive_count: int = 5,
    *,
    visibility_timeout_s: int = 30,
    dlq_retention_s: int = 14 * 24 * 3600,
) -> QueueUrls:
    """Create ``name`` and ``name-dlq``, wired by a redrive policy (idempotent).

    A message received ``max_receive_count`` times without being deleted is
    moved to the dead-letter queue, which keeps it for ``dlq_retention_s``.
    """
    fifo = name.endswith(".fifo")
    base = name.removesuffix(".fifo")
    dlq_name = f"{base}-dlq.fifo" if fifo else f"{base}-dlq"
    fifo_attributes = {"FifoQueue": "true"} if fifo else {}
    with unavailable(f"SQS CreateQueue {name}"):
        dlq = await client.create_queue(
            QueueName=dlq_name,
            Attributes={"MessageRetentionPeriod": str(dlq_retention_s), **fifo_attributes},
        )
        dlq_arn = await queue_arn(client, dlq["QueueUrl"])
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
        queue = await client.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(visibility_timeout_s),
                "RedrivePolicy": json.dumps(redrive),
                **fifo_attributes,
            },
        )
        arn = await queue_arn(client, queue["QueueUrl"])
    return QueueUrls(url=queue["QueueUrl"], arn=arn, dlq_url=dlq["QueueUrl"], dlq_arn=dlq_arn)


class SqsEventPublisher:
    """EventPublisher that sends each event to its queue.

    On a FIFO queue (URL ending in ``.fifo``) the session is the message
    group, so a session's events stay in order, and the message's
    ``dedup_key`` is the deduplication id, so a republished event is dropped.
    """

    def __init__(self, client: Any, router: MessageRouter) -> None:
        self.client = client
        self.router = router

    async def publish(self, message: Message) -> None:
        """Send the event; return once SQS stored it."""
        queue_url = self.router.destination(message)
        params: dict[str, Any] = {
            "QueueUrl": queue_url,
            "MessageBody": encode(message),
            "MessageAttributes": message_attributes(message),
        }
        if queue_url.endswith(".fifo"):
            dedup = message.dedup_key
            if len(dedup) > 128:
                dedup = hashlib.sha256(dedup.encode()).hexdigest()
            params["MessageGroupId"] = message.session_id
            params["MessageDeduplicationId"] = dedup
        with unavailable(f"SQS SendMessage to {queue_url}"):
            await self.client.send_message(**params)


class SqsConsumer:
    """Feeds a queue's messages to a handler; deletes them once handled.

    ``run`` loops until ``stop``: each round long-polls for up to
    ``batch_size`` messages (``wait_time_s``), handles them with at most
    ``concurrency`` handlers at a time, then deletes the handled ones in one
    ``DeleteMessageBatch``. Messages are received with ``visibility_timeout_s``
    and, while any of them is held, extended every ``heartbeat_s``. A
    batch's handlers run inside ``scope()`` (e.g. a shared read cache).

    A failed message is left on the queue; with ``retry_delay_s`` set its
    visibility is set to that many seconds, else the receive's timeout runs
    out. ``stop`` lets the running handlers finish, releases the received
    messages not yet started (visibility 0) and makes ``run`` return without
    receiving more. A receive still waiting is abandoned at once rather
    than after up to ``wait_time_s`` (a pod's grace period is 30 s): a
    message SQS handed to it in that instant comes back after its
    visibility timeout, handled later, never lost. ``stop`` is final.
    """

    def __init__(
        self,
        client: Any,
        queue_url: str,
        handler: Handler,
        *,
        batch_size: int = MAX_BATCH,
        wait_time_s: int = MAX_WAIT_S,
        visibility_timeout_s: int = 30,
        heartbeat_s: float | None = None,
        concurrency: int = MAX_BATCH,
        retry_delay_s: int | None = None,
        error_backoff_s: float = 1.0,
        max_error_backoff_s: float = 20.0,
        scope: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be within 1..{MAX_BATCH}")
        if not 0 <= wait_time_s <= MAX_WAIT_S:
            raise ValueError(f"wait_time_s must be within 0..{MAX_WAIT_S}")
        if visibility_timeout_s < 1 or concurrency < 1:
            raise ValueError("visibility_timeout_s and concurrency must be positive")
        self.client = client
        self.queue_url = queue_url
        self.handler = handler
        self.batch_size = batch_size
        self.wait_time_s = wait_time_s
        self.visibility_timeout_s = visibility_timeout_s
        self.heartbeat_s = heartbeat_s if heartbeat_s is not None else visibility_timeout_s / 3
        self.concurrency = concurrency
        self.retry_delay_s = retry_delay_s
        self.error_backoff_s = error_backoff_s
        self.max_error_backoff_s = max_error_backoff_s
        self.scope = scope
        self._stopping = asyncio.Event()
        self.handled = 0
        self.failed = 0
        self.poisoned = 0
        self.released = 0
        self.extensions = 0

    @property
    def stopping(self) -> bool:
        """Return whether ``stop`` was called."""
        return self._stopping.is_set()

    def stop(self) -> None:
        """Finish the running handlers, then make ``run`` return."""
        self._stopping.set()

    async def run(self) -> None:
        """Receive and handle messages until ``stop`` is called."""
        backoff = self.error_backoff_s
        while not self._stopping.is_set():
            try:
                messages = await self._receive_unless_stopped()
                if messages:
                    await self._process(messages)
            except StoreUnavailable as ex:
                log.warning("sqs %s: %s; retrying in %.1f s", self.queue_url, ex, backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                backoff = min(backoff * 2, self.max_error_backoff_s)
            else:
                backoff = self.error_backoff_s

    async def _receive_unless_stopped(self) -> list[dict[str, Any]]:
        """Receive one batch, or nothing if ``stop`` comes while waiting."""
        receiving = asyncio.ensure_future(self._receive())
        stopped = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({receiving, stopped}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # run itself cancelled
            receiving.cancel()
            raise
        finally:
            stopped.cancel()
        if receiving.done():
            return receiving.result()
        receiving.cancel()
        with contextlib.suppress(asyncio.CancelledError, StoreUnavailable):
            await receiving
        return []

    async def poll_once(self) -> int:
        """Receive one batch and handle it; return how many were handled."""
        messages = await self._receive()
        if not messages:
            return 0
        return await self._process(messages)

    async def _receive(self) -> list[dict[str, Any]]:
        with unavailable(f"SQS ReceiveMessage from {self.queue_url}"):
            response = await self.client.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=self.batch_size,
                WaitTimeSeconds=self.wait_time_s,
                VisibilityTimeout=self.visibility_timeout_s,
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    async def _process(self, messages: list[dict[str, Any]]) -> int:
        held = {message["MessageId"]: message["ReceiptHandle"] for message in messages}
        slots = asyncio.Semaphore(self.concurrency)
        outcomes: dict[str, str] = {}

        async def one(message: dict[str, Any]) -> None:
            async with slots:
                if self._stopping.is_set():
                    return  # not started: released below
                outcome = await self._handle(message)
            outcomes[message["MessageId"]] = outcome
            if outcome != "ok":
                held.pop(message["MessageId"], None)  # stop extending: let it come back

        heartbeat = asyncio.create_task(self._heartbeat(held))
        try:
            with self.scope():
                await asyncio.gather(*(one(message) for message in messages))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        done = [message for message in messages if outcomes.get(message["MessageId"]) == "ok"]
        failed = [
            message for message in messages if outcomes.get(message["MessageId"], "ok") != "ok"
        ]
        unstarted = [message for message in messages if message["MessageId"] not in outcomes]
        await self._delete(done)
        if self.retry_delay_s is not None:
            await self._change_visibility(failed, self.retry_delay_s)
        if unstarted:
            await self._change_visibility(unstarted, 0)
            self.released += len(unstarted)
        return len(done)

    async def _handle(self, message: dict[str, Any]) -> str:
        receives = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
        try:
            decoded = decode(message["Body"])
        except PoisonMessage as ex:
            # Retrying cannot help; the redrive policy will park it in the DLQ.
            log.error(
                "sqs %s: poison message %s (receive %s) left for the DLQ: %s",
                self.queue_url,
                message["MessageId"],
                receives,
                ex,
            )
            self.poisoned += 1
            return "poison"
        try:
            await self.handler(decoded)
        except Exception:
            log.exception(
                "sqs %s: handler failed on %s %s (receive %s)",
                self.queue_url,
                decoded.kind,
                message["MessageId"],
                receives,
            )
            self.failed += 1
            return "failed"
        self.handled += 1
        return "ok"

    async def _heartbeat(self, held: dict[str, str]) -> None:
        """Extend the visibility of the held messages until cancelled."""
        while True:
            await asyncio.sleep(self.heartbeat_s)
            entries = [
                {"Id": str(index), "ReceiptHandle": receipt}
                for index, receipt in enumerate(list(held.values()))
            ]
            if not entries:
                continue
            try:
                response = await self.client.change_message_visibility_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {**entry, "VisibilityTimeout": self.visibility_timeout_s}
                        for entry in entries
                    ],
                )
            except AWS_ERRORS as ex:
                # Not fatal: at worst the message is redelivered and handled again.
                log.warning("sqs %s: visibility extension failed: %s", self.queue_url, ex)
                continue
            self.extensions += len(entries) - len(response.get("Failed", []))

    async def _delete(self, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        entries = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
            for index, message in enumerate(messages)
        ]
        try:
            response = await self.client.delete_message_batch(
                QueueUrl=self.queue_url, Entries=entries
            )
        except AWS_ERRORS as ex:
            log.warning(
                "sqs %s: delete failed, %d will be redelivered: %s",
                self.queue_url,
                len(entries),
                ex,
            )
            return
        for failure in response.get("Failed", []):
            log.warning(
                "sqs %s: delete failed for entry %s: %s",
                self.queue_url,
                failure["Id"],
                failure.get("Code"),
            )

    async def _change_visibility(self, messages: list[dict[str, Any]], seconds: int) -> None:
        if not messages:
            return
        entries = [
            {
                "Id": str(index),
                "ReceiptHandle": message["ReceiptHandle"],
                "VisibilityTimeout": seconds,
            }
            for index, message in enumerate(messages)
        ]
        try:
            await self.client.change_message_visibility_batch(
                QueueUrl=self.queue_url, Entries=entries
            )
        except AWS_ERRORS as ex:
            log.warning("sqs %s: visibility change failed: %s", self.queue_url, ex)
