"""Scoring and ranking rules (API.md, "Scoring and ranking") as pure functions."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizcore.scoring import (
    AnswerFacts,
    max_points,
    rank_all,
    rank_of,
    speed_points,
    streak_bonus,
    tally,
)
from tests.unit.support import CORE, reference_points, reference_score

points_st = st.integers(min_value=1, max_value=10_000)
limit_st = st.integers(min_value=1, max_value=300).map(lambda seconds: seconds * 1000)


# --- speed points -----------------------------------------------------------------


@CORE
@given(points_st, limit_st, st.integers(min_value=-10_000, max_value=400_000))
def test_speed_points_follow_the_documented_formula(points: int, limit: int, elapsed: int) -> None:
    assert speed_points(points, elapsed, limit) == reference_points(points, elapsed, limit)


@CORE
@given(points_st, limit_st, st.data())
def test_correct_answer_in_time_earns_between_half_and_all_points(
    points: int, limit: int, data: st.DataObject
) -> None:
    elapsed = data.draw(st.integers(min_value=0, max_value=limit))

    earned = speed_points(points, elapsed, limit)

    assert (points + 1) // 2 <= earned <= points
    assert earned >= 1


@CORE
@given(points_st, limit_st, st.data())
def test_speed_points_never_grow_with_elapsed_time(
    points: int, limit: int, data: st.DataObject
) -> None:
    sooner = data.draw(st.integers(min_value=-1000, max_value=limit + 5000))
    later = data.draw(st.integers(min_value=sooner, max_value=limit + 5000))

    assert speed_points(points, sooner, limit) >= speed_points(points, later, limit)


@given(points_st, limit_st, st.integers(min_value=0, max_value=499))
def test_answers_in_the_first_half_second_earn_full_points(
    points: int, limit: int, elapsed: int
) -> None:
    assert speed_points(points, elapsed, limit) == points


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [(0, 1000), (499, 1000), (500, 975), (5000, 750), (10_000, 500), (10_500, 500)],
)
def test_ten_second_question_worth_1000_loses_points_linearly(elapsed: int, expected: int) -> None:
    assert speed_points(1000, elapsed, 10_000) == expected


def test_odd_points_round_half_up_at_the_deadline() -> None:
    assert speed_points(999, 10_000, 10_000) == 500
    assert speed_points(1, 10_000, 10_000) == 1


# --- streaks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "bonus"), [(-1, 0), (0, 0), (1, 100), (4, 400), (5, 500), (6, 500), (50, 500)]
)
def test_streak_bonus_is_100_per_previous_correct_answer_up_to_500(before: int, bonus: int) -> None:
    assert streak_bonus(before) == bonus
    assert streak_bonus(before, enabled=False) == 0


def test_no_answer_earns_more_than_its_points_plus_500() -> None:
    assert max_points(1000) == 1500
    assert max_points(1000, streaks=False) == 1000


# --- tally: order and redelivery ----------------------------------------------------


@st.composite
def answer_facts(draw: st.DrawFn) -> list[AnswerFacts]:
    """Return one participant's answers: at most one per question index."""
    indices = draw(st.lists(st.integers(0, 12), unique=True, max_size=10))
    facts = []
    for index in indices:
        correct = draw(st.booleans())
        facts.append(
            AnswerFacts(
                question_index=index,
                submission_id=f"s{index}",
                correct=correct,
                base_points=draw(st.integers(1, 10_000)) if correct else 0,
                received_at=draw(st.integers(0, 10**6)),
            )
        )
    return facts


@CORE
@given(answer_facts(), st.booleans(), st.randoms(use_true_random=False), st.data())
def test_tally_is_the_same_whatever_the_order_and_redelivery(
    facts: list[AnswerFacts], streaks: bool, rng: random.Random, data: st.DataObject
) -> None:
    redelivered = data.draw(st.lists(st.sampled_from(facts), max_size=10)) if facts else []
    shuffled = [*facts, *redelivered]
    rng.shuffle(shuffled)

    assert tally(shuffled, streaks=streaks) == tally(facts, streaks=streaks)


@CORE
@given(answer_facts(), st.booleans())
def test_score_is_the_sum_of_each_answers_points(facts: list[AnswerFacts], streaks: bool) -> None:
    result = tally(facts, streaks=streaks)
    expected = reference_score(
        [(f.question_index, f.correct, f.base_points, f.received_at) for f in facts],
        streaks=streaks,
    )

    assert (result.score, result.correct_count, result.reached_at) == expected
    assert result.score == sum(result.points.values())
    assert result.answered_count == len(facts)
    for fact in facts:
        bonus = streak_bonus(result.streaks[fact.submission_id], enabled=streaks)
        earned = fact.base_points + bonus if fact.correct else 0
        assert result.points[fact.submission_id] == earned
        assert 0 <= earned <= max_points(fact.base_points, streaks=streaks)


def fact(index: int, correct: bool = True, points: int = 1000) -> AnswerFacts:
    return AnswerFacts(
        question_index=index,
        submission_id=f"s{index}",
        correct=correct,
        base_points=points if correct else 0,
        received_at=index * 1000,
    )


def test_streak_grows_with_consecutive_correct_answers_and_caps_at_500() -> None:
    result = tally([fact(index) for index in range(8)])

    assert [result.streaks[f"s{index}"] for index in range(8)] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert [result.points[f"s{index}"] for index in range(8)] == [
        1000,
        1100,
        1200,
        1300,
        1400,
        1500,
        1500,
        1500,
    ]


def test_wrong_or_missing_answer_breaks_the_streak() -> None:
    result = tally([fact(0), fact(1, correct=False), fact(2), fact(3), fact(5)])

    assert result.points == {"s0": 1000, "s1": 0, "s2": 1000, "s3": 1100, "s5": 1000}
    assert result.score == 4100
    assert result.correct_count == 4
    assert result.answered_count == 5


def test_streak_bonus_can_be_switched_off() -> None:
    result = tally([fact(0), fact(1), fact(2)], streaks=False)

    assert result.score == 3000


def test_score_is_reached_at_the_last_answer_that_earned_points() -> None:
    result = tally([fact(0), fact(1), fact(2, correct=False)])

    assert result.reached_at == 1000
    assert tally([fact(0, correct=False)]).reached_at == 0


# --- ranking ----------------------------------------------------------------------


def test_equal_scores_share_a_rank_and_the_next_rank_skips() -> None:
    standings = rank_all([("d", 500, 1), ("b", 700, 5), ("a", 900, 9), ("c", 700, 3)])

    assert [(s.user_id, s.rank) for s in standings] == [("a", 1), ("c", 2), ("b", 2), ("d", 4)]


def test_equal_scores_are_listed_by_who_reached_them_first_then_user_id() -> None:
    standings = rank_all([("zed", 700, 10), ("amy", 700, 20), ("bob", 700, 10)])

    assert [s.user_id for s in standings] == ["bob", "zed", "amy"]
    assert {s.rank for s in standings} == {1}


entries_st = st.lists(
    st.tuples(
        st.text(alphabet="abcdefgh", min_size=1, max_size=3),
        st.sampled_from([0, 500, 700, 900, 1000]) | st.integers(0, 5000),
        st.integers(0, 50),
    ),
    unique_by=lambda entry: entry[0],
    max_size=40,
)


@CORE
@given(entries_st)
def test_rank_is_one_plus_the_number_strictly_higher(entries: list[tuple[str, int, int]]) -> None:
    standings = rank_all(entries)
    scores = [score for _, score, _ in entries]

    assert sorted(s.user_id for s in standings) == sorted(user for user, _, _ in entries)
    for standing in standings:
        assert standing.rank == 1 + sum(1 for other in scores if other > standing.score)
        assert standing.rank == rank_of(standing.score, scores)


@CORE
@given(entries_st, st.randoms(use_true_random=False))
def test_listing_order_is_score_then_first_reached_then_user_id(
    entries: list[tuple[str, int, int]], rng: random.Random
) -> None:
    shuffled = list(entries)
    rng.shuffle(shuffled)

    standings = rank_all(shuffled)

    keys = [(-s.score, s.reached_at, s.user_id) for s in standings]
    assert keys == sorted(keys)
    assert standings == rank_all(entries)
    ranks = [s.rank for s in standings]
    assert ranks == sorted(ranks)
    if standings:
        assert ranks[0] == 1
