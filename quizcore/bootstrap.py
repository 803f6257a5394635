"""One place that wires every seed service's handler on a set of ports.

The embedded profile, the cloud deployables (API and workers) and the unit
tests build their services here, so the wiring is written once. The Flink
job builds only the stream processor, in ``flink/functions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from quizcore.ports import (
    AnswerStore,
    AnswerStream,
    Clock,
    EventPublisher,
    Leaderboard,
    MasterStore,
    Notifier,
    Presence,
    ScoreStore,
    SessionStore,
)
from quizcore.services import (
    Catalog,
    LeaderboardService,
    NotificationService,
    PlayRules,
    QuizEventHandler,
    QuizService,
    ScoreEventHandler,
    ScoreService,
    StreamProcessor,
    UserService,
)


@dataclass
class Services:
    """Every seed service, wired on one set of ports."""

    clock: Clock
    master: MasterStore
    sessions: SessionStore
    answers: AnswerStore
    scores: ScoreStore
    leaderboard: Leaderboard
    publisher: EventPublisher
    notifier: Notifier
    catalog: Catalog
    quiz: QuizService
    score: ScoreService
    stream: StreamProcessor
    score_event: ScoreEventHandler
    notification: NotificationService
    quiz_event: QuizEventHandler
    users: UserService
    boards: LeaderboardService


def build_services(
    *,
    clock: Clock,
    master: MasterStore,
    sessions: SessionStore,
    answers: AnswerStore,
    scores: ScoreStore,
    leaderboard: Leaderboard,
    publisher: EventPublisher,
    notifier: Notifier,
    stream: AnswerStream,
    grace_ms: int,
    top: int,
    presence: Presence | None = None,
) -> Services:
    """Wire the handlers of every seed service on the given ports.

    ``presence`` tells who is connected where the process knows (the embedded
    profile's hub), for sessions that close a question once all answered.
    """
    catalog = Catalog(master)
    play = PlayRules(grace_ms=grace_ms)
    quiz = QuizService(
        master=master,
        sessions=sessions,
        answers=answers,
        scores=scores,
        leaderboard=leaderboard,
        publisher=publisher,
        clock=clock,
        catalog=catalog,
        play=play,
        presence=presence,
    )
    return Services(
        clock=clock,
        master=master,
        sessions=sessions,
        answers=answers,
        scores=scores,
        leaderboard=leaderboard,
        publisher=publisher,
        notifier=notifier,
        catalog=catalog,
        quiz=quiz,
        score=ScoreService(
            sessions=sessions,
            answers=answers,
            scores=scores,
            leaderboard=leaderboard,
            stream=stream,
            clock=clock,
            catalog=catalog,
            play=play,
        ),
        stream=StreamProcessor(
            sessions=sessions,
            answers=answers,
            scores=scores,
            publisher=publisher,
            catalog=catalog,
            play=play,
        ),
        score_event=ScoreEventHandler(
            sessions=sessions,
            answers=answers,
            scores=scores,
            leaderboard=leaderboard,
            publisher=publisher,
            catalog=catalog,
            when_answered=quiz.close_if_all_answered,
        ),
        notification=NotificationService(
            notifier=notifier,
            sessions=sessions,
            leaderboard=leaderboard,
            catalog=catalog,
            stats=quiz.question_stats,
            top=top,
        ),
        quiz_event=QuizEventHandler(
            master=master,
            sessions=sessions,
            scores=scores,
            leaderboard=leaderboard,
            standings=quiz.standings,
        ),
        users=UserService(master=master, leaderboard=leaderboard),
        boards=LeaderboardService(leaderboard=leaderboard, sessions=sessions, master=master),
    )
