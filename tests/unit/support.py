"""Builders shared by the unit suites: quizzes, wired systems, reference rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import settings

from adapters.clock import ManualClock
from adapters.memory.system import MemorySystem, build_memory_system
from quizcore.messages import ScoreUpdated
from tests import oracle

# The properties the product promises run with enough examples to matter.
CORE = settings(max_examples=200, deadline=None)

HOST = "host"
GRACE_MS = 500


def choice_question(
    number: int, *, points: int | None = None, seconds: int | None = None
) -> dict[str, Any]:
    """Return an authored choice question whose answer is ``right``."""
    raw: dict[str, Any] = {
        "prompt": f"Question {number}",
        "kind": "choice",
        "choices": ["right", "wrong", "other"],
        "answer": "right",
    }
    if points is not None:
        raw["points"] = points
    if seconds is not None:
        raw["seconds"] = seconds
    return raw


def quiz_raw(count: int = 3, **question: Any) -> dict[str, Any]:
    """Return an authored quiz of ``count`` choice questions."""
    return {
        "title": "Everyday verbs",
        "language": "en",
        "level": "A2",
        "questions": [choice_question(number, **question) for number in range(1, count + 1)],
    }


@dataclass
class Play:
    """A session created on a wired memory system, and what it was made of."""

    system: MemorySystem
    clock: ManualClock
    session_id: str
    quiz_id: str

    async def join(self, *users: str) -> None:
        """Join every user under a display name derived from the id."""
        for user in users:
            await self.system.quiz.join(self.session_id, user, user.upper())

    async def submit(self, user: str, question_id: str, answer: str, submission_id: str) -> Any:
        """Submit through the score service, as the HTTP route does."""
        return await self.system.score.submit(
            session_id=self.session_id,
            user_id=user,
            question_id=question_id,
            answer=answer,
            submission_id=submission_id,
        )

    async def score_of(self, user: str) -> int:
        """Return the user's projected session score (0 when none)."""
        score = await self.system.scores.get_score(self.session_id, user)
        return score.score if score else 0


async def new_play(
    *,
    mode: str = "live",
    question_seconds: int = 10,
    questions: int = 3,
    streak_bonus: bool = True,
    raw: dict[str, Any] | None = None,
) -> Play:
    """Return a fresh system with one session in the lobby."""
    clock = ManualClock()
    system = build_memory_system(clock, grace_ms=GRACE_MS)
    quiz = await system.quiz.create_quiz(HOST, raw or quiz_raw(questions))
    state = await system.quiz.create_session(
        host_id=HOST,
        quiz_id=quiz.quiz_id,
        mode=mode,
        question_seconds=question_seconds,
        streak_bonus=streak_bonus,
    )
    return Play(system=system, clock=clock, session_id=state.session_id, quiz_id=quiz.quiz_id)


def reference_points(points: int, elapsed_ms: int, limit_ms: int) -> int:
    """Return docs/API.md's ``round(P * (1 - (t / T) / 2))`` from the test oracle."""
    return oracle.answer_points(points, elapsed_ms, limit_ms)


def reference_score(
    answers: list[tuple[int, bool, int, int]], *, streaks: bool = True
) -> tuple[int, int, int]:
    """Return (score, correct count, reached_at) of one participant.

    ``answers`` are the accepted answers as (question index, correct, speed
    points, received_at). The streak of an answer counts the correct answers to
    the questions right before it by index; the score was reached when the
    last correct answer came in.
    """
    by_index = {index: (correct, points, at) for index, correct, points, at in answers}
    score = correct_count = reached_at = 0
    for index, (correct, points, at) in by_index.items():
        if not correct:
            continue
        correct_count += 1
        run = 0
        while index - run - 1 in by_index and by_index[index - run - 1][0]:
            run += 1
        score += points + (100 * min(run, 5) if streaks else 0)
        reached_at = max(reached_at, at)
    return score, correct_count, reached_at


def score_updated(user_id: str = "ana", session_id: str = "ROOM22") -> ScoreUpdated:
    """Return the ScoreUpdated of one correct first answer."""
    return ScoreUpdated(
        session_id=session_id,
        user_id=user_id,
        submission_id=f"{user_id}-1",
        question_id="q1",
        correct=True,
        points=900,
        streak=0,
        score=900,
        correct_count=1,
        reached_at=1_800_000_000_000,
    )
