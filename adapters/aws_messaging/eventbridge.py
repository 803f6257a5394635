"""EventBridge: the answer stream through a custom bus (seed 7.1).

Each ``SubmitAnswer`` becomes one event (Source ``quizcore.score-service``,
DetailType ``SubmitAnswer``, Detail the command's JSON plus its
``partition_key``: session and participant). Concurrent puts are
batched into ``PutEvents`` requests (up to 10 entries / 256 KiB); entries the
bus refused (``FailedEntryCount``) are retried alone, with backoff, a bounded
number of times. A rule on the bus forwards the events to Kinesis with the
partition key path ``$.detail.session_id``; the rule is infrastructure, not
created here.

EventBridge does not promise delivery order to its targets, so prefer
``KinesisAnswerStream`` when a participant's answers must reach the stream
processor in the order they were put (the decoder ignores the extra key).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from adapters.aws_messaging.batching import BatchingProducer
from adapters.aws_messaging.client import unavailable
from adapters.aws_messaging.codec import partition_key
from quizcore.messages import SubmitAnswer

SOURCE = "quizcore.score-service"
DETAIL_TYPE = "SubmitAnswer"
PARTITION_KEY_PATH = "$.detail.partition_key"
MAX_ENTRIES = 10
MAX_REQUEST_BYTES = 256 * 1024


class EventBridgeAnswerStream:
    """AnswerStream as events on a custom EventBridge bus."""

    def __init__(
        self,
        client: Any,
        bus_name: str,
        *,
        source: str = SOURCE,
        detail_type: str = DETAIL_TYPE,
        linger_ms: float = 10,
        max_attempts: int = 5,
        backoff_ms: float = 50,
        max_in_flight: int = 16,
    ) -> None:
        self.client = client
        self.bus_name = bus_name
        self.source = source
        self.detail_type = detail_type
        self.producer = BatchingProducer(
            self._put_events,
            name=f"eventbridge:{bus_name}",
            max_records=MAX_ENTRIES,
            max_bytes=MAX_REQUEST_BYTES,
            linger_s=linger_ms / 1000,
            max_attempts=max_attempts,
            backoff_s=backoff_ms / 1000,
            max_in_flight=max_in_flight,
        )

    async def put(self, command: SubmitAnswer) -> None:
        """Put the command on the bus; return once EventBridge accepted it."""
        body = {**command.to_dict(), "partition_key": partition_key(command)}
        detail = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        entry = {
            "Source": self.source,
            "DetailType": self.detail_type,
            "Detail": detail,
            "EventBusName": self.bus_name,
        }
        # EventBridge's own size formula: the UTF-8 bytes of these fields.
        size = sum(len(text.encode()) for text in (self.source, self.detail_type, detail))
        await self.producer.submit(entry, size)

    async def flush(self) -> None:
        """Send buffered events now and wait for them."""
        await self.producer.flush()

    async def aclose(self) -> None:
        """Flush and stop the background sender (the client stays open)."""
        await self.producer.aclose()

    async def _put_events(self, entries: list[dict[str, Any]]) -> Sequence[str | None]:
        with unavailable("EventBridge PutEvents"):
            response = await self.client.put_events(Entries=entries)
        return [result.get("ErrorCode") for result in response["Entries"]]
