"""One place that wires every seed service's handler on a set of ports.

The embedded profile, the cloud API and the unit tests build every service
here (``build_services``), so the wiring is written once. A cloud worker
runs one handler and builds only that one, on only the ports it uses, with
the ``build_*`` function of its handler (``build_services`` calls the same
ones), so it opens no client it does not need. The Flink job builds its
stream processor in ``flink/wiring.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quizcore.batching import RecentSessions
from quizcore.ports import (
    AnswerStore,
    AnswerStream,
    Clock,
    EventPublisher,
    Leaderboard,
    MasterStore,
    Notifier,
    OpeningReach,
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
    question_stats,
    standings,
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
    reach: OpeningReach | None = None,
    session_state_ttl_ms: int = 0,
) -> Services:
    """Wire the handlers of every seed service on the given ports.

    ``presence`` tells who is connected where the process knows (the embedded
    profile's hub), for sessions that close a question once all answered;
    ``reach`` how long a question takes to reach a room's screens (a hub).
    ``session_state_ttl_ms`` > 0: the score service reads session states
    through ``RecentSessions`` (the cloud API, where the state is one
    DynamoDB item per session read by every answer).
    """
    quiz = build_quiz_service(
        clock=clock,
        master=master,
        sessions=sessions,
        answers=answers,
        scores=scores,
        leaderboard=leaderboard,
        publisher=publisher,
        grace_ms=grace_ms,
        presence=presence,
        reach=reach,
    )
    catalog = quiz.catalog  # one quiz cache for every service
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
            sessions=(
                RecentSessions(sessions, clock, session_state_ttl_ms)
                if session_state_ttl_ms > 0
                else sessions
            ),
            answers=answers,
            scores=scores,
            leaderboard=leaderboard,
            stream=stream,
            clock=clock,
            catalog=catalog,
            play=quiz.play,
            confirm=sessions if session_state_ttl_ms > 0 else None,
        ),
        stream=build_stream_processor(
            sessions=sessions,
            answers=answers,
            scores=scores,
            publisher=publisher,
            catalog=catalog,
            grace_ms=grace_ms,
        ),
        score_event=build_score_event(quiz),
        notification=build_notification(
            notifier=notifier,
            sessions=sessions,
            answers=answers,
            leaderboard=leaderboard,
            catalog=catalog,
            top=top,
        ),
        quiz_event=build_quiz_event(
            master=master, sessions=sessions, scores=scores, leaderboard=leaderboard
        ),
        users=UserService(master=master, leaderboard=leaderboard),
        boards=LeaderboardService(leaderboard=leaderboard, sessions=sessions, master=master),
    )


def build_quiz_service(
    *,
    clock: Clock,
    master: MasterStore,
    sessions: SessionStore,
    answers: AnswerStore,
    scores: ScoreStore,
    leaderboard: Leaderboard,
    publisher: EventPublisher,
    grace_ms: int,
    presence: Presence | None = None,
    reach: OpeningReach | None = None,
) -> QuizService:
    """Wire the quiz service, with its own quiz catalog on ``master``."""
    return QuizService(
        master=master,
        sessions=sessions,
        answers=answers,
        scores=scores,
        leaderboard=leaderboard,
        publisher=publisher,
        clock=clock,
        catalog=Catalog(master),
        play=PlayRules(grace_ms=grace_ms),
        presence=presence,
        reach=reach,
    )


def build_stream_processor(
    *,
    sessions: SessionStore,
    answers: AnswerStore,
    scores: ScoreStore,
    publisher: EventPublisher,
    catalog: Catalog | None,
    grace_ms: int,
) -> StreamProcessor:
    """Wire the stream processor.

    Without a catalog (its worker's case) every submission must carry its
    question facts, as the API stamps them, and it reads no master data.
    """
    return StreamProcessor(
        sessions=sessions,
        answers=answers,
        scores=scores,
        publisher=publisher,
        catalog=catalog,
        play=PlayRules(grace_ms=grace_ms),
    )


def build_score_event(quiz: QuizService) -> ScoreEventHandler:
    """Wire the score event handler on the quiz service's ports and catalog.

    It closes a question early once everyone answered, through ``quiz``: so
    it needs every port of the quiz service, and nothing more.
    """
    return ScoreEventHandler(
        sessions=quiz.sessions,
        answers=quiz.answers,
        scores=quiz.scores,
        leaderboard=quiz.leaderboard,
        publisher=quiz.publisher,
        catalog=quiz.catalog,
        when_answered=quiz.close_if_all_answered,
    )


def build_notification(
    *,
    notifier: Notifier,
    sessions: SessionStore,
    answers: AnswerStore,
    leaderboard: Leaderboard,
    catalog: Catalog,
    top: int,
) -> NotificationService:
    """Wire the notification service; a question's statistics read its answers."""

    async def stats(session_id: str, question_id: str) -> dict[str, dict[str, Any]]:
        return await question_stats(
            sessions=sessions,
            answers=answers,
            catalog=catalog,
            session_id=session_id,
            question_id=question_id,
        )

    return NotificationService(
        notifier=notifier,
        sessions=sessions,
        leaderboard=leaderboard,
        catalog=catalog,
        stats=stats,
        top=top,
    )


def build_quiz_event(
    *,
    master: MasterStore,
    sessions: SessionStore,
    scores: ScoreStore,
    leaderboard: Leaderboard,
) -> QuizEventHandler:
    """Wire the quiz event handler; the final standings read the scores."""

    async def ranked(session_id: str) -> list[dict[str, Any]]:
        return await standings(sessions=sessions, scores=scores, session_id=session_id)

    return QuizEventHandler(
        master=master,
        sessions=sessions,
        scores=scores,
        leaderboard=leaderboard,
        standings=ranked,
    )
