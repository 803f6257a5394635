"""What a class answered to one question, grouped as scoring reads it.

A vocabulary teacher learns most from the wrong words: "recieve" typed by a
third of the class is the lesson of the day. Answers are grouped by the form
scoring compares (``normalise``: "Receive!" and " receive" are one group) and
each group is shown by the spelling most players typed, cleaned as names are
(``clean_name``: nothing invisible, no direction overrides, no stacked marks),
since the host's screen is a projector.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from quizcore.names import clean_name
from quizcore.quiz import Question, normalise

# The groups listed; the rest are counted together in ``other_count``.
RESPONSES_TOP = 20


def group_responses(
    question: Question,
    answers: Iterable[str],
    *,
    typo_tolerance: bool = False,
    top: int = RESPONSES_TOP,
) -> dict[str, Any]:
    """Return the answers to ``question`` grouped, the most given first.

    Each group: ``answer`` (its most typed spelling, ties to the first in
    order), ``count`` and ``correct`` (as scoring judged every answer of
    the group: they share a normalised form). A choice question's groups
    are shown by the choice's own label. Groups of equal count are ordered
    by their label, so every screen lists them alike.
    """
    labels = {normalise(choice): choice for choice in reversed(question.choices)}
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    first: dict[str, str] = {}
    total = 0
    for given in answers:
        total += 1
        key = normalise(given)
        counts[key] += 1
        first.setdefault(key, given)
        spellings.setdefault(key, Counter())[clean_name(given, fallback="")] += 1
    groups: list[tuple[str, int, bool]] = []
    for key, count in counts.items():
        label = labels.get(key) or spellings[key].most_common(1)[0][0]
        correct = question.is_correct(first[key], typo_tolerance=typo_tolerance)
        groups.append((label, count, correct))
    groups.sort(key=lambda group: (-group[1], group[0].casefold(), group[0]))
    listed = groups[:top]
    return {
        "answer_count": total,
        "distinct_count": len(groups),
        "responses": [
            {"answer": label, "count": count, "correct": correct}
            for label, count, correct in listed
        ],
        "other_count": total - sum(count for _, count, _ in listed),
    }
