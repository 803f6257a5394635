"""RedisQuizCache: read-through caching of quizzes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.memory import MemoryMasterStore
from adapters.redis import RedisQuizCache
from quizcore.model import SessionResult, User
from quizcore.quiz import Quiz, build_quiz
from tests.integration.contract.factories_redis import redis_prefix

QUIZ = build_quiz(
    "verbs-1",
    {
        "title": "Everyday verbs ✓",
        "language": "en",
        "level": "A2",
        "typo_tolerance": True,
        "questions": [
            {
                "prompt": "Choose the synonym of 'begin'",
                "kind": "choice",
                "choices": ["start", "finish", "stay", "hold"],
                "answer": "start",
                "seconds": 15,
            },
            {
                "prompt": "Type the English word for 'bonjour'",
                "kind": "text",
                "answer": "hello",
                "accept": ["hi", "héllo"],
                "points": 2000,
            },
        ],
    },
    author_id="auth0|author",
)


class CountingMaster(MemoryMasterStore):
    """A memory master store that counts quiz reads."""

    def __init__(self) -> None:
        super().__init__()
        self.quiz_reads = 0

    async def get_quiz(self, quiz_id: str) -> Quiz | None:
        self.quiz_reads += 1
        return await super().get_quiz(quiz_id)


@pytest.fixture
async def cached(redis_url: str) -> AsyncIterator[tuple[RedisQuizCache, CountingMaster, Redis]]:
    async with redis_prefix(redis_url) as (client, prefix):
        master = CountingMaster()
        yield RedisQuizCache(master, client, prefix=prefix, ttl_seconds=120), master, client


async def test_a_quiz_is_read_from_the_master_once_then_from_redis(
    cached: tuple[RedisQuizCache, CountingMaster, Redis],
) -> None:
    cache, master, client = cached
    await cache.save_quiz(QUIZ)
    assert await cache.get_quiz("verbs-1") == QUIZ
    assert await cache.get_quiz("verbs-1") == QUIZ
    assert master.quiz_reads == 1
    assert 0 < await client.ttl(cache.key("verbs-1")) <= 120
    # Another process with an empty master still gets the cached quiz.
    other = RedisQuizCache(CountingMaster(), client, prefix=cache.prefix)
    assert await other.get_quiz("verbs-1") == QUIZ


async def test_a_missing_quiz_is_not_cached(
    cached: tuple[RedisQuizCache, CountingMaster, Redis],
) -> None:
    cache, master, _client = cached
    assert await cache.get_quiz("later") is None
    await master.save_quiz(
        build_quiz("later", {"title": "t", "questions": QUIZ.to_dict()["questions"]})
    )
    found = await cache.get_quiz("later")
    assert found is not None and found.quiz_id == "later"


async def test_saving_a_quiz_drops_the_cached_copy(
    cached: tuple[RedisQuizCache, CountingMaster, Redis],
) -> None:
    cache, _master, _client = cached
    await cache.save_quiz(QUIZ)
    await cache.get_quiz("verbs-1")
    renamed = build_quiz("verbs-1", {**QUIZ.to_dict(), "title": "Renamed"})
    await cache.save_quiz(renamed)
    found = await cache.get_quiz("verbs-1")
    assert found is not None and found.title == "Renamed"


async def test_everything_else_goes_to_the_master(
    cached: tuple[RedisQuizCache, CountingMaster, Redis],
) -> None:
    cache, master, _client = cached
    await cache.save_quiz(QUIZ)
    assert await cache.list_quizzes() == [QUIZ]
    user = User(user_id="u1", display_name="Ada")
    assert await cache.upsert_user(user) == user
    assert await cache.get_user("u1") == user
    result = SessionResult(
        session_id="S", user_id="u1", display_name="Ada", score=900, correct_count=1, final=True
    )
    await cache.save_result(result)
    assert await cache.session_results("S") == [result]
    assert await cache.user_totals("u1") == (900, 1)
    assert await cache.all_totals() == await master.all_totals()


async def test_reads_fall_through_to_the_master_when_redis_is_down() -> None:
    master = CountingMaster()
    await master.save_quiz(QUIZ)
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        cache = RedisQuizCache(master, dead, prefix="unused")
        assert await cache.get_quiz("verbs-1") == QUIZ
        await cache.save_quiz(QUIZ)
    finally:
        await dead.aclose()
