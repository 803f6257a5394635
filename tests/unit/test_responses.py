"""What a class answered to one question: grouped as scored, shown as typed."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from quizcore import session as rules
from quizcore.quiz import Question, build_quiz
from quizcore.responses import group_responses
from tests.unit.support import HOST

T0 = 1_000_000
QUIZ = build_quiz(
    "qz",
    {
        "title": "Spelling",
        "questions": [
            {"prompt": "Type 'recevoir' in English", "kind": "text", "answer": "receive"},
            {
                "prompt": "Choose the synonym of 'begin'",
                "kind": "choice",
                "choices": ["Start", "finish", "stay"],
                "answer": "Start",
            },
            {"prompt": "Type 'bonjour'", "kind": "text", "answer": "hello", "accept": ["hi"]},
        ],
    },
)
TEXT, CHOICE, GREETING = QUIZ.questions


def test_answers_group_by_the_form_scoring_compares_and_show_the_most_typed_spelling() -> None:
    typed = ["recieve", "Receive", "receive!", " receive ", "Recieve", "recieve", "receeve"]
    typed += ["receive"]

    grouped = group_responses(TEXT, typed)

    assert grouped == {
        "answer_count": 8,
        "distinct_count": 3,
        "responses": [
            # One group; " receive " is shown as "receive", typed twice so.
            {"answer": "receive", "count": 4, "correct": True},
            {"answer": "recieve", "count": 3, "correct": False},
            {"answer": "receeve", "count": 1, "correct": False},
        ],
        "other_count": 0,
    }


def test_a_misspelling_counts_as_scoring_judged_it_under_typo_tolerance() -> None:
    strict = group_responses(TEXT, ["recieve"])
    tolerant = group_responses(TEXT, ["recieve"], typo_tolerance=True)

    assert strict["responses"][0]["correct"] is False
    assert tolerant["responses"][0]["correct"] is True


def test_every_accepted_form_is_correct() -> None:
    grouped = group_responses(GREETING, ["hi", "Hello", "bye"])

    assert {group["answer"]: group["correct"] for group in grouped["responses"]} == {
        "hi": True,
        "Hello": True,
        "bye": False,
    }


def test_a_choice_is_shown_by_its_own_label() -> None:
    grouped = group_responses(CHOICE, ["start", "START", "stay"])

    assert grouped["responses"] == [
        {"answer": "Start", "count": 2, "correct": True},
        {"answer": "stay", "count": 1, "correct": False},
    ]


def test_what_shows_nothing_or_turns_a_line_around_is_not_projected() -> None:
    grouped = group_responses(TEXT, ["re\u200bce\u202eive", "re\u200bce\u202eive"])

    assert grouped["responses"][0]["answer"] == "receive"


def test_past_the_top_groups_the_rest_are_counted_together() -> None:
    typed = [f"word{n}" for n in range(5)] + ["receive"] * 3

    grouped = group_responses(TEXT, typed, top=2)

    assert [group["answer"] for group in grouped["responses"]] == ["receive", "word0"]
    assert grouped["distinct_count"] == 6
    assert grouped["other_count"] == 4


def test_no_answers_group_to_nothing() -> None:
    assert group_responses(TEXT, []) == {
        "answer_count": 0,
        "distinct_count": 0,
        "responses": [],
        "other_count": 0,
    }


WORDS = st.lists(st.sampled_from(["receive", "Receive", "recieve", "RECIEVE!", "get", "take"]))


@given(typed=WORDS, top=st.integers(min_value=0, max_value=5))
def test_every_answer_is_counted_once_in_a_group_or_the_rest(typed: list[str], top: int) -> None:
    grouped = group_responses(TEXT, typed, top=top)
    listed = sum(group["count"] for group in grouped["responses"])

    assert grouped["answer_count"] == len(typed)
    assert listed + grouped["other_count"] == len(typed)
    assert len(grouped["responses"]) == min(top, grouped["distinct_count"])
    counts = [group["count"] for group in grouped["responses"]]
    assert counts == sorted(counts, reverse=True)


@given(typed=WORDS)
def test_the_groups_do_not_depend_on_the_order_answers_came_in(typed: list[str]) -> None:
    forward = group_responses(TEXT, typed)
    backward = group_responses(TEXT, list(reversed(typed)))

    def shape(grouped: dict[str, object]) -> list[tuple[object, ...]]:
        groups = grouped["responses"]
        assert isinstance(groups, list)
        return [(g["answer"].casefold().strip("! "), g["count"], g["correct"]) for g in groups]

    assert shape(forward) == shape(backward)


# --- when the host may see them ---------------------------------------------------


def _state(mode: str) -> rules.SessionState:
    return rules.create(
        session_id="ABCDEF", quiz=QUIZ, host_id=HOST, mode=mode, question_seconds=10, now=T0
    )


def _question(index: int) -> Question:
    return QUIZ.questions[index]


def test_a_live_question_shows_its_answers_only_once_revealed() -> None:
    lobby = _state("live")
    state, _ = rules.start(lobby, QUIZ, HOST, T0)
    while_open = rules.responses_out(state, _question(0))
    state, _ = rules.reveal(state, QUIZ, HOST, T0 + 1000)
    revealed = rules.responses_out(state, _question(0))
    next_one = rules.responses_out(state, _question(1))

    assert not rules.responses_out(lobby, _question(0))
    assert not while_open, "the projector would answer for whoever has not yet"
    assert revealed
    assert not next_one


def test_self_paced_answers_show_the_teacher_at_any_time_and_every_one_after_the_finish() -> None:
    state, _ = rules.start(_state("self_paced"), QUIZ, HOST, T0)
    live, _ = rules.start(_state("live"), QUIZ, HOST, T0)
    finished = dataclasses.replace(live, status="finished")

    assert rules.responses_out(state, _question(2))
    assert all(rules.responses_out(finished, question) for question in QUIZ.questions)
