"""The wired services a deployable runs, built from whichever adapters its profile uses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from adapters.inprocess import InProcessBus, wire_lanes
from adapters.memory.presence import MemoryHostPresence
from adapters.websocket_hub import HubPresence, WebSocketHub
from entrypoints.observability import Metrics, instrument, instrument_batch
from entrypoints.settings import Settings
from quizcore import routing
from quizcore.bootstrap import Services
from quizcore.messages import Message
from quizcore.ports import EventPublisher
from quizcore.services import GLOBAL_BOARD

log = logging.getLogger(__name__)


def wire_local_lanes(
    bus: InProcessBus, services: Services, metrics: Metrics, settings: Settings
) -> None:
    """Connect the seed's queues in process, as the routing table routes them."""
    now = services.clock.now_ms
    handlers = {
        routing.SCORE_EVENT: services.score_event.handle,
        routing.UI_RESPONSE: services.notification.handle,
        routing.QUIZ_RESULT: services.quiz_event.handle,
    }
    # Scoring is safe to run concurrently (scores are re-derived and only
    # raised); notifications keep their order, so they get one worker.
    workers = {
        routing.SCORE_EVENT: settings.score_event_workers,
        routing.UI_RESPONSE: 1,
        routing.QUIZ_RESULT: settings.quiz_result_workers,
    }
    # Answers that arrive together are scored, and their results pushed, in
    # one pass per lane (``InProcessBus``): a wake-up and a session read per
    # batch, not per answer.
    batches = {
        routing.SCORE_EVENT: services.score_event.handle_many,
        routing.UI_RESPONSE: services.notification.handle_many,
    }
    wire_lanes(
        bus,
        {queue: instrument(handler, metrics, queue, now) for queue, handler in handlers.items()},  # type: ignore[arg-type]
        workers=workers,
        batches={
            queue: instrument_batch(batch, metrics, queue, now)  # type: ignore[arg-type]
            for queue, batch in batches.items()
        },
    )


class EmbeddedPipeline:
    """The embedded profile's hops: the seed's queues as in-process lanes.

    The answer stream is processed inline (an answer is checked once, by the
    score service, and acknowledged once it is recorded), the lanes run on
    worker tasks, the hub numbers the live events itself and knows who is
    connected.
    """

    rebuilds_projections = True
    # Session states are read from memory: nothing to spare by remembering them.
    session_state_ttl_ms = 0

    def __init__(
        self, bus: InProcessBus, stream: Any, hub: WebSocketHub, settings: Settings
    ) -> None:
        self.bus = bus
        self.stream = stream
        self.hub = hub
        self.settings = settings
        # One process holds every socket: the host's presence is kept here.
        self.host_presence = MemoryHostPresence()

    def publisher(self, timers: QuestionTimers) -> EventPublisher:
        """Return what the services publish to (the timers get a lane)."""
        return self.bus

    async def announce(self, session_id: str, event: dict[str, Any]) -> None:
        """Tell every socket of the session (the hub numbers the event)."""
        await self.hub.to_session(session_id, event)

    @property
    def presence(self) -> HubPresence:
        """Return who is connected: this process's hub knows everyone."""
        return HubPresence(self.hub)

    def wire(self, services: Services, timers: QuestionTimers, metrics: Metrics) -> None:
        """Connect the stream, the seed's queues and the timers to the services."""
        # The score service checked each answer on the resident state this
        # process shares with the stream processor: it is not checked twice
        # (unless the score service reads remembered states).
        checked = self.session_state_ttl_ms == 0
        self.stream.process = services.stream.handle_checked if checked else services.stream.handle
        wire_local_lanes(self.bus, services, metrics, self.settings)
        self.bus.lane("timers", timers.on_event, {"QuestionOpened"})
        self.hub.on_lapse = self._rechecker(services)

    def _rechecker(self, services: Services) -> Callable[[str], None]:
        """Return what runs when a player's screen stayed gone past the grace.

        Everyone still there may have answered the open question meanwhile:
        a session that closes once all answered closes it now, not at its
        deadline.
        """
        tasks: set[asyncio.Task[None]] = set()

        async def recheck(session_id: str) -> None:
            try:
                await services.quiz.recheck_answered(session_id)
            except Exception:
                log.exception("rechecking answers failed", extra={"session_id": session_id})

        def lapsed(session_id: str) -> None:
            task = asyncio.create_task(recheck(session_id))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        return lapsed

    async def start(self) -> None:
        """Start the lanes' workers."""
        await self.bus.start()

    async def stop(self) -> None:
        """Finish queued work, then stop the workers."""
        await self.bus.stop()


class TeePublisher:
    """Publish to the real bus, then hand the event to local listeners too.

    The cloud API uses it so the process that opened a question also closes
    it on time, without waiting for the event to come back through a queue.
    """

    def __init__(self, inner: EventPublisher, *listeners: Any) -> None:
        self.inner = inner
        self.listeners = listeners

    async def publish(self, message: Message) -> None:
        """Publish durably, then tell the local listeners."""
        await self.inner.publish(message)
        for listener in self.listeners:
            await listener(message)


class QuestionTimers:
    """Close live questions at their deadline, whether or not the host acts."""

    def __init__(self, services: Services | None = None) -> None:
        self._services = services
        self._handles: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def services(self) -> Services:
        """Return the services the timers act on."""
        if self._services is None:
            raise RuntimeError("timers are not wired yet")
        return self._services

    @services.setter
    def services(self, services: Services) -> None:
        self._services = services

    def schedule(self, session_id: str, closes_at: int) -> None:
        """Arrange for the question closing at ``closes_at`` to be revealed.

        That is once its grace for answers in flight ran out too: the answer
        is never shown while an answer to the question can still count.
        """
        loop = asyncio.get_running_loop()
        reveal_at = closes_at + self.services.quiz.play.grace_ms + 1
        delay = max(0.0, (reveal_at - self.services.clock.now_ms()) / 1000)
        old = self._handles.pop(session_id, None)
        if old is not None:
            old.cancel()
        self._handles[session_id] = loop.call_later(delay + 0.001, self._fire, session_id)

    def _fire(self, session_id: str) -> None:
        self._handles.pop(session_id, None)
        task = asyncio.create_task(self._close(session_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close(self, session_id: str) -> None:
        try:
            await self.services.quiz.close_due(session_id)
        except Exception:
            log.exception("closing a due question failed", extra={"session_id": session_id})

    async def on_event(self, message: Any) -> None:
        """Schedule a close for every question that opens."""
        if message.kind == "QuestionOpened":
            self.schedule(message.session_id, message.closes_at)

    async def resume(self) -> None:
        """Schedule closes for the questions open when the process started."""
        for state in await self.services.sessions.running():
            window = state.current_window()
            if window is not None and state.closed_through < state.question_index:
                self.schedule(state.session_id, window[1])

    async def stop(self) -> None:
        """Cancel every pending close."""
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def rebuild_projections(services: Services) -> int:
    """Re-derive scores and leaderboards from the recorded answers; return sessions."""
    count = 0
    for state in await services.sessions.running():
        await services.score_event.rebuild(state.session_id)
        count += 1
    for user_id, total, reached_at in await services.master.all_totals():
        await services.leaderboard.submit(GLOBAL_BOARD, user_id, total, reached_at)
    return count
