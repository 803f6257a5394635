"""Notification service (seed 5.5): turn events into client messages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from quizcore.messages import (
    AnswerRejected,
    Message,
    ParticipantJoined,
    ParticipantRemoved,
    QuestionClosed,
    QuestionOpened,
    ScoreUpdated,
    SessionLockChanged,
    SessionStarted,
)
from quizcore.messages import SessionFinished as SessionFinishedEvent
from quizcore.ports import (
    Leaderboard,
    Notifier,
    SessionStore,
)
from quizcore.services.common import (
    Catalog,
    current_question,
    load_session,
    session_board,
)
from quizcore.services.leaderboard import leaderboard_view

log = logging.getLogger(__name__)


class NotificationService:
    """Notification service (5.5): turn events into client messages."""

    def __init__(
        self,
        *,
        notifier: Notifier,
        sessions: SessionStore,
        leaderboard: Leaderboard,
        catalog: Catalog,
        stats: Callable[[str, str], Awaitable[dict[str, dict[str, Any]]]],
        top: int = 10,
    ) -> None:
        self.notifier = notifier
        self.sessions = sessions
        self.leaderboard = leaderboard
        self.catalog = catalog
        self.stats = stats
        self.top = top

    async def handle(self, message: Message) -> None:
        """Push the client messages one event implies (best effort)."""
        if isinstance(message, ScoreUpdated):
            await self._result(message)
            await self.notifier.leaderboard_changed(message.session_id)
        else:
            await self._other(message)

    async def handle_many(self, messages: Sequence[Message]) -> list[Message]:
        """Push what the events imply, in order, as ``handle`` would one by one.

        A run of answer results marks each session's board changed once, not
        once per result; the mark is made before any other event is handled,
        so it never moves past one. Return the events not handled (the one
        that failed and those after it), for the caller to handle one by
        one: frames already pushed are not pushed again.
        """
        changed: dict[str, None] = {}
        left: list[Message] = []
        for number, message in enumerate(messages):
            try:
                if isinstance(message, ScoreUpdated):
                    await self._result(message)
                    changed[message.session_id] = None
                    continue
                await self._mark(changed)
                await self._other(message)
            except Exception:
                log.exception("notifying a batch failed; the rest go one by one")
                left = list(messages[number:])
                break
        await self._mark(changed)
        return left

    async def _mark(self, changed: dict[str, None]) -> None:
        for session_id in changed:
            await self.notifier.leaderboard_changed(session_id)
        changed.clear()

    async def _result(self, message: ScoreUpdated) -> None:
        sid = message.session_id
        standing = await self.leaderboard.standing(session_board(sid), message.user_id)
        await self.notifier.to_user(
            sid,
            message.user_id,
            {
                "type": "answer.result",
                "submission_id": message.submission_id,
                "status": "scored",
                "question_id": message.question_id,
                "correct": message.correct,
                "points": message.points,
                "streak": message.streak,
                "score": message.score,
                "rank": standing.rank if standing else None,
            },
        )

    async def _other(self, message: Message) -> None:
        sid = message.session_id
        if isinstance(message, AnswerRejected):
            await self.notifier.to_user(
                sid,
                message.user_id,
                {
                    "type": "error",
                    "code": message.code,
                    "detail": message.detail,
                    "submission_id": message.submission_id,
                },
            )
        elif isinstance(message, ParticipantJoined):
            await self.notifier.to_session(
                sid,
                {
                    "type": "participant.joined",
                    "user_id": message.user_id,
                    "display_name": message.display_name,
                    "participant_count": message.participant_count,
                },
            )
            await self.notifier.leaderboard_changed(sid)
        elif isinstance(message, ParticipantRemoved):
            # Off the board again, after any score in flight for them
            # (idempotent): their entry goes with the next push.
            await self.leaderboard.remove(session_board(sid), message.user_id)
            await self.notifier.to_session(
                sid,
                {
                    "type": "participant.removed",
                    "user_id": message.user_id,
                    "display_name": message.display_name,
                    "participant_count": message.participant_count,
                },
            )
            await self.notifier.leaderboard_changed(sid)
        elif isinstance(message, SessionLockChanged):
            await self.notifier.to_session(
                sid,
                {
                    "type": "session.locked" if message.locked else "session.unlocked",
                    "at": message.at,
                },
            )
        elif isinstance(message, SessionStarted):
            await self.notifier.to_session(
                sid, {"type": "session.started", "mode": message.mode, "at": message.at}
            )
        elif isinstance(message, QuestionOpened):
            state = await load_session(self.sessions, sid)
            quiz = await self.catalog.quiz(state.quiz_id)
            question = quiz.questions[message.index]
            await self.notifier.to_session(
                sid,
                {
                    "type": "question.opened",
                    **current_question(
                        question,
                        message.opens_at,
                        message.closes_at,
                        question.limit_seconds(state.question_seconds),
                    ),
                },
            )
        elif isinstance(message, QuestionClosed):
            state = await load_session(self.sessions, sid)
            quiz = await self.catalog.quiz(state.quiz_id)
            question = quiz.questions[message.index]
            stats = (await self.stats(sid, question.question_id)).get(question.question_id, {})
            await self.notifier.to_session(
                sid,
                {
                    "type": "question.closed",
                    "question_id": question.question_id,
                    "index": question.index,
                    "correct_answer": question.answer,
                    "closed_at": message.closed_at,
                    "answer_count": stats.get("answers", 0),
                    "correct_count": stats.get("correct", 0),
                    "correct_share": stats.get("correct_share", 0.0),
                    "choice_counts": stats.get("choices", {}),
                    "stats": stats,
                },
            )
        elif isinstance(message, SessionFinishedEvent):
            board = await leaderboard_view(
                leaderboard=self.leaderboard,
                sessions=self.sessions,
                session_id=sid,
                limit=self.top,
                user_id=None,
            )
            await self.notifier.to_session(
                sid, {"type": "session.finished", "at": message.at, "entries": board["entries"]}
            )
