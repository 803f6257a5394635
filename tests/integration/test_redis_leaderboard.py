"""RedisLeaderboard on the local Redis: order, ranks, rebuild."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.memory import MemoryLeaderboard, MemoryScoreStore
from adapters.redis import RedisLeaderboard, rebuild_session_board, restore_session_board
from adapters.redis.leaderboard import MAX_REACHED_AT, MAX_SCORE
from quizcore.model import ParticipantScore
from quizcore.scoring import Standing, rank_all
from quizcore.services import GLOBAL_BOARD, session_board
from tests.integration.contract.factories_redis import drop_prefix, redis_prefix

EPOCH_MS = 1_800_000_000_000


@pytest.fixture
async def redis_and_prefix(redis_url: str) -> AsyncIterator[tuple[Redis, str]]:
    async with redis_prefix(redis_url) as pair:
        yield pair


@pytest.fixture
def board(redis_and_prefix: tuple[Redis, str]) -> RedisLeaderboard:
    client, prefix = redis_and_prefix
    return RedisLeaderboard(client, prefix=prefix)


def _rows(standings: list[Standing]) -> list[tuple[int, str, int, int]]:
    return [(s.rank, s.user_id, s.score, s.reached_at) for s in standings]


async def test_listing_matches_the_documented_order_on_large_scores_and_times(
    board: RedisLeaderboard,
) -> None:
    rng = random.Random(53)
    # Few distinct scores and times so ties are everywhere, at the edges of range.
    scores = [0, 1, 2**52, MAX_SCORE - 1, MAX_SCORE]
    times = [0, EPOCH_MS, EPOCH_MS + 1, MAX_REACHED_AT - 1, MAX_REACHED_AT]
    users = ["a", "B", "b", "ab", "a:b", "é", "z", "10", "9", "user-\u03b1"]
    latest: dict[str, tuple[int, int]] = {}
    for _ in range(200):
        user = rng.choice(users) + str(rng.randrange(4))
        score, reached = rng.choice(scores), rng.choice(times)
        if await board.submit("b", user, score, reached):
            latest[user] = (score, reached)
    expected = rank_all((user, score, reached) for user, (score, reached) in latest.items())
    assert _rows(await board.top("b", 1000)) == _rows(expected)
    for standing in expected:
        assert await board.standing("b", standing.user_id) == standing
    assert await board.size("b") == len(expected)


async def test_neighbouring_scores_at_two_to_the_53_stay_distinct(
    board: RedisLeaderboard,
) -> None:
    await board.submit("b", "low", MAX_SCORE - 1, EPOCH_MS)
    await board.submit("b", "high", MAX_SCORE, EPOCH_MS + 5)
    await board.submit("b", "tie", MAX_SCORE - 1, EPOCH_MS + 1)
    assert _rows(await board.top("b", 10)) == [
        (1, "high", MAX_SCORE, EPOCH_MS + 5),
        (2, "low", MAX_SCORE - 1, EPOCH_MS),
        (2, "tie", MAX_SCORE - 1, EPOCH_MS + 1),
    ]
    tie = await board.standing("b", "tie")
    assert tie is not None and (tie.rank, tie.score) == (2, MAX_SCORE - 1)
    # Raising by one at the top of the range is a change, not a float rounding.
    assert await board.submit("b", "low", MAX_SCORE, EPOCH_MS + 9)
    assert (await board.top("b", 1))[0].user_id == "high"


async def test_one_millisecond_apart_breaks_a_tie(board: RedisLeaderboard) -> None:
    await board.submit("b", "later", 5000, MAX_REACHED_AT)
    await board.submit("b", "earlier", 5000, MAX_REACHED_AT - 1)
    assert [s.user_id for s in await board.top("b", 2)] == ["earlier", "later"]


@pytest.mark.parametrize(
    ("score", "reached_at"),
    [(MAX_SCORE + 1, 0), (-MAX_SCORE - 1, 0), (1, -1), (1, MAX_REACHED_AT + 1)],
)
async def test_values_a_double_cannot_hold_exactly_are_rejected(
    board: RedisLeaderboard, score: int, reached_at: int
) -> None:
    with pytest.raises(ValueError):
        await board.submit("b", "u", score, reached_at)
    assert await board.size("b") == 0


async def test_ranks_are_competition_ranks(board: RedisLeaderboard) -> None:
    for user, score in [("d", 500), ("c", 700), ("b", 700), ("a", 900)]:
        await board.submit("b", user, score, 1)
    assert [(s.rank, s.user_id) for s in await board.top("b", 10)] == [
        (1, "a"),
        (2, "b"),
        (2, "c"),
        (4, "d"),
    ]
    d = await board.standing("b", "d")
    assert d is not None and d.rank == 4
    assert await board.standing("b", "nobody") is None
    assert await board.top("b", 0) == []
    assert [s.rank for s in await board.top("b", 2)] == [1, 2]


async def test_submit_only_raises_and_bumps_the_version_only_on_change(
    board: RedisLeaderboard,
) -> None:
    assert await board.version("b") == 0
    assert await board.submit("b", "u", 100, 10)
    first = await board.version("b")
    assert first > 0
    assert not await board.submit("b", "u", 100, 5)  # equal: no change, time kept
    assert not await board.submit("b", "u", 50, 20)
    assert await board.version("b") == first
    standing = await board.standing("b", "u")
    assert standing is not None and (standing.score, standing.reached_at) == (100, 10)
    assert await board.submit("b", "u", 150, 30)
    assert await board.version("b") == first + 1
    assert await board.size("b") == 1


async def test_fifty_concurrent_identical_submits_count_once(board: RedisLeaderboard) -> None:
    before = await board.version("b")
    changed = await asyncio.gather(*(board.submit("b", "u", 700, 42) for _ in range(50)))
    assert changed.count(True) == 1
    assert await board.version("b") > before
    after_first = await board.version("b")
    again = await asyncio.gather(*(board.submit("b", "u", 700, 42) for _ in range(50)))
    assert not any(again)
    assert await board.version("b") == after_first


async def test_fifty_concurrent_submits_keep_the_highest_and_count_each_raise(
    board: RedisLeaderboard,
) -> None:
    scores = list(range(1, 51))
    random.Random(7).shuffle(scores)
    await board.submit("b", "other", 0, 0)
    before = await board.version("b")
    changed = await asyncio.gather(*(board.submit("b", "u", s, s) for s in scores))
    standing = await board.standing("b", "u")
    assert standing is not None and (standing.score, standing.reached_at) == (50, 50)
    assert await board.version("b") - before == changed.count(True)
    assert await board.size("b") == 2


async def test_clear_empties_the_board_and_the_version_keeps_growing(
    board: RedisLeaderboard,
) -> None:
    await board.submit("b", "u", 1, 1)
    before = await board.version("b")
    await board.clear("b")
    assert await board.size("b") == 0
    assert await board.top("b", 10) == []
    assert await board.version("b") > before
    assert await board.submit("b", "u", 1, 1)  # a cleared entry can come back


async def test_boards_are_independent(board: RedisLeaderboard) -> None:
    await board.submit(session_board("A"), "u", 10, 1)
    await board.submit(GLOBAL_BOARD, "u", 99, 1)
    assert [s.score for s in await board.top(session_board("A"), 5)] == [10]
    assert await board.size(session_board("B")) == 0


async def test_redis_and_memory_leaderboards_agree(board: RedisLeaderboard) -> None:
    memory = MemoryLeaderboard()
    rng = random.Random(11)
    for _ in range(300):
        user, score, reached = f"u{rng.randrange(40)}", rng.randrange(6) * 100, rng.randrange(5)
        assert await board.submit("b", user, score, reached) == await memory.submit(
            "b", user, score, reached
        )
    assert await board.top("b", 25) == await memory.top("b", 25)
    for index in range(40):
        assert await board.standing("b", f"u{index}") == await memory.standing("b", f"u{index}")


async def test_session_boards_expire_and_the_global_board_does_not(
    redis_and_prefix: tuple[Redis, str],
) -> None:
    client, prefix = redis_and_prefix
    board = RedisLeaderboard(client, prefix=prefix, session_ttl_seconds=600)
    await board.submit(session_board("S"), "u", 1, 1)
    await board.submit(GLOBAL_BOARD, "u", 1, 1)
    for key in board.keys(session_board("S")):
        assert 0 < await client.ttl(key) <= 600
    for key in board.keys(GLOBAL_BOARD):
        assert await client.ttl(key) == -1


async def test_a_board_lost_with_redis_is_rebuilt_from_the_score_store(
    redis_and_prefix: tuple[Redis, str],
) -> None:
    client, prefix = redis_and_prefix
    board = RedisLeaderboard(client, prefix=prefix)
    scores = MemoryScoreStore()
    name = session_board("QZ7K2M")
    rng = random.Random(3)
    for index in range(120):
        user, score, reached = f"p{index:03d}", rng.randrange(10) * 250, EPOCH_MS + index % 7
        await scores.raise_score(
            ParticipantScore(
                session_id="QZ7K2M",
                user_id=user,
                score=score,
                correct_count=score // 250,
                answered_count=10,
                reached_at=reached,
            )
        )
        await board.submit(name, user, score, reached)
    await board.submit(name, "lurker", 0, 0)
    before_top = await board.top(name, 200)
    before_version = await board.version(name)

    assert await drop_prefix(client, prefix) > 0  # Redis lost everything under the prefix
    assert await board.size(name) == 0

    restored = await restore_session_board(board, scores, "QZ7K2M", participants=["lurker"])
    assert restored == 121
    assert await board.top(name, 200) == before_top
    assert await board.version(name) > before_version
    # A board that still has entries is left alone; a full rebuild is a no-op.
    assert await restore_session_board(board, scores, "QZ7K2M") == 0
    version = await board.version(name)
    assert await rebuild_session_board(board, scores, "QZ7K2M") == 120
    assert await board.version(name) == version


async def test_a_client_that_decodes_responses_works_the_same(redis_url: str) -> None:
    async with redis_prefix(redis_url) as (_client, prefix):
        decoded = Redis.from_url(redis_url, decode_responses=True)
        try:
            board = RedisLeaderboard(decoded, prefix=prefix)
            await board.submit("b", "é", 7, 3)
            await board.submit("b", "a", 7, 3)
            assert _rows(await board.top("b", 5)) == [(1, "a", 7, 3), (1, "é", 7, 3)]
            standing = await board.standing("b", "é")
            assert standing is not None and standing.rank == 1
            assert await board.version("b") > 0
        finally:
            await decoded.aclose()
