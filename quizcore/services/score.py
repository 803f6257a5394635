"""Score service (seed 5.2): validate a submission and put it on the answer stream."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any

from quizcore import errors
from quizcore import session as rules
from quizcore.errors import (
    AlreadyAnswered,
    InvalidAnswer,
    InvalidRequest,
    NotFound,
    NotParticipant,
    QuizError,
)
from quizcore.messages import SubmitAnswer
from quizcore.ports import (
    AnswerStore,
    AnswerStream,
    Clock,
    Leaderboard,
    ScoreStore,
    SessionStore,
)
from quizcore.quiz import Quiz
from quizcore.services.common import (
    Catalog,
    PlayRules,
    load_session,
    session_board,
)
from quizcore.session import SessionState


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmissionView:
    """What the score service answers about one submission."""

    submission_id: str
    status: str
    correct: bool = False
    points: int = 0
    streak: int = 0
    score: int = 0
    rank: int | None = None
    question_id: str = ""
    replayed: bool = False

    def public(self) -> dict[str, Any]:
        """Return the API body of this view."""
        if self.status != "scored":
            return {"submission_id": self.submission_id, "status": self.status}
        return {
            "submission_id": self.submission_id,
            "status": "scored",
            "question_id": self.question_id,
            "correct": self.correct,
            "points": self.points,
            "streak": self.streak,
            "score": self.score,
            "rank": self.rank,
        }


class ScoreService:
    """Score service (5.2): validate a submission and put it on the answer stream."""

    def __init__(
        self,
        *,
        sessions: SessionStore,
        answers: AnswerStore,
        scores: ScoreStore,
        leaderboard: Leaderboard,
        stream: AnswerStream,
        clock: Clock,
        catalog: Catalog,
        play: PlayRules,
        confirm: SessionStore | None = None,
    ) -> None:
        """``confirm``: where ``sessions`` remembers states a while
        (``quizcore.batching.RecentSessions``), the uncached store on which a
        refusal is checked again before it is given."""
        self.sessions = sessions
        self.confirm = confirm
        self.answers = answers
        self.scores = scores
        self.leaderboard = leaderboard
        self.stream = stream
        self.clock = clock
        self.catalog = catalog
        self.play = play

    async def submit(
        self,
        *,
        session_id: str,
        user_id: str,
        question_id: str,
        answer: str,
        submission_id: str,
    ) -> SubmissionView:
        """Accept an answer once; the same submission id again gets the same view."""
        received_at = self.clock.now_ms()
        state = await load_session(self.sessions, session_id)
        if await self.sessions.get_participant(session_id, user_id) is None:
            raise NotParticipant(f"you have not joined session {session_id}")
        replay = await self.view(session_id, user_id, submission_id)
        if replay is not None:
            return dataclasses.replace(replay, replayed=True)
        quiz = await self.catalog.quiz(state.quiz_id)
        question = quiz.question(question_id)
        if question is None:
            raise NotFound(f"no question {question_id} in this quiz")
        if not question.offers(answer):
            raise InvalidAnswer(f"the answer to {question_id} must be one of its choices")
        existing = await self.answers.get(session_id, question_id, user_id)
        if existing is not None:
            if existing.submission_id == submission_id:
                # A retry whose first try was recorded since the replay check.
                view = await self.view(session_id, user_id, submission_id)
                if view is not None:
                    return dataclasses.replace(view, replayed=True)
            raise AlreadyAnswered(f"you already answered {question_id}")
        served_at = None
        if state.mode == "self_paced":
            served_at = (await self.sessions.served(session_id, user_id)).get(question.index)
        try:
            limit = self._limit(state, quiz, question_id, received_at, served_at)
        except QuizError:
            if self.confirm is None:
                raise
            # The remembered state may predate the question's opening.
            state = await load_session(self.confirm, session_id)
            limit = self._limit(state, quiz, question_id, received_at, served_at)
        await self.stream.put(
            SubmitAnswer(
                session_id=session_id,
                question_id=question_id,
                user_id=user_id,
                answer=answer,
                submission_id=submission_id,
                received_at=received_at,
                question_index=question.index,
                limit_ms=limit,
            )
        )
        # Where the stream is processed inline (embedded profile) the outcome is
        # already known: a concurrent different answer may have won the race.
        view = await self.view(session_id, user_id, submission_id)
        return view or SubmissionView(submission_id=submission_id, status="accepted")

    def _limit(
        self,
        state: SessionState,
        quiz: Quiz,
        question_id: str,
        received_at: int,
        served_at: int | None,
    ) -> int:
        _, _, limit = rules.check_answer(
            state,
            quiz,
            question_id=question_id,
            received_at=received_at,
            served_at=served_at,
            grace_ms=self.play.grace_ms,
        )
        return limit

    async def view(
        self, session_id: str, user_id: str, submission_id: str
    ) -> SubmissionView | None:
        """Return the state of a submission, or None if the server never saw it.

        A rejected submission raises its rule again, so a retry gets the same
        answer as the first try.
        """
        result = await self.scores.get_result(session_id, user_id, submission_id)
        if result is not None and result.status == "rejected":
            raise _rejection(result.code, result.detail)
        if result is not None:
            standing = await self.leaderboard.standing(session_board(session_id), user_id)
            score = await self.scores.get_score(session_id, user_id)
            return SubmissionView(
                submission_id=submission_id,
                status="scored",
                question_id=result.question_id,
                correct=result.correct,
                points=result.points,
                streak=result.streak,
                score=max(result.score, score.score if score else 0),
                rank=standing.rank if standing else None,
            )
        recorded = await self.answers.by_submission(session_id, user_id, submission_id)
        if recorded is not None:
            return SubmissionView(
                submission_id=submission_id, status="accepted", question_id=recorded.question_id
            )
        return None

    async def wait(
        self, session_id: str, user_id: str, submission_id: str, seconds: float
    ) -> SubmissionView | None:
        """Poll until the submission is scored or ``seconds`` pass."""
        deadline = self.clock.now_ms() + int(seconds * 1000)
        delay = 0.002
        while True:
            view = await self.view(session_id, user_id, submission_id)
            if view is not None and view.status == "scored":
                return view
            if self.clock.now_ms() >= deadline:
                return view
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)


def _rejection(code: str, detail: str) -> QuizError:
    for cls in (
        errors.AlreadyAnswered,
        errors.QuestionClosed,
        errors.QuestionNotOpen,
        errors.SessionFinished,
        errors.SessionNotRunning,
        errors.NotParticipant,
        errors.NotFound,
    ):
        if cls.code == code:
            return cls(detail)
    return InvalidRequest(detail)
