"""PostgresMasterStore on the local PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from adapters.aurora import PostgresMasterStore, open_pool, ping_pool
from adapters.memory import MemoryMasterStore
from quizcore.errors import StoreUnavailable
from quizcore.model import SessionResult, User
from quizcore.quiz import Question, Quiz, build_quiz
from tests.integration.contract.factories_postgres import pg_schema

CLOSED_DSN = "postgresql://postgres@127.0.0.1:1/test"

RAW: dict[str, Any] = {
    "title": "Everyday verbs — ½ “quoted”",
    "language": "fr",
    "level": "B1",
    "typo_tolerance": True,
    "questions": [
        {
            "prompt": "Choose the synonym of 'begin'",
            "kind": "choice",
            "choices": ["start", "finish", "stay", "hold"],
            "answer": "start",
            "seconds": 12,
        },
        {
            "prompt": "Type the English word for 'bonjour'",
            "kind": "text",
            "answer": "hello",
            "accept": ["hi", "héllo", "{braces}", "a,b"],
            "points": 2500,
        },
    ],
}


@pytest.fixture
async def store(pg_dsn: str) -> AsyncIterator[PostgresMasterStore]:
    async with pg_schema(pg_dsn) as (pool, schema):
        yield PostgresMasterStore(pool, schema=schema)


def _result(user: str, score: int, *, session: str = "S", final: bool = False) -> SessionResult:
    return SessionResult(
        session_id=session,
        user_id=user,
        display_name=user.title(),
        score=score,
        correct_count=score // 1000,
        rank=1 if final else 0,
        final=final,
        reached_at=score,
    )


async def test_a_quiz_round_trips_exactly(store: PostgresMasterStore) -> None:
    quiz = build_quiz("verbs-1", RAW, author_id="auth0|a")
    await store.save_quiz(quiz)
    assert await store.get_quiz("verbs-1") == quiz
    assert await store.get_quiz("nope") is None


async def test_hand_built_questions_keep_their_ids_and_indexes(store: PostgresMasterStore) -> None:
    quiz = Quiz(
        quiz_id="odd",
        title="t",
        questions=(
            Question(question_id="zz", index=0, prompt="p", kind="text", answer="a"),
            Question(question_id="aa", index=1, prompt="p", kind="text", answer="b", seconds=5),
        ),
    )
    await store.save_quiz(quiz)
    assert await store.get_quiz("odd") == quiz


async def test_saving_a_quiz_again_replaces_it_and_keeps_its_place(
    store: PostgresMasterStore,
) -> None:
    first = build_quiz("q1", RAW)
    second = build_quiz("q2", {**RAW, "title": "Second"})
    await store.save_quiz(first)
    await store.save_quiz(second)
    shorter = build_quiz("q1", {**RAW, "title": "First again", "questions": RAW["questions"][:1]})
    await asyncio.gather(*(store.save_quiz(shorter) for _ in range(5)))
    assert await store.list_quizzes() == [shorter, second]
    assert await store.get_quiz("q1") == shorter


async def test_users_are_upserted(store: PostgresMasterStore) -> None:
    ada = User(user_id="auth0|1", display_name="Ada", email="ada@example.com")
    assert await store.upsert_user(ada) == ada
    assert await store.upsert_user(ada) == ada
    blocked = User(user_id="auth0|1", display_name="Ada L.", status="blocked")
    assert await store.upsert_user(blocked) == blocked
    assert await store.get_user("auth0|1") == blocked
    assert await store.get_user("auth0|2") is None


async def test_a_lower_score_never_replaces_a_higher_one(store: PostgresMasterStore) -> None:
    await store.save_result(_result("ada", 3000))
    await store.save_result(_result("ada", 2000))
    assert [r.score for r in await store.session_results("S")] == [3000]
    await store.save_result(_result("ada", 4000))
    await store.save_result(_result("ada", 4000))  # redelivery
    assert await store.session_results("S") == [_result("ada", 4000)]


async def test_a_final_result_is_not_replaced_by_a_running_one(store: PostgresMasterStore) -> None:
    await store.save_result(_result("ada", 3000, final=True))
    await store.save_result(_result("ada", 3000))
    assert await store.session_results("S") == [_result("ada", 3000, final=True)]


async def test_concurrent_result_saves_converge_on_the_highest(
    store: PostgresMasterStore,
) -> None:
    scores = list(range(0, 20_000, 1000))
    random.Random(5).shuffle(scores)
    await asyncio.gather(*(store.save_result(_result("ada", score)) for score in scores))
    assert await store.session_results("S") == [_result("ada", 19_000)]


async def test_totals_count_final_results_only(store: PostgresMasterStore) -> None:
    await store.save_result(_result("ada", 3000, session="S1", final=True))
    await store.save_result(_result("ada", 5000, session="S2", final=True))
    await store.save_result(_result("ada", 9000, session="S3"))
    await store.save_result(_result("bob", 1000, session="S1", final=True))
    await store.save_result(_result("cy", 1000, session="S3"))
    assert await store.user_totals("ada") == (8000, 2)
    assert await store.user_totals("cy") == (0, 0)
    assert await store.user_totals("nobody") == (0, 0)
    assert await store.all_totals() == [("ada", 8000, 5000), ("bob", 1000, 1000)]


async def test_postgres_and_memory_master_stores_agree(store: PostgresMasterStore) -> None:
    memory = MemoryMasterStore()
    rng = random.Random(9)
    for _ in range(150):
        result = _result(
            f"u{rng.randrange(6)}",
            rng.randrange(5) * 1000,
            session=f"S{rng.randrange(3)}",
            final=rng.random() < 0.3,
        )
        await store.save_result(result)
        await memory.save_result(result)
    for session in ("S0", "S1", "S2"):
        assert await store.session_results(session) == await memory.session_results(session)
    assert await store.all_totals() == await memory.all_totals()
    for index in range(6):
        assert await store.user_totals(f"u{index}") == await memory.user_totals(f"u{index}")


async def test_the_store_names_its_schema_whatever_the_search_path(pg_dsn: str) -> None:
    async with pg_schema(pg_dsn) as (_pool, schema):
        plain = await asyncpg.create_pool(pg_dsn, min_size=1, max_size=2)
        try:
            store = PostgresMasterStore(plain, schema=schema)
            quiz = build_quiz("q", RAW)
            await store.save_quiz(quiz)
            assert await store.get_quiz("q") == quiz
            assert await plain.fetchval("SELECT to_regclass('quizzes')") is None
        finally:
            await plain.close()


async def test_a_closed_port_raises_store_unavailable() -> None:
    pool = await asyncpg.create_pool(CLOSED_DSN, min_size=0, max_size=1, timeout=2)
    try:
        store = PostgresMasterStore(pool, schema="quizcore")
        with pytest.raises(StoreUnavailable):
            await store.get_quiz("q")
        with pytest.raises(StoreUnavailable):
            await store.save_result(_result("ada", 1))
        with pytest.raises(StoreUnavailable):
            await ping_pool(pool)
    finally:
        await pool.close()


async def test_opening_a_pool_on_a_closed_port_raises_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable):
        async for _pool in open_pool(CLOSED_DSN, connect_timeout=2):
            pass


async def test_open_pool_migrates_and_sets_the_search_path(pg_dsn: str) -> None:
    schema = "test_open_pool_" + random.Random().randbytes(4).hex()
    resource = open_pool(pg_dsn, schema=schema, min_size=1, max_size=2)
    pool = await anext(resource)
    try:
        await ping_pool(pool)
        assert await pool.fetchval("SHOW search_path") == schema
        assert await pool.fetchval("SELECT count(*) FROM schema_migrations") >= 1
    finally:
        await pool.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await resource.aclose()


async def test_a_quiz_without_questions_round_trips(store: PostgresMasterStore) -> None:
    empty = Quiz(quiz_id="empty", title="Nothing yet")
    await store.save_quiz(empty)
    assert await store.get_quiz("empty") == empty
    assert await store.list_quizzes() == [empty]
