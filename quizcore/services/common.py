"""What the seed services share: board keys, play rules, the quiz catalog."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from quizcore.errors import (
    QuizNotFound,
    SessionNotFound,
)
from quizcore.model import RecordedAnswer
from quizcore.ports import (
    MasterStore,
    SessionStore,
)
from quizcore.quiz import Question, Quiz
from quizcore.scoring import AnswerFacts, Tally, speed_points, tally
from quizcore.session import SessionState

T = TypeVar("T")

GLOBAL_BOARD = "global"
MAX_SAVE_ATTEMPTS = 8
MAX_NAME_SUFFIX = 99


def session_board(session_id: str) -> str:
    """Return the leaderboard key of a session."""
    return f"session:{session_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayRules:
    """Settings of play that are not part of a quiz."""

    grace_ms: int = 500


class Catalog:
    """Quizzes by id, cached in process: a stored quiz never changes."""

    def __init__(self, master: MasterStore, capacity: int = 1024) -> None:
        self._master = master
        self._cache: dict[str, Quiz] = {}
        self._capacity = capacity

    async def quiz(self, quiz_id: str) -> Quiz:
        """Return the quiz or raise ``QuizNotFound``."""
        cached = self._cache.get(quiz_id)
        if cached is not None:
            return cached
        quiz = await self._master.get_quiz(quiz_id)
        if quiz is None:
            raise QuizNotFound(f"no quiz {quiz_id}")
        if len(self._cache) >= self._capacity:
            self._cache.pop(next(iter(self._cache)))
        self._cache[quiz_id] = quiz
        return quiz


async def gather_bounded(reads: list[Awaitable[T]], limit: int) -> list[T]:
    """Await ``reads`` with at most ``limit`` in flight; return results in order."""
    gate = asyncio.Semaphore(max(1, limit))

    async def one(read: Awaitable[T]) -> T:
        async with gate:
            return await read

    return list(await asyncio.gather(*(one(read) for read in reads)))


async def load_session(sessions: SessionStore, session_id: str) -> SessionState:
    """Return the session or raise ``SessionNotFound``."""
    state = await sessions.get(session_id)
    if state is None:
        raise SessionNotFound(f"no session {session_id}")
    return state


def score_answers(
    quiz: Quiz,
    state: SessionState,
    answers: list[RecordedAnswer],
    known: dict[str, tuple[AnswerFacts, bool]] | None = None,
) -> tuple[Tally, dict[str, bool]]:
    """Return the participant's tally and each submission's correctness.

    ``known``: the facts of this participant's answers already worked out,
    by submission id, taken from and added to. A recorded answer and its
    quiz never change, so neither do its facts: each answer's correctness
    and speed points are then worked out once, not again at every later
    answer of the participant.
    """
    facts: list[AnswerFacts] = []
    correct_of: dict[str, bool] = {}
    for answer in answers:
        found = known.get(answer.submission_id) if known is not None else None
        if found is not None and (
            found[0].question_index != answer.question_index
            or found[0].received_at != answer.received_at
        ):
            found = None  # not this answer's: a submission id is the client's choice
        if found is None:
            question = quiz.question(answer.question_id)
            if question is None:
                continue
            correct = question.is_correct(answer.answer, typo_tolerance=quiz.typo_tolerance)
            base = (
                speed_points(
                    question.points, answer.received_at - answer.opened_at, answer.limit_ms
                )
                if correct
                else 0
            )
            found = (
                AnswerFacts(
                    question_index=answer.question_index,
                    submission_id=answer.submission_id,
                    correct=correct,
                    base_points=base,
                    received_at=answer.received_at,
                ),
                correct,
            )
            if known is not None:
                known[answer.submission_id] = found
        facts.append(found[0])
        correct_of[answer.submission_id] = found[1]
    return tally(facts, streaks=state.streak_bonus), correct_of


def current_question(
    question: Question, opens_at: int, closes_at: int, seconds: int
) -> dict[str, Any]:
    """Return the API's ``current_question`` object (times in epoch ms).

    ``seconds``: the question's time as the teacher set it, which a large
    room's ``closes_at`` exceeds by the time the question takes to reach it
    (``reach_allowance``): what a countdown shows at most.
    """
    return {
        "question_id": question.question_id,
        "index": question.index,
        "prompt": question.prompt,
        "kind": question.kind,
        "choices": list(question.choices),
        "opens_at": opens_at,
        "closes_at": closes_at,
        "seconds": seconds,
    }
