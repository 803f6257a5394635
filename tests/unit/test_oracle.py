"""The test oracle gives the contract's figures, and agrees with the domain.

The end-to-end suites trust ``tests/oracle.py``; here it meets the examples
the contract states, and two implementations written apart must agree on
every answer set hypothesis can find.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from quizcore.scoring import AnswerFacts, rank_all, speed_points, tally
from tests import oracle


def test_the_quickest_correct_answer_earns_full_points_and_the_slowest_half() -> None:
    assert oracle.answer_points(1000, 0, 20_000) == 1000
    assert oracle.answer_points(1000, 499, 20_000) == 1000
    assert oracle.answer_points(1000, 10_000, 20_000) == 750
    assert oracle.answer_points(1000, 20_000, 20_000) == 500
    assert oracle.answer_points(1000, 25_000, 20_000) == 500
    assert oracle.answer_points(999, 20_000, 20_000) == 500  # 499.5 rounds up


def test_the_streak_bonus_counts_prior_consecutive_correct_answers_up_to_500() -> None:
    answers = [
        oracle.Answered(f"s{index}", index, index != 2, 1000, 0, 10_000) for index in range(10)
    ]

    result = oracle.outcome(answers)

    bonuses = [result.points[f"s{index}"] - (1000 if index != 2 else 0) for index in range(10)]
    assert bonuses == [0, 100, 0, 0, 100, 200, 300, 400, 500, 500]
    assert oracle.outcome(answers, streaks=False).score == 9 * 1000


def test_a_skipped_question_breaks_the_streak() -> None:
    answers = [oracle.Answered(f"s{index}", index, True, 1000, 0, 10_000) for index in (0, 2)]

    assert oracle.outcome(answers).score == 2000


def test_ranks_are_competition_ranks() -> None:
    scores = {"a": 900, "b": 700, "c": 700, "d": 500}

    assert oracle.competition_ranks(scores) == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_text_answers_match_after_normalisation() -> None:
    assert oracle.is_right(" Hello! ", "hello")
    assert oracle.is_right("HI", "hello", ["hi"])
    assert oracle.is_right("good   morning.", "Good morning")
    assert not oracle.is_right("bye", "hello", ["hi"])


# Per question in order: its fate (mostly right, so streaks reach the cap),
# points, elapsed, limit, received at.
answer_sets = st.lists(
    st.tuples(
        st.sampled_from(["right", "right", "right", "right", "wrong", "skipped"]),
        st.sampled_from([100, 999, 1000, 2000]),
        st.integers(0, 40_000),
        st.integers(1_000, 30_000),
        st.integers(0, 10**6),
    ),
    max_size=12,
)


@given(
    st.dictionaries(st.sampled_from(["u1", "u2", "u3", "u4"]), answer_sets, max_size=4),
    st.booleans(),
)
def test_the_oracle_and_the_domain_agree_on_every_answer_set(
    players: dict[str, list[tuple[str, int, int, int, int]]], streaks: bool
) -> None:
    outcomes = {}
    tallies = {}
    for user, answers in players.items():
        rows = [
            (f"{user}-{index}", index, fate == "right", points, elapsed, limit, received)
            for index, (fate, points, elapsed, limit, received) in enumerate(answers)
            if fate != "skipped"
        ]
        outcomes[user] = oracle.outcome([oracle.Answered(*row) for row in rows], streaks=streaks)
        tallies[user] = tally(
            [
                AnswerFacts(
                    question_index=index,
                    submission_id=sub,
                    correct=right,
                    base_points=speed_points(points, elapsed, limit) if right else 0,
                    received_at=received,
                )
                for sub, index, right, points, elapsed, limit, received in rows
            ],
            streaks=streaks,
        )
        assert outcomes[user].points == tallies[user].points
        assert outcomes[user].score == tallies[user].score
        assert outcomes[user].correct_count == tallies[user].correct_count
        assert outcomes[user].reached_at == tallies[user].reached_at

    domain = rank_all((user, result.score, result.reached_at) for user, result in tallies.items())
    assert oracle.standings(outcomes) == [(row.user_id, row.score, row.rank) for row in domain]
