"""Scoring and ranking rules as pure functions (docs/API.md, "Scoring and ranking")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

QUICK_MS = 500
STREAK_STEP = 100
STREAK_MAX_STEPS = 5


def speed_points(points: int, elapsed_ms: int, limit_ms: int) -> int:
    """Return the points of a correct, in-time answer.

    ``round(P * (1 - (t / T) / 2))`` with t clamped to [0, T] and answers in the
    first 0.5 s counting as t = 0; rounded half up in integer arithmetic so the
    result is the same on every machine.
    """
    if limit_ms <= 0:
        return points
    elapsed = 0 if elapsed_ms < QUICK_MS else min(elapsed_ms, limit_ms)
    return (2 * points * (2 * limit_ms - elapsed) + 2 * limit_ms) // (4 * limit_ms)


def streak_bonus(streak_before: int, *, enabled: bool = True) -> int:
    """Return the bonus for ``streak_before`` consecutive correct answers."""
    if not enabled:
        return 0
    return STREAK_STEP * min(max(streak_before, 0), STREAK_MAX_STEPS)


def max_points(points: int, *, streaks: bool = True) -> int:
    """Return the most one answer to a question worth ``points`` can earn."""
    return points + (STREAK_STEP * STREAK_MAX_STEPS if streaks else 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerFacts:
    """What scoring needs to know of one recorded answer."""

    question_index: int
    submission_id: str
    correct: bool
    base_points: int
    received_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Tally:
    """A participant's score derived from the set of their recorded answers."""

    score: int
    correct_count: int
    answered_count: int
    reached_at: int
    points: dict[str, int]
    streaks: dict[str, int]


def tally(answers: Iterable[AnswerFacts], *, streaks: bool = True) -> Tally:
    """Return the score of one participant from their recorded answers.

    A pure function of the *set* of answers: the order they were processed in
    and duplicates (redelivery) change nothing. The streak of an answer counts
    the correct answers to the immediately preceding questions by index.
    """
    by_index: dict[int, AnswerFacts] = {}
    for fact in answers:
        by_index.setdefault(fact.question_index, fact)
    points: dict[str, int] = {}
    streak_of: dict[str, int] = {}
    total = correct = 0
    reached = 0
    run = 0
    # ``streak_bonus`` inlined: a player's every answer runs this loop over
    # all of their answers (a quiz may have 200 questions).
    step = STREAK_STEP if streaks else 0
    previous = -2  # question indexes start at 0
    for index in sorted(by_index):
        fact = by_index[index]
        if index != previous + 1:
            run = 0
        previous = index
        submission = fact.submission_id
        if fact.correct:
            earned = fact.base_points + step * (run if run < STREAK_MAX_STEPS else STREAK_MAX_STEPS)
            streak_of[submission] = run
            run += 1
            correct += 1
        else:
            earned = 0
            streak_of[submission] = 0
            run = 0
        points[submission] = earned
        total += earned
        if earned > 0 and fact.received_at > reached:
            reached = fact.received_at
    return Tally(
        score=total,
        correct_count=correct,
        answered_count=len(by_index),
        reached_at=reached,
        points=points,
        streaks=streak_of,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Standing:
    """One line of a leaderboard."""

    rank: int
    user_id: str
    score: int
    reached_at: int = 0


def order_key(score: int, reached_at: int, user_id: str) -> tuple[int, int, str]:
    """Return the sort key of the documented listing order.

    Higher score first; within equal scores, who reached the score first, then
    by user id.
    """
    return (-score, reached_at, user_id)


def rank_all(entries: Iterable[tuple[str, int, int]]) -> list[Standing]:
    """Return standings in listing order with competition ranks.

    ``entries`` are ``(user_id, score, reached_at)``; rank is 1 + the number of
    participants with a strictly higher score (900, 700, 700, 500 rank 1, 2, 2, 4).
    """
    ordered = sorted(entries, key=lambda entry: order_key(entry[1], entry[2], entry[0]))
    standings: list[Standing] = []
    rank = 0
    previous_score: int | None = None
    for position, (user_id, score, reached_at) in enumerate(ordered, start=1):
        if score != previous_score:
            rank = position
            previous_score = score
        standings.append(Standing(rank=rank, user_id=user_id, score=score, reached_at=reached_at))
    return standings


def rank_of(score: int, all_scores: Sequence[int]) -> int:
    """Return the competition rank of ``score`` among ``all_scores``."""
    return 1 + sum(1 for other in all_scores if other > score)
