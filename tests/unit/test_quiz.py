"""Quiz authoring rules, answer normalisation and typo tolerance."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizcore.errors import InvalidQuiz
from quizcore.quiz import (
    MAX_QUESTIONS,
    Question,
    build_quiz,
    normalise,
    quiz_from_dict,
    within_one_edit,
)
from tests.unit.support import choice_question, new_play, quiz_raw


def text_question(answer: str = "hello", accept: list[str] | None = None) -> dict[str, Any]:
    return {
        "prompt": "Type 'bonjour' in English",
        "kind": "text",
        "answer": answer,
        "accept": accept or [],
    }


def quiz_with(*questions: dict[str, Any], typo_tolerance: bool = False) -> dict[str, Any]:
    return {"title": "Words", "questions": list(questions), "typo_tolerance": typo_tolerance}


def question(**overrides: Any) -> Question:
    raw = {**text_question(), **overrides}
    return build_quiz("qz", quiz_with(raw)).questions[0]


# --- validation -------------------------------------------------------------------


def test_a_valid_quiz_is_built_with_numbered_questions_and_default_points() -> None:
    quiz = build_quiz("qz", quiz_raw(2), author_id="alice")

    assert [q.question_id for q in quiz.questions] == ["q1", "q2"]
    assert [q.index for q in quiz.questions] == [0, 1]
    assert quiz.questions[0].points == 1000
    assert quiz.questions[0].seconds is None
    assert quiz.author_id == "alice"
    assert quiz.summary()["question_count"] == 2


def mutate(path: str, value: Any) -> dict[str, Any]:
    """Return a valid two-question quiz with one field replaced (``questions.0.x``)."""
    raw = copy.deepcopy(quiz_with(choice_question(1), text_question()))
    target: Any = raw
    *parents, leaf = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is _DELETE:
        del target[leaf]
    else:
        target[leaf] = value
    return raw


_DELETE = object()

INVALID = {
    "empty prompt": mutate("questions.0.prompt", ""),
    "blank prompt": mutate("questions.0.prompt", "   "),
    "missing prompt": mutate("questions.0.prompt", _DELETE),
    "prompt too long": mutate("questions.0.prompt", "x" * 501),
    "empty title": mutate("title", ""),
    "duplicate choices": mutate("questions.0.choices", ["right", "Right ", "other"]),
    "choices alike but for a zero-width space": mutate(
        "questions.0.choices", ["right", "r\u200bight", "other"]
    ),
    "a choice reversed by a direction override": mutate(
        "questions.0.choices", ["right", "\u202ethgir", "other"]
    ),
    "one choice": mutate("questions.0.choices", ["right"]),
    "eleven choices": mutate("questions.0.choices", [f"c{n}" for n in range(10)] + ["right"]),
    "answer not among choices": mutate("questions.0.answer", "missing"),
    "accept on a choice question": mutate("questions.0.accept", ["right"]),
    "choices on a text question": mutate("questions.1.choices", ["a", "b"]),
    "text answer without letters": mutate("questions.1.answer", "?!"),
    "unknown kind": mutate("questions.0.kind", "essay"),
    "no questions": mutate("questions", []),
    "questions not a list": mutate("questions", "q1"),
    "too many questions": mutate("questions", [choice_question(1)] * (MAX_QUESTIONS + 1)),
    "zero points": mutate("questions.0.points", 0),
    "negative points": mutate("questions.0.points", -5),
    "too many points": mutate("questions.0.points", 10_001),
    "points as text": mutate("questions.0.points", "1000"),
    "points as bool": mutate("questions.0.points", True),
    "fractional points": mutate("questions.0.points", 1.5),
    "zero seconds": mutate("questions.0.seconds", 0),
    "too many seconds": mutate("questions.0.seconds", 301),
    "seconds as float": mutate("questions.0.seconds", 2.5),
    "typo tolerance not a bool": mutate("typo_tolerance", "yes"),
    "question not an object": mutate("questions", ["q1"]),
    "accept not a list": mutate("questions.1.accept", "hi"),
}


@pytest.mark.parametrize("raw", INVALID.values(), ids=INVALID.keys())
def test_malformed_quiz_is_rejected_with_invalid_request(raw: dict[str, Any]) -> None:
    with pytest.raises(InvalidQuiz) as caught:
        build_quiz("qz", raw)

    assert caught.value.code == "invalid_request"
    assert caught.value.detail


def test_emoji_joined_into_one_picture_are_a_choice() -> None:
    # A zero-width joiner between emoji makes one picture (a teacher), not a trick.
    raw = mutate("questions.0.choices", ["right", "\U0001f469\u200d\U0001f3eb", "other"])

    quiz = build_quiz("qz", raw)

    assert quiz.questions[0].choices[1] == "\U0001f469\u200d\U0001f3eb"


def test_quiz_of_exactly_the_maximum_questions_and_limits_is_accepted() -> None:
    raw = quiz_with(*[choice_question(1, points=10_000, seconds=300)] * MAX_QUESTIONS)

    quiz = build_quiz("qz", raw)

    assert quiz.question_count == MAX_QUESTIONS
    assert quiz.questions[-1].points == 10_000
    assert quiz.questions[-1].seconds == 300


def test_every_question_of_the_largest_quiz_is_found_by_its_id() -> None:
    quiz = build_quiz("qz", quiz_with(*[choice_question(1)] * MAX_QUESTIONS))

    assert [quiz.question(f"q{n + 1}") for n in range(MAX_QUESTIONS)] == list(quiz.questions)
    assert quiz.question("q0") is None
    assert quiz.question(f"q{MAX_QUESTIONS + 1}") is None
    assert quiz_from_dict(quiz.to_dict()).question("q7") == quiz.questions[6]


def test_quiz_survives_its_stored_form_round_trip() -> None:
    quiz = build_quiz("qz", quiz_with(choice_question(1, seconds=5), text_question(accept=["hi"])))

    assert quiz_from_dict(quiz.to_dict()) == quiz


def test_public_quiz_never_reveals_answers() -> None:
    quiz = build_quiz("qz", quiz_with(choice_question(1), text_question("secret", ["hidden"])))

    public = repr(quiz.public())

    assert "secret" not in public
    assert "hidden" not in public
    assert "answer" not in quiz.public()["questions"][0]


# --- normalisation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("  Hello! ", "hello"),
        ("HELLO", "hello"),
        ("Straße", "strasse"),  # case folding, not lower()
        ("ﬁne", "fine"),  # NFKC splits the ligature
        ("\uff28\uff45\uff4c\uff4c\uff4f", "hello"),  # full-width letters
        ("good   \t morning", "good morning"),
        ("¿Qué?", "qué"),
        ("«bonjour»", "bonjour"),
        ("...hi...", "hi"),
        ("don't", "don't"),  # inner punctuation stays
        ("e-mail", "e-mail"),
        ("$5", "$5"),  # symbols are not punctuation
        ("!?", ""),
    ],
)
def test_typed_answers_are_normalised(typed: str, expected: str) -> None:
    assert normalise(typed) == expected


@given(st.text())
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise(text)

    assert normalise(once) == once
    assert once == once.strip()
    assert "  " not in once


def test_text_answer_matches_after_normalisation_and_accepts_alternates() -> None:
    asked = question(answer="Hello", accept=["hi", "Good day"])

    assert asked.is_correct("  HELLO!! ")
    assert asked.is_correct("Hi.")
    assert asked.is_correct("good    day")
    assert not asked.is_correct("hey")


def test_choice_answer_must_be_the_right_choice() -> None:
    asked = build_quiz("qz", quiz_with(choice_question(1))).questions[0]

    assert asked.is_correct("right")
    assert asked.is_correct(" RIGHT ")
    assert not asked.is_correct("wrong")
    assert not asked.is_correct("rihgt", typo_tolerance=True)


# --- typo tolerance ---------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["helo", "helllo", "hallo", "hlelo", "ehllo", "hellp", "hello!"],
    ids=["deletion", "insertion", "substitution", "swap", "swap at start", "last letter", "exact"],
)
def test_one_typo_is_forgiven_when_tolerance_is_on(typed: str) -> None:
    asked = question(answer="hello")

    assert asked.is_correct(typed, typo_tolerance=True)


@pytest.mark.parametrize("typed", ["hlleo", "heo", "hellooo", "olleh", "hxllx", "ehlol"])
def test_two_typos_are_never_forgiven(typed: str) -> None:
    asked = question(answer="hello")

    assert not asked.is_correct(typed, typo_tolerance=True)


def test_typos_are_not_forgiven_by_default() -> None:
    asked = question(answer="hello")

    assert not asked.is_correct("helo")
    assert not asked.is_correct("hlelo")


@pytest.mark.parametrize("typed", ["cta", "ca", "cats", "bat"])
def test_typos_in_words_under_five_letters_are_not_forgiven(typed: str) -> None:
    asked = question(answer="cat")

    assert not asked.is_correct(typed, typo_tolerance=True)


def test_typo_is_forgiven_against_a_long_alternate_only() -> None:
    asked = question(answer="hi", accept=["hello"])

    assert asked.is_correct("helo", typo_tolerance=True)
    assert not asked.is_correct("ho", typo_tolerance=True)


async def test_quiz_typo_tolerance_decides_the_score() -> None:
    for tolerant, expected_correct in ((False, False), (True, True)):
        raw = quiz_with(text_question("apple"), typo_tolerance=tolerant)
        play = await new_play(raw=raw)
        await play.join("ann")
        await play.system.quiz.start(play.session_id, "host")

        view = await play.submit("ann", "q1", "aple", "s1")

        assert view.correct is expected_correct


def levenshtein_with_swaps(left: str, right: str) -> int:
    """Return the optimal-string-alignment distance (reference for one edit)."""
    rows = [[0] * (len(right) + 1) for _ in range(len(left) + 1)]
    for i in range(len(left) + 1):
        rows[i][0] = i
    for j in range(len(right) + 1):
        rows[0][j] = j
    for i in range(1, len(left) + 1):
        for j in range(1, len(right) + 1):
            cost = 0 if left[i - 1] == right[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and left[i - 1] == right[j - 2] and left[i - 2] == right[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


@given(st.text(alphabet="abcde", max_size=7), st.text(alphabet="abcde", max_size=7))
def test_one_edit_means_distance_at_most_one(left: str, right: str) -> None:
    assert within_one_edit(left, right) == (levenshtein_with_swaps(left, right) <= 1)
    assert within_one_edit(left, right) == within_one_edit(right, left)
