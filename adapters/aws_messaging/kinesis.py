"""Kinesis: the answer stream (seed 7.2) and a local consumer of it.

``KinesisAnswerStream`` batches concurrent ``put`` calls into ``PutRecords``
requests (up to 500 records / 5 MiB, flushed when full or after a short
linger), retries only the records Kinesis refused, and returns from ``put``
once the record is stored. The partition key is the session and the
participant (``codec.partition_key``): a session spreads over every shard,
and each participant's answers share a shard and keep their order.

``KinesisConsumer`` reads every shard from a checkpoint (at least once) and
hands each ``SubmitAnswer`` to a handler; it is the local stand-in for the
Flink job (seed 7.3).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from botocore.exceptions import ClientError

from adapters.aws_messaging.batching import BatchingProducer
from adapters.aws_messaging.client import AWS_ERRORS, error_code, unavailable
from adapters.aws_messaging.codec import PoisonMessage, decode, encode, partition_key
from quizcore.errors import StoreUnavailable
from quizcore.messages import SubmitAnswer

log = logging.getLogger(__name__)

MAX_RECORDS = 500
MAX_REQUEST_BYTES = 5 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024
READ_ERRORS: tuple[type[BaseException], ...] = (*AWS_ERRORS, StoreUnavailable)


class KinesisAnswerStream:
    """AnswerStream on a Kinesis data stream, batched with PutRecords."""

    def __init__(
        self,
        client: Any,
        stream_name: str,
        *,
        linger_ms: float = 20,
        max_records: int = MAX_RECORDS,
        max_attempts: int = 5,
        backoff_ms: float = 50,
        max_in_flight: int = 4,
    ) -> None:
        self.client = client
        self.stream_name = stream_name
        self.producer = BatchingProducer(
            self._put_records,
            name=f"kinesis:{stream_name}",
            max_records=min(max_records, MAX_RECORDS),
            max_bytes=MAX_REQUEST_BYTES,
            linger_s=linger_ms / 1000,
            max_attempts=max_attempts,
            backoff_s=backoff_ms / 1000,
            max_in_flight=max_in_flight,
        )

    async def put(self, command: SubmitAnswer) -> None:
        """Store the command on the stream; return once Kinesis accepted it."""
        data = encode(command).encode()
        key = partition_key(command)
        size = len(data) + len(key.encode())
        if size > MAX_RECORD_BYTES:
            raise ValueError(f"record of {size} bytes exceeds the Kinesis limit")
        await self.producer.submit({"Data": data, "PartitionKey": key}, size)

    async def flush(self) -> None:
        """Send buffered records now and wait for them."""
        await self.producer.flush()

    async def aclose(self) -> None:
        """Flush and stop the background sender (the client stays open)."""
        await self.producer.aclose()

    async def _put_records(self, records: list[dict[str, Any]]) -> Sequence[str | None]:
        with unavailable("Kinesis PutRecords"):
            response = await self.client.put_records(StreamName=self.stream_name, Records=records)
        return [result.get("ErrorCode") for result in response["Records"]]


class CheckpointStore(Protocol):
    """Where a consumer keeps its position in each shard."""

    async def get(self, shard_id: str) -> str | None:
        """Return the last processed sequence number of the shard, if any."""
        ...

    async def set(self, shard_id: str, sequence_number: str) -> None:
        """Remember the last processed sequence number of the shard."""
        ...


class MemoryCheckpointStore:
    """Checkpoints in a dict: a restart replays the stream (at least once)."""

    def __init__(self) -> None:
        self.positions: dict[str, str] = {}

    async def get(self, shard_id: str) -> str | None:
        """Return the shard's checkpoint."""
        return self.positions.get(shard_id)

    async def set(self, shard_id: str, sequence_number: str) -> None:
        """Store the shard's checkpoint."""
        self.positions[shard_id] = sequence_number


AnswerHandler = Callable[[SubmitAnswer], Awaitable[None]]


class KinesisConsumer:
    """Reads every shard of a stream and hands each SubmitAnswer to a handler.

    Within a GetRecords batch, records of one partition key (one participant)
    are handled one at a time in stream order, and different keys run
    concurrently, at most ``concurrency`` handlers at a time, each batch
    inside ``scope()`` (e.g. ``quizcore.batching.batch_scope``). The
    checkpoint is written once per batch and never passes a record not yet
    handled, so delivery is at least once. A handler failure is retried after
    ``retry_delay_s``; with a ``dead_letter`` sink, a record that failed
    ``max_attempts`` times (or cannot be decoded) goes there and the shard
    moves on, while an outage (``StoreUnavailable``) is retried for as long
    as it lasts, since it says nothing about the record. Without a sink an
    undecodable record is logged and skipped. A
    child shard (after resharding) is read only once its parents are
    finished, keeping per-key order.
    """

    def __init__(
        self,
        client: Any,
        stream_name: str,
        handler: AnswerHandler,
        *,
        checkpoints: CheckpointStore | None = None,
        poll_interval_s: float = 0.2,
        batch_limit: int = 1000,
        discover_interval_s: float = 10.0,
        retry_delay_s: float = 0.2,
        max_retry_delay_s: float = 5.0,
        concurrency: int = 32,
        scope: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext,
        prefetch: Callable[[list[SubmitAnswer]], Awaitable[None]] | None = None,
        dead_letter: Callable[[dict[str, Any], str], Awaitable[None]] | None = None,
        max_attempts: int = 5,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be positive")
        self.client = client
        self.stream_name = stream_name
        self.handler = handler
        self.checkpoints: CheckpointStore = checkpoints or MemoryCheckpointStore()
        self.poll_interval_s = poll_interval_s
        self.batch_limit = batch_limit
        self.discover_interval_s = discover_interval_s
        self.retry_delay_s = retry_delay_s
        self.max_retry_delay_s = max_retry_delay_s
        self.concurrency = concurrency
        self.scope = scope
        self.prefetch = prefetch
        self.dead_letter = dead_letter
        self.max_attempts = max_attempts
        # Failed attempts per record (by sequence number) not yet handled.
        self._attempts: dict[str, int] = {}
        self.dead_lettered = 0
        # Per shard: records handled past the checkpoint (a re-read skips them).
        self._done: dict[str, set[str]] = {}
        self._stopping = asyncio.Event()
        self._rediscover = asyncio.Event()
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._finished: set[str] = set()
        self.handled = 0
        self.skipped = 0

    def stop(self) -> None:
        """Ask ``run`` to return after the records being handled."""
        self._stopping.set()
        self._rediscover.set()

    async def run(self) -> None:
        """Read every shard until ``stop`` is called."""
        try:
            while not self._stopping.is_set():
                try:
                    await self._discover()
                except StoreUnavailable as ex:
                    log.warning("kinesis %s: listing shards failed: %s", self.stream_name, ex)
                # Wake early when a shard finishes, so its children start at once.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._rediscover.wait(), self.discover_interval_s)
                self._rediscover.clear()
        finally:
            readers = list(self._readers.values())
            if not self._stopping.is_set():  # cancelled rather than stopped
                for reader in readers:
                    reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            self._readers.clear()

    async def _discover(self) -> None:
        shards = await self._list_shards()
        known = {shard["ShardId"] for shard in shards}
        for shard in shards:
            shard_id = shard["ShardId"]
            reader = self._readers.get(shard_id)
            if shard_id in self._finished or (reader is not None and not reader.done()):
                continue
            if reader is not None and not reader.cancelled() and reader.exception() is not None:
                log.error(
                    "kinesis %s: reader crashed, restarting", shard_id, exc_info=reader.exception()
                )
            parents = [
                parent
                for parent in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId"))
                if parent and parent in known
            ]
            if any(parent not in self._finished for parent in parents):
                continue
            self._readers[shard_id] = asyncio.create_task(
                self._read_shard(shard_id), name=f"kinesis-{shard_id}"
            )

    async def _list_shards(self) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        params: dict[str, Any] = {"StreamName": self.stream_name}
        with unavailable("Kinesis ListShards"):
            while True:
                response = await self.client.list_shards(**params)
                shards.extend(response["Shards"])
                token = response.get("NextToken")
                if not token:
                    return shards
                params = {"NextToken": token}

    async def _iterator(self, shard_id: str) -> str:
        position = await self.checkpoints.get(shard_id)
        params: dict[str, Any] = {"StreamName": self.stream_name, "ShardId": shard_id}
        if position is None:
            params["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            params["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            params["StartingSequenceNumber"] = position
        with unavailable("Kinesis GetShardIterator"):
            response = await self.client.get_shard_iterator(**params)
        return str(response["ShardIterator"])

    async def _read_shard(self, shard_id: str) -> None:
        iterator: str | None = None
        delay = self.retry_delay_s
        while not self._stopping.is_set():
            try:
                if iterator is None:
                    iterator = await self._iterator(shard_id)
                response = await self.client.get_records(
                    ShardIterator=iterator, Limit=self.batch_limit
                )
            except ClientError as ex:
                if error_code(ex) != "ExpiredIteratorException":
                    log.warning("kinesis %s: GetRecords failed: %s", shard_id, ex)
                    await self._sleep(delay)
                    delay = min(delay * 2, self.max_retry_delay_s)
                iterator = None
                continue
            except READ_ERRORS as ex:
                log.warning("kinesis %s: reading failed: %s", shard_id, ex)
                iterator = None
                await self._sleep(delay)
                delay = min(delay * 2, self.max_retry_delay_s)
                continue
            delay = self.retry_delay_s
            if not await self._handle_records(shard_id, response["Records"]):
                iterator = None  # resume from the checkpoint: the failed record comes again
                continue
            iterator = response.get("NextShardIterator")
            if iterator is None:
                log.info("kinesis %s: shard finished", shard_id)
                self._finished.add(shard_id)
                self._readers.pop(shard_id, None)
                self._rediscover.set()
                return
            if not response["Records"]:
                await self._sleep(self.poll_interval_s)

    async def _handle_records(self, shard_id: str, records: list[dict[str, Any]]) -> bool:
        """Handle a batch, lanes in parallel; False if a record must be read again.

        Records sharing a partition key (one participant) form a lane, handled
        one after the other in stream order; lanes run concurrently, at most
        ``concurrency`` handlers at a time. A failed record stops its lane
        (what follows it in the lane waits for the re-read); the other lanes
        finish. The checkpoint then moves to the last record of the longest
        finished prefix of the batch, never past a record not yet handled, and
        the finished records beyond it are remembered so the re-read skips them.
        """
        done = self._done.setdefault(shard_id, set())
        finished = [record["SequenceNumber"] in done for record in records]
        lanes: dict[str, list[int]] = {}
        for index, record in enumerate(records):
            if not finished[index]:
                lanes.setdefault(str(record.get("PartitionKey", "")), []).append(index)
        slots = asyncio.Semaphore(self.concurrency)

        async def lane(indices: list[int]) -> bool:
            for index in indices:
                if self._stopping.is_set():
                    return False
                async with slots:
                    ok = await self._handle_one(shard_id, records[index])
                if not ok:
                    return False
                finished[index] = True
                done.add(records[index]["SequenceNumber"])
            return True

        with self.scope():
            await self._prefetch(
                shard_id, [records[i] for i in range(len(records)) if not finished[i]]
            )
            results = await asyncio.gather(*(lane(indices) for indices in lanes.values()))
        prefix = 0
        while prefix < len(records) and finished[prefix]:
            prefix += 1
        if prefix:
            last = records[prefix - 1]["SequenceNumber"]
            await self.checkpoints.set(shard_id, last)
            for record in records[:prefix]:
                done.discard(record["SequenceNumber"])
        if not all(results):
            if not self._stopping.is_set():
                await self._sleep(self.retry_delay_s)
            return False
        return True

    async def _prefetch(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        """Give the batch's answers to ``prefetch`` (an optimisation: failures are logged)."""
        if self.prefetch is None or not records:
            return
        commands = []
        for record in records:
            with contextlib.suppress(PoisonMessage):
                command = decode(record["Data"])
                if isinstance(command, SubmitAnswer):
                    commands.append(command)
        try:
            await self.prefetch(commands)
        except Exception as ex:
            log.warning("kinesis %s: prefetch failed, reading one by one: %s", shard_id, ex)

    async def _handle_one(self, shard_id: str, record: dict[str, Any]) -> bool:
        """Handle one record; False if it failed (a poison record counts as done)."""
        sequence = record["SequenceNumber"]
        try:
            command = decode(record["Data"])
            if not isinstance(command, SubmitAnswer):
                raise PoisonMessage(f"{command.kind} is not an answer")
        except PoisonMessage as ex:
            if self.dead_letter is not None:
                return await self._to_dead_letter(shard_id, record, f"undecodable: {ex}")
            log.error("kinesis %s: skipping record %s: %s", shard_id, sequence, ex)
            self.skipped += 1
            return True
        try:
            await self.handler(command)
        except StoreUnavailable:
            log.warning("kinesis %s: a store is unavailable; record %s waits", shard_id, sequence)
            return False
        except Exception as ex:
            log.exception("kinesis %s: handler failed on record %s", shard_id, sequence)
            attempts = self._attempts[sequence] = self._attempts.get(sequence, 0) + 1
            if self.dead_letter is not None and attempts >= self.max_attempts:
                reason = f"failed {attempts} times: {type(ex).__name__}: {ex}"
                return await self._to_dead_letter(shard_id, record, reason)
            return False
        self._attempts.pop(sequence, None)
        self.handled += 1
        return True

    async def _to_dead_letter(self, shard_id: str, record: dict[str, Any], reason: str) -> bool:
        """Hand a record that cannot be handled to the sink; False if the sink failed."""
        assert self.dead_letter is not None
        sequence = record["SequenceNumber"]
        try:
            await self.dead_letter(record, reason)
        except Exception:
            log.exception("kinesis %s: dead-lettering record %s failed", shard_id, sequence)
            return False
        log.error("kinesis %s: record %s dead-lettered: %s", shard_id, sequence, reason)
        self._attempts.pop(sequence, None)
        self.dead_lettered += 1
        return True

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


class SqsDeadLetter:
    """The stream processor's dead-letter queue: a record it gave up on, as sent.

    The body is the record's data (the submission's JSON), so ``quiz dlq
    redrive`` can put it back on the answer stream once the cause is fixed;
    the reason, shard and sequence number ride as message attributes.
    """

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url

    async def __call__(self, record: dict[str, Any], reason: str) -> None:
        """Send the record to the queue (raise if it could not be sent)."""
        data = record["Data"]
        body = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
        await self.sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=body,
            MessageAttributes={
                "reason": {"DataType": "String", "StringValue": reason[:1000]},
                "sequence_number": {
                    "DataType": "String",
                    "StringValue": str(record["SequenceNumber"]),
                },
                "partition_key": {
                    "DataType": "String",
                    "StringValue": str(record.get("PartitionKey", "")) or "-",
                },
            },
        )
