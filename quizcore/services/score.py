"""Score service (seed 5.2): validate a submission and put it on the answer stream."""

from __future__ import annotations

import asyncio
import contextlib
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


class Outcomes:
    """Wakes a request waiting for its submission's outcome when it is announced.

    Whoever sees an answer's result or rejection go out to its player (the
    live channel, which in the cloud profile sees every event of every
    session) calls ``announce``; ``ScoreService.wait`` then reads the
    result at once instead of at its next poll. A signal is a hint, never
    the result: the waiter reads the stores, so a lost or mistaken signal
    costs at most one poll interval, never a wrong answer.
    """

    def __init__(self) -> None:
        self._waiting: dict[tuple[str, str], list[asyncio.Future[None]]] = {}

    def announce(self, session_id: str, submission_id: str) -> None:
        """Wake every waiter of this submission."""
        for waiter in self._waiting.pop((session_id, submission_id), ()):
            if not waiter.done():
                waiter.set_result(None)

    def on_frame(self, session_id: str, frame: dict[str, Any]) -> None:
        """Announce the submission an outgoing live frame settles, if any."""
        if frame.get("type") in ("answer.result", "error"):
            submission_id = frame.get("submission_id")
            if isinstance(submission_id, str):
                self.announce(session_id, submission_id)

    def expect(self, session_id: str, submission_id: str) -> asyncio.Future[None]:
        """Return a future set when the submission is next announced."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault((session_id, submission_id), []).append(waiter)
        return waiter

    def forget(self, session_id: str, submission_id: str, waiter: asyncio.Future[None]) -> None:
        """Drop a waiter that is no longer waiting."""
        key = (session_id, submission_id)
        waiters = self._waiting.get(key)
        if waiters is None:
            return
        if waiter in waiters:
            waiters.remove(waiter)
        if not waiters:
            del self._waiting[key]

    def __len__(self) -> int:
        return sum(len(waiters) for waiters in self._waiting.values())


class ScoreService:
    """Score service (5.2): validate a submission and put it on the answer stream."""

    # How often ``wait`` reads the stores again when no announcement woke it.
    POLL_SECONDS = 0.5

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
        self.outcomes = Outcomes()

    async def submit(
        self,
        *,
        session_id: str,
        user_id: str,
        question_id: str,
        answer: str,
        submission_id: str,
        read_back: bool = True,
        seen_at: int | None = None,
    ) -> SubmissionView:
        """Accept an answer once; the same submission id again gets the same view.

        ``read_back=False``: return "accepted" once the answer is on the
        stream, without reading its outcome back; for a caller that is told
        the outcome anyway (the live channel pushes ``answer.result`` or the
        rejection), the read is wasted work.

        ``seen_at``: when the participant was first shown this live question,
        where the caller knows (the live channel's hub); the answer is timed
        from then (``rules.player_opening``), not from the room's opening.
        """
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
                # A retry whose first try was recorded since the replay check,
                # or recorded and not scored yet: the same submission, so the
                # same answer as the first try's, never already_answered.
                view = await self.view(session_id, user_id, submission_id)
                if view is None:
                    view = SubmissionView(submission_id=submission_id, status="accepted")
                return dataclasses.replace(view, replayed=True)
            raise AlreadyAnswered(f"you already answered {question_id}")
        served_at = None
        if state.mode == "self_paced":
            served_at = (await self.sessions.served(session_id, user_id)).get(question.index)
        try:
            opened_at, limit = self._window(state, quiz, question_id, received_at, served_at)
        except QuizError:
            if self.confirm is None:
                raise
            # The remembered state may predate the question's opening.
            state = await load_session(self.confirm, session_id)
            opened_at, limit = self._window(state, quiz, question_id, received_at, served_at)
        if seen_at is not None:
            opened_at = rules.player_opening(state, question.index, opened_at, seen_at, received_at)
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
                opened_at=opened_at,
            )
        )
        if not read_back:
            return SubmissionView(submission_id=submission_id, status="accepted")
        # Where the stream is processed inline (embedded profile) the outcome is
        # already known: a concurrent different answer may have won the race.
        view = await self.view(session_id, user_id, submission_id)
        return view or SubmissionView(submission_id=submission_id, status="accepted")

    def _window(
        self,
        state: SessionState,
        quiz: Quiz,
        question_id: str,
        received_at: int,
        served_at: int | None,
    ) -> tuple[int, int]:
        """Return (opened_at, limit_ms) for the answer, or raise why it may not count."""
        _, opened_at, limit = rules.check_answer(
            state,
            quiz,
            question_id=question_id,
            received_at=received_at,
            served_at=served_at,
            grace_ms=self.play.grace_ms,
        )
        return opened_at, limit

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
        """Wait until the submission is scored or ``seconds`` pass.

        The result is read again when its announcement arrives (``outcomes``)
        and, failing that, every ``POLL_SECONDS``: a waiting request costs
        the stores a few reads, not one every few milliseconds.
        """
        deadline = self.clock.now_ms() + int(seconds * 1000)
        while True:
            # Expect the announcement before reading, so that one arriving
            # in between is not missed.
            announced = self.outcomes.expect(session_id, submission_id)
            try:
                view = await self.view(session_id, user_id, submission_id)
                if view is not None and view.status == "scored":
                    return view
                left = deadline - self.clock.now_ms()
                if left <= 0:
                    return view
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        asyncio.shield(announced), min(left / 1000, self.POLL_SECONDS)
                    )
            finally:
                self.outcomes.forget(session_id, submission_id, announced)


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
