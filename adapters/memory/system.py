"""Every seed service wired on memory adapters in one process.

Unit tests and the domain benchmark use this; the embedded profile wires the
same handlers on durable adapters in ``entrypoints``.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.clock import ManualClock
from adapters.memory.leaderboard import MemoryLeaderboard
from adapters.memory.messaging import DirectAnswerStream, MemoryNotifier, QueuedPublisher
from adapters.memory.stores import (
    MemoryAnswerStore,
    MemoryMasterStore,
    MemoryScoreStore,
    MemorySessionStore,
)
from quizcore.bootstrap import build_services
from quizcore.bus import MessageBus
from quizcore.messages import MESSAGE_TYPES
from quizcore.ports import Clock
from quizcore.services import (
    NotificationService,
    QuizEventHandler,
    QuizService,
    ScoreEventHandler,
    ScoreService,
    StreamProcessor,
)


@dataclass
class MemorySystem:
    """The wired services and the adapters behind them."""

    clock: Clock
    master: MemoryMasterStore
    sessions: MemorySessionStore
    answers: MemoryAnswerStore
    scores: MemoryScoreStore
    leaderboard: MemoryLeaderboard
    notifier: MemoryNotifier
    publisher: QueuedPublisher
    bus: MessageBus
    quiz: QuizService
    score: ScoreService
    stream: StreamProcessor
    score_event: ScoreEventHandler
    notification: NotificationService
    quiz_event: QuizEventHandler


def build_memory_system(clock: Clock | None = None, *, grace_ms: int = 500) -> MemorySystem:
    """Return every service wired on fresh memory adapters."""
    clock = clock or ManualClock()
    bus = MessageBus()
    stream_port = DirectAnswerStream()
    master, sessions = MemoryMasterStore(), MemorySessionStore()
    answers, scores = MemoryAnswerStore(), MemoryScoreStore()
    leaderboard, notifier = MemoryLeaderboard(), MemoryNotifier()
    publisher = QueuedPublisher(bus)
    services = build_services(
        clock=clock,
        master=master,
        sessions=sessions,
        answers=answers,
        scores=scores,
        leaderboard=leaderboard,
        publisher=publisher,
        notifier=notifier,
        stream=stream_port,
        grace_ms=grace_ms,
        top=10,
    )
    stream_port.process = services.stream.handle
    subscribe(
        bus,
        score_event=services.score_event,
        notification=services.notification,
        quiz_event=services.quiz_event,
    )
    return MemorySystem(
        clock=clock,
        master=master,
        sessions=sessions,
        answers=answers,
        scores=scores,
        leaderboard=leaderboard,
        notifier=notifier,
        publisher=publisher,
        bus=bus,
        quiz=services.quiz,
        score=services.score,
        stream=services.stream,
        score_event=services.score_event,
        notification=services.notification,
        quiz_event=services.quiz_event,
    )


def subscribe(
    bus: MessageBus,
    *,
    score_event: ScoreEventHandler,
    notification: NotificationService,
    quiz_event: QuizEventHandler,
) -> None:
    """Route events as the cloud topics do: stream results to scoring, the rest on."""
    bus.subscribe("AnswerRecorded", score_event.handle)  # type: ignore[arg-type]
    for kind in MESSAGE_TYPES:
        if kind in ("SubmitAnswer", "AnswerRecorded"):
            continue
        bus.subscribe(kind, notification.handle)
        bus.subscribe(kind, quiz_event.handle)
