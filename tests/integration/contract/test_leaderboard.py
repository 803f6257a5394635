"""Contract of the Leaderboard port: competition ranks, rising scores."""

from __future__ import annotations

import asyncio
import random

from quizcore.ports import Leaderboard
from quizcore.scoring import Standing

BOARD = "session:SESSA1"


async def test_a_first_entry_is_ranked_first(leaderboard: Leaderboard) -> None:
    assert await leaderboard.submit(BOARD, "ana", 500, 1000) is True

    assert await leaderboard.standing(BOARD, "ana") == Standing(
        rank=1, user_id="ana", score=500, reached_at=1000
    )
    assert await leaderboard.size(BOARD) == 1


async def test_top_lists_competition_ranks(leaderboard: Leaderboard) -> None:
    for user_id, score, reached_at in [
        ("dan", 500, 1000),
        ("bea", 700, 3000),
        ("ana", 900, 5000),
        ("cem", 700, 2000),
    ]:
        await leaderboard.submit(BOARD, user_id, score, reached_at)

    assert await leaderboard.top(BOARD, 10) == [
        Standing(rank=1, user_id="ana", score=900, reached_at=5000),
        Standing(rank=2, user_id="cem", score=700, reached_at=2000),
        Standing(rank=2, user_id="bea", score=700, reached_at=3000),
        Standing(rank=4, user_id="dan", score=500, reached_at=1000),
    ]


async def test_equal_scores_list_earlier_reached_first_then_by_user_id(
    leaderboard: Leaderboard,
) -> None:
    for user_id, reached_at in [("zed", 2000), ("bob", 3000), ("amy", 3000), ("kai", 1000)]:
        await leaderboard.submit(BOARD, user_id, 800, reached_at)

    top = await leaderboard.top(BOARD, 10)

    assert [entry.user_id for entry in top] == ["kai", "zed", "amy", "bob"]
    assert {entry.rank for entry in top} == {1}


async def test_top_returns_at_most_limit_standings(leaderboard: Leaderboard) -> None:
    for i in range(10):
        await leaderboard.submit(BOARD, f"user-{i}", 100 * i, 1000)

    top = await leaderboard.top(BOARD, 3)

    assert [(entry.rank, entry.user_id) for entry in top] == [
        (1, "user-9"),
        (2, "user-8"),
        (3, "user-7"),
    ]


async def test_standing_reports_the_competition_rank_of_a_tie(leaderboard: Leaderboard) -> None:
    for user_id, score in [("ana", 900), ("bea", 700), ("cem", 700), ("dan", 500)]:
        await leaderboard.submit(BOARD, user_id, score, 1000)

    assert await leaderboard.standing(BOARD, "cem") == Standing(
        rank=2, user_id="cem", score=700, reached_at=1000
    )
    assert (await leaderboard.standing(BOARD, "dan")) == Standing(
        rank=4, user_id="dan", score=500, reached_at=1000
    )
    assert await leaderboard.standing(BOARD, "nobody") is None


async def test_submit_only_raises_an_entry(leaderboard: Leaderboard) -> None:
    await leaderboard.submit(BOARD, "ana", 700, 2000)

    assert await leaderboard.submit(BOARD, "ana", 500, 3000) is False
    assert await leaderboard.submit(BOARD, "ana", 700, 1000) is False
    assert await leaderboard.standing(BOARD, "ana") == Standing(
        rank=1, user_id="ana", score=700, reached_at=2000
    )
    assert await leaderboard.submit(BOARD, "ana", 900, 4000) is True
    assert await leaderboard.standing(BOARD, "ana") == Standing(
        rank=1, user_id="ana", score=900, reached_at=4000
    )
    assert await leaderboard.size(BOARD) == 1


async def test_concurrent_submits_end_at_the_highest(leaderboard: Leaderboard) -> None:
    scores = list(range(100, 5100, 100))
    random.Random(11).shuffle(scores)

    changed = await asyncio.gather(
        *(leaderboard.submit(BOARD, "ana", score, score) for score in scores)
    )

    assert any(changed)
    assert await leaderboard.standing(BOARD, "ana") == Standing(
        rank=1, user_id="ana", score=5000, reached_at=5000
    )


async def test_version_grows_on_a_change_and_not_on_a_no_op(leaderboard: Leaderboard) -> None:
    await leaderboard.submit(BOARD, "ana", 500, 1000)
    first = await leaderboard.version(BOARD)

    await leaderboard.submit(BOARD, "bea", 300, 1000)
    second = await leaderboard.version(BOARD)
    await leaderboard.submit(BOARD, "ana", 400, 2000)
    await leaderboard.submit(BOARD, "ana", 500, 2000)
    unchanged = await leaderboard.version(BOARD)
    await leaderboard.submit(BOARD, "bea", 800, 3000)
    third = await leaderboard.version(BOARD)

    assert first < second == unchanged < third


async def test_clear_drops_the_board_and_counts_as_a_change(leaderboard: Leaderboard) -> None:
    await leaderboard.submit(BOARD, "ana", 900, 1000)
    await leaderboard.submit(BOARD, "bea", 700, 1000)
    before = await leaderboard.version(BOARD)

    await leaderboard.clear(BOARD)

    assert await leaderboard.size(BOARD) == 0
    assert await leaderboard.top(BOARD, 10) == []
    assert await leaderboard.standing(BOARD, "ana") is None
    assert await leaderboard.version(BOARD) > before
    assert await leaderboard.submit(BOARD, "ana", 100, 2000) is True
    assert await leaderboard.top(BOARD, 10) == [
        Standing(rank=1, user_id="ana", score=100, reached_at=2000)
    ]


async def test_boards_are_independent(leaderboard: Leaderboard) -> None:
    await leaderboard.submit(BOARD, "ana", 900, 1000)
    await leaderboard.submit("global", "bea", 100, 1000)

    await leaderboard.clear(BOARD)

    assert await leaderboard.top("global", 10) == [
        Standing(rank=1, user_id="bea", score=100, reached_at=1000)
    ]
    assert await leaderboard.standing("global", "ana") is None
    assert await leaderboard.size("empty-board") == 0
    assert await leaderboard.top("empty-board", 10) == []


async def test_standings_read_many_users_at_once_as_standing_does(
    leaderboard: Leaderboard,
) -> None:
    for user_id, score in [("ana", 900), ("bea", 700), ("cem", 700), ("dan", 500)]:
        await leaderboard.submit(BOARD, user_id, score, 1000)

    found = await leaderboard.standings(BOARD, ["dan", "nobody", "cem", "ana"])

    assert found == {
        user_id: await leaderboard.standing(BOARD, user_id) for user_id in ("dan", "cem", "ana")
    }
    assert found["cem"].rank == 2
    assert await leaderboard.standings(BOARD, []) == {}
    assert await leaderboard.standings("empty", ["ana"]) == {}


async def test_remove_takes_an_entry_off_and_ranks_close_up(leaderboard: Leaderboard) -> None:
    await leaderboard.submit(BOARD, "ana", 900, 1000)
    await leaderboard.submit(BOARD, "bea", 700, 1000)
    await leaderboard.submit(BOARD, "cid", 500, 1000)
    before = await leaderboard.version(BOARD)

    assert await leaderboard.remove(BOARD, "ana") is True

    assert await leaderboard.standing(BOARD, "ana") is None
    assert await leaderboard.size(BOARD) == 2
    assert await leaderboard.version(BOARD) > before
    assert await leaderboard.top(BOARD, 10) == [
        Standing(rank=1, user_id="bea", score=700, reached_at=1000),
        Standing(rank=2, user_id="cid", score=500, reached_at=1000),
    ]


async def test_removing_an_absent_entry_changes_nothing(leaderboard: Leaderboard) -> None:
    await leaderboard.submit(BOARD, "ana", 900, 1000)
    before = await leaderboard.version(BOARD)

    assert await leaderboard.remove(BOARD, "nobody") is False
    assert await leaderboard.remove("session:other", "ana") is False
    assert await leaderboard.version(BOARD) == before
    assert await leaderboard.size(BOARD) == 1
