"""A batching producer: many concurrent puts, few requests, durable acks.

Kinesis ``PutRecords`` and EventBridge ``PutEvents`` share a shape: a request
carries a bounded batch, and the service may accept some entries and refuse
others (``FailedRecordCount`` / ``FailedEntryCount``). ``BatchingProducer``
collects entries for a short linger (or until a batch is full), sends them,
retries only the refused ones with jittered exponential backoff, and resolves
each caller's future when its own entry was accepted, so ``submit`` returns
only once the entry is durable.

Order: entries go out in submission order, and a refused entry is retried
before its ``submit`` returns. An entry submitted after another's ``submit``
returned is therefore always stored after it; entries submitted concurrently
have no order to keep, so a retried one may land after a later neighbour.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from quizcore.errors import StoreUnavailable

log = logging.getLogger(__name__)

# Sends one batch; returns, per entry and in order, None when accepted or the
# error code of the refusal. Raises StoreUnavailable when the whole request failed.
SendBatch = Callable[[list[dict[str, Any]]], Awaitable[Sequence[str | None]]]


@dataclass(slots=True, eq=False)
class _Entry:
    payload: dict[str, Any]
    size: int
    future: asyncio.Future[None]
    enqueued: float = field(default_factory=time.monotonic)


class BatchingProducer:
    """Collects entries into bounded batches and sends them with retries."""

    def __init__(
        self,
        send: SendBatch,
        *,
        name: str,
        max_records: int,
        max_bytes: int,
        linger_s: float = 0.02,
        max_attempts: int = 5,
        backoff_s: float = 0.05,
        max_backoff_s: float = 1.0,
        max_in_flight: int = 4,
    ) -> None:
        if max_records < 1 or max_bytes < 1 or max_attempts < 1 or max_in_flight < 1:
            raise ValueError("batch limits, attempts and in-flight requests must be positive")
        self.name = name
        self._send = send
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.linger_s = linger_s
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._buffer: deque[_Entry] = deque()
        self._buffer_bytes = 0
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._flush_now = False
        self._slots = asyncio.Semaphore(max_in_flight)
        self._sending: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._closed = False
        self.requests = 0  # requests sent, retries included (for tests and metrics)
        self.retried = 0  # entries sent again after a refusal

    async def submit(self, payload: dict[str, Any], size: int) -> None:
        """Send the entry in a batch; return once the service accepted it."""
        if self._closed:
            raise RuntimeError(f"{self.name} producer is closed")
        if size > self.max_bytes:
            raise ValueError(f"{self.name} entry of {size} bytes exceeds {self.max_bytes}")
        entry = _Entry(payload, size, asyncio.get_running_loop().create_future())
        self._buffer.append(entry)
        self._buffer_bytes += size
        self._start()
        self._wake.set()
        if self._is_full():
            self._full.set()
        await entry.future

    async def flush(self) -> None:
        """Send what is buffered now and wait until every entry is settled."""
        pending = [entry.future for entry in self._buffer]
        if pending:
            self._flush_now = True
            self._full.set()
        await asyncio.gather(*pending, *self._sending, return_exceptions=True)

    async def aclose(self) -> None:
        """Flush, then stop the background sender."""
        self._closed = True
        await self.flush()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None

    def _start(self) -> None:
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name=f"{self.name}-producer")

    def _is_full(self) -> bool:
        return len(self._buffer) >= self.max_records or self._buffer_bytes >= self.max_bytes

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            if self._buffer and not self._is_full() and not self._flush_now:
                # Linger from the oldest entry's arrival, so a batch never waits twice.
                remaining = self._buffer[0].enqueued + self.linger_s - time.monotonic()
                if remaining > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._full.wait(), remaining)
            batch = self._take()
            if not self._buffer:
                self._wake.clear()
                self._flush_now = False
            if not self._is_full():
                self._full.clear()
            if batch:
                await self._slots.acquire()
                task = asyncio.create_task(self._send_batch(batch))
                self._sending.add(task)
                task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self._slots.release()

    def _take(self) -> list[_Entry]:
        batch: list[_Entry] = []
        size = 0
        while self._buffer and len(batch) < self.max_records:
            entry = self._buffer[0]
            if batch and size + entry.size > self.max_bytes:
                break
            self._buffer.popleft()
            self._buffer_bytes -= entry.size
            if entry.future.done():  # the caller gave up before it was sent
                continue
            batch.append(entry)
            size += entry.size
        return batch

    async def _send_batch(self, batch: list[_Entry]) -> None:
        pending = batch
        for attempt in range(1, self.max_attempts + 1):
            self.requests += 1
            try:
                codes = await self._send([entry.payload for entry in pending])
            except Exception as ex:
                for entry in pending:
                    if not entry.future.done():
                        entry.future.set_exception(ex)
                return
            refused: list[tuple[_Entry, str]] = []
            for entry, code in zip(pending, codes, strict=True):
                if code is None:
                    if not entry.future.done():
                        entry.future.set_result(None)
                else:
                    refused.append((entry, code))
            if not refused:
                return
            codes_seen = sorted({code for _, code in refused})
            if attempt == self.max_attempts:
                log.warning(
                    "%s: %d entries refused after %d attempts (%s)",
                    self.name,
                    len(refused),
                    attempt,
                    ", ".join(codes_seen),
                )
                for entry, code in refused:
                    if not entry.future.done():
                        entry.future.set_exception(
                            StoreUnavailable(f"{self.name} refused the entry: {code}")
                        )
                return
            log.info(
                "%s: retrying %d refused entries (%s)",
                self.name,
                len(refused),
                ", ".join(codes_seen),
            )
            self.retried += len(refused)
            ceiling = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
            await asyncio.sleep(random.uniform(ceiling / 2, ceiling))
            pending = [entry for entry, _ in refused if not entry.future.done()]
            if not pending:
                return
