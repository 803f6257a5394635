"""The in-process bus: the seed's queues as lanes in one process.

Each queue (``score-event``, ``ui-response``, ``quiz-result``, routed by
``quizcore.routing``) is a lane. In the embedded profile every lane has its
own worker tasks, so the hops run concurrently as they would across
machines; delivery is at least once (a handler that raises is retried, then
the message is logged as dead), every handler is idempotent, and anything
lost with the process is rebuilt on start from the recorded answers.

A lane given a batch handler takes everything queued when its worker wakes
(up to ``batch_size`` messages) and hands it over in one call: answers that
arrive together are scored, and their results pushed, in one pass instead
of one task wake-up and one pass each. The batch handler returns the
messages it could not handle (the one that failed and those after it);
those are handled one by one, each with its retries, so a message the batch
did handle is not handled (nor its frames sent) again.

Unit tests run the very same lanes inline: ``publish`` delivers breadth
first and returns once every lane is quiet, so a test reads the outcome
right after the call, and a failing handler raises to the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from quizcore import routing
from quizcore.messages import Message

log = logging.getLogger(__name__)

Handler = Callable[[Message], Awaitable[None]]
# Handles a batch; returns the messages it left unhandled, in order.
BatchHandler = Callable[[list[Message]], Awaitable[Sequence[Message]]]


@dataclass
class Lane:
    """One named queue with its handler and worker count."""

    name: str
    handler: Handler
    kinds: frozenset[str]
    workers: int = 1
    retries: int = 3
    batch: BatchHandler | None = None
    batch_size: int = 512
    queue: asyncio.Queue[Message] = field(default_factory=asyncio.Queue)
    dead: list[Message] = field(default_factory=list)
    handled: int = 0
    in_flight: int = 0


class InProcessBus:
    """An EventPublisher that routes each message to the lanes subscribed to it."""

    def __init__(self, *, inline: bool = False) -> None:
        self.lanes: list[Lane] = []
        self.inline = inline
        self.published = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._backlog: deque[Message] = deque()
        self._delivering = False

    def subscribe(self, kind: str, handler: Handler) -> Lane:
        """Add a lane of one worker that feeds ``handler`` with one message type."""
        return self.lane(f"{kind}-{len(self.lanes)}", handler, {kind})

    def lane(
        self,
        name: str,
        handler: Handler,
        kinds: set[str] | frozenset[str],
        workers: int = 1,
        batch: BatchHandler | None = None,
    ) -> Lane:
        """Add a queue that feeds ``handler`` with messages of ``kinds``.

        ``batch``: handles a list of messages as ``handler`` would one by one;
        the lane then drains its queue into batches.
        """
        lane = Lane(
            name=name, handler=handler, kinds=frozenset(kinds), workers=workers, batch=batch
        )
        self.lanes.append(lane)
        return lane

    def busy(self) -> bool:
        """Return whether any lane has messages queued or in hand."""
        return any(lane.in_flight for lane in self.lanes)

    async def publish(self, message: Message) -> None:
        """Queue the message on every lane that takes its type.

        Inline, deliver it now instead, breadth first: a message published by
        a handler waits its turn, as it would on a real queue.
        """
        self.published += 1
        if self.inline:
            self._backlog.append(message)
            if not self._delivering:
                await self._deliver_inline()
            return
        for lane in self.lanes:
            if message.kind in lane.kinds:
                lane.in_flight += 1
                lane.queue.put_nowait(message)

    async def _deliver_inline(self) -> None:
        self._delivering = True
        try:
            while self._backlog:
                message = self._backlog.popleft()
                for lane in self.lanes:
                    if message.kind in lane.kinds:
                        await lane.handler(message)
                        lane.handled += 1
        finally:
            self._backlog.clear()
            self._delivering = False

    async def start(self) -> None:
        """Start the worker tasks."""
        for lane in self.lanes:
            for number in range(lane.workers):
                self._tasks.append(
                    asyncio.create_task(self._work(lane), name=f"{lane.name}-{number}")
                )

    async def drain(self) -> None:
        """Wait until every queued message has been handled."""
        # A handler may publish to another lane; loop until all are quiet.
        while any(lane.in_flight for lane in self.lanes):
            for lane in self.lanes:
                await lane.queue.join()

    async def stop(self) -> None:
        """Finish queued work, then stop the workers."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.drain(), timeout=10)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _work(self, lane: Lane) -> None:
        queue = lane.queue
        while True:
            messages = [await queue.get()]
            if lane.batch is not None:
                while len(messages) < lane.batch_size and not queue.empty():
                    messages.append(queue.get_nowait())
            try:
                left: Sequence[Message] = messages
                if len(messages) > 1:
                    left = await self._handle_batch(lane, messages)
                for message in left:
                    await self._handle(lane, message)
            finally:
                lane.in_flight -= len(messages)
                for _ in messages:
                    queue.task_done()

    @staticmethod
    async def _handle_batch(lane: Lane, messages: list[Message]) -> Sequence[Message]:
        """Handle the messages in one call; return those left to go one by one."""
        assert lane.batch is not None
        try:
            left = await lane.batch(messages)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A batch handler is meant to return what it could not handle;
            # one that raised handled nothing for certain.
            log.exception(
                "batch handler failed; handling its messages one by one",
                extra={"lane": lane.name, "messages": len(messages)},
            )
            return messages
        if left:
            log.warning(
                "handling part of a batch one by one",
                extra={"lane": lane.name, "messages": len(left)},
            )
        lane.handled += len(messages) - len(left)
        return left

    @staticmethod
    async def _handle(lane: Lane, message: Message) -> None:
        for attempt in range(lane.retries):
            try:
                await lane.handler(message)
                lane.handled += 1
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("handler failed", extra={"lane": lane.name, "attempt": attempt + 1})
                await asyncio.sleep(0.01 * (attempt + 1))
        lane.dead.append(message)
        log.error("message dead-lettered", extra={"lane": lane.name})


def wire_lanes(
    bus: InProcessBus,
    handlers: Mapping[str, Handler],
    *,
    workers: Mapping[str, int] | None = None,
    batches: Mapping[str, BatchHandler] | None = None,
) -> None:
    """Add one lane per seed queue of the routing table, fed to its handler."""
    for route in routing.ROUTES:
        count = (workers or {}).get(route.queue, 1)
        batch = (batches or {}).get(route.queue)
        bus.lane(route.queue, handlers[route.queue], route.kinds, workers=count, batch=batch)
