"""Every seed service wired on memory adapters in one process.

Unit tests and the domain benchmark use this; the embedded profile wires the
same handlers on durable adapters in ``entrypoints``.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.clock import ManualClock
from adapters.inprocess import InProcessBus, wire_lanes
from adapters.memory.leaderboard import MemoryLeaderboard
from adapters.memory.messaging import DirectAnswerStream, MemoryNotifier
from adapters.memory.stores import (
    MemoryAnswerStore,
    MemoryMasterStore,
    MemoryScoreStore,
    MemorySessionStore,
)
from quizcore import routing
from quizcore.bootstrap import build_services
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
    publisher: InProcessBus
    bus: InProcessBus
    quiz: QuizService
    score: ScoreService
    stream: StreamProcessor
    score_event: ScoreEventHandler
    notification: NotificationService
    quiz_event: QuizEventHandler


def build_memory_system(
    clock: Clock | None = None, *, grace_ms: int = 500, session_state_ttl_ms: int = 0
) -> MemorySystem:
    """Return every service wired on fresh memory adapters.

    ``session_state_ttl_ms`` > 0 wires the score service as the cloud API's
    is: reading session states through ``RecentSessions``.
    """
    clock = clock or ManualClock()
    # The product's lanes and routing, delivered inline (see InProcessBus).
    bus = InProcessBus(inline=True)
    stream_port = DirectAnswerStream()
    master, sessions = MemoryMasterStore(), MemorySessionStore()
    answers, scores = MemoryAnswerStore(), MemoryScoreStore()
    leaderboard, notifier = MemoryLeaderboard(), MemoryNotifier()
    publisher = bus
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
        session_state_ttl_ms=session_state_ttl_ms,
    )
    # As the embedded profile wires it: where the score service reads the
    # live state (no remembered states), the processor trusts its check.
    stream_port.process = (
        services.stream.handle if session_state_ttl_ms > 0 else services.stream.handle_checked
    )
    wire_lanes(
        bus,
        {
            routing.SCORE_EVENT: services.score_event.handle,  # type: ignore[dict-item]
            routing.UI_RESPONSE: services.notification.handle,
            routing.QUIZ_RESULT: services.quiz_event.handle,
        },
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
