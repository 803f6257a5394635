"""The contract's scoring and ranking rules, written again apart from quizcore.

End-to-end tests compare what the stores hold with this oracle, never with
``quizcore.scoring`` or ``quizcore.services.score_answers``: a bug in those
would otherwise produce the expected figures as well as the actual ones.
It follows docs/API.md ("Scoring and ranking") and uses exact fractions.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

FULL_POINTS_WINDOW_MS = 500
BONUS_PER_PRIOR_CORRECT = 100
BONUS_CAP = 500


def answer_points(points: int, elapsed_ms: int, limit_ms: int) -> int:
    """Return round(P * (1 - (t / T) / 2)) for a correct answer in time."""
    if limit_ms <= 0:
        return points
    elapsed = 0 if elapsed_ms < FULL_POINTS_WINDOW_MS else min(max(elapsed_ms, 0), limit_ms)
    exact = points * (1 - Fraction(elapsed, limit_ms) / 2)
    return int(exact + Fraction(1, 2))  # half up: exact is never negative


def normal_form(text: str) -> str:
    """Return NFKC, case-folded, trimmed text without surrounding punctuation."""
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    start, end = 0, len(folded)
    while start < end and unicodedata.category(folded[start])[0] in "PZ":
        start += 1
    while end > start and unicodedata.category(folded[end - 1])[0] in "PZ":
        end -= 1
    return folded[start:end]


def is_right(given: str, answer: str, accept: Iterable[str] = ()) -> bool:
    """Return whether ``given`` is the answer or an accepted alternate."""
    return normal_form(given) in {normal_form(form) for form in (answer, *accept)}


@dataclass(frozen=True)
class Answered:
    """One recorded answer, as the oracle needs it."""

    submission_id: str
    question_index: int
    correct: bool
    points: int  # what the question is worth
    elapsed_ms: int  # from when it opened for this participant to receipt
    limit_ms: int
    received_at: int = 0


@dataclass(frozen=True)
class Outcome:
    """One participant's score, as the contract defines it."""

    score: int
    correct_count: int
    reached_at: int  # receipt of the last answer that earned points
    points: dict[str, int]  # submission id -> points


def outcome(answers: Iterable[Answered], *, streaks: bool = True) -> Outcome:
    """Score one participant's answers: speed points plus the streak bonus."""
    first: dict[int, Answered] = {}
    for answer in sorted(answers, key=lambda item: item.received_at):
        first.setdefault(answer.question_index, answer)
    right = {index for index, answer in first.items() if answer.correct}
    points: dict[str, int] = {}
    reached = 0
    for index, answer in first.items():
        earned = 0
        if answer.correct:
            prior = 0
            while index - 1 - prior in right:
                prior += 1
            bonus = min(prior * BONUS_PER_PRIOR_CORRECT, BONUS_CAP) if streaks else 0
            earned = answer_points(answer.points, answer.elapsed_ms, answer.limit_ms) + bonus
        points[answer.submission_id] = earned
        if earned:
            reached = max(reached, answer.received_at)
    return Outcome(
        score=sum(points.values()), correct_count=len(right), reached_at=reached, points=points
    )


def competition_ranks(scores: Mapping[str, int]) -> dict[str, int]:
    """Return 1 + the number of strictly higher scores, per user."""
    return {
        user: 1 + sum(1 for other in scores.values() if other > score)
        for user, score in scores.items()
    }


def standings(outcomes: Mapping[str, Outcome]) -> list[tuple[str, int, int]]:
    """Return (user, score, rank) in listing order: score, who got there first, id."""
    ranks = competition_ranks({user: result.score for user, result in outcomes.items()})
    order = sorted(
        outcomes, key=lambda user: (-outcomes[user].score, outcomes[user].reached_at, user)
    )
    return [(user, outcomes[user].score, ranks[user]) for user in order]
