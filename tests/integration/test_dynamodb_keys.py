"""The DynamoDB key design spreads a large session over many partition keys."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.dynamodb import DynamoAnswerStore, DynamoSessionStore, DynamoTables
from quizcore.model import RecordedAnswer
from quizcore.session import Participant, SessionState
from tests.integration.contract.factories_dynamodb import dynamo_tables

Tables = tuple[Any, DynamoTables]
# A small shard count keeps moto fast; the spread is the same at 32.
SHARDS = 8
PLAYERS = 64


@pytest.fixture
async def tables(request: pytest.FixtureRequest) -> AsyncIterator[Tables]:
    """Yield a client and fresh tables."""
    async with dynamo_tables(request) as pair:
        yield pair


async def scan(client: Any, table: str) -> list[dict[str, Any]]:
    """Return every raw item of the table."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": table}
    while True:
        page = await client.scan(**params)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


async def test_participants_of_a_large_session_spread_over_every_shard(tables: Tables) -> None:
    client, names = tables
    store = DynamoSessionStore(client, names.sessions, shards=SHARDS)
    players = [
        Participant(session_id="BIGONE", user_id=f"player-{n}", display_name=f"P{n}", joined_at=n)
        for n in range(PLAYERS)
    ]
    for batch in range(0, PLAYERS, 32):
        await asyncio.gather(*(store.add_participant(p) for p in players[batch : batch + 32]))

    items = await scan(client, names.sessions)
    members = Counter(item["pk"]["S"] for item in items if item["sk"]["S"].startswith("U#"))
    counters = {
        item["pk"]["S"]: int(item["count"]["N"]) for item in items if item["sk"]["S"] == "COUNT"
    }
    assert set(members) == {f"S#BIGONE#P#{shard}" for shard in range(SHARDS)}
    # No partition key carries much more than its share of the joins.
    assert max(members.values()) <= 3 * PLAYERS // SHARDS
    # Each shard's counter counts exactly the members of its partition.
    assert counters == dict(members)
    assert await store.participant_count("BIGONE") == PLAYERS
    assert await store.participants("BIGONE") == players


async def test_answers_of_a_large_session_spread_over_session_shards(tables: Tables) -> None:
    client, names = tables
    store = DynamoAnswerStore(client, names.answers, shards=SHARDS)
    answers = [
        RecordedAnswer(
            session_id="BIGONE",
            question_id="q1",
            question_index=0,
            user_id=f"player-{n}",
            submission_id=f"sub-{n}",
            answer="chat",
            received_at=1_800_000_000_000 + n,
            opened_at=1_800_000_000_000,
            limit_ms=20_000,
        )
        for n in range(PLAYERS)
    ]
    for batch in range(0, PLAYERS, 32):
        await asyncio.gather(*(store.record(a) for a in answers[batch : batch + 32]))

    items = await scan(client, names.answers)
    by_pk = Counter(item["pk"]["S"] for item in items)
    session_wide = {pk: n for pk, n in by_pk.items() if pk.startswith("S#BIGONE#A#")}
    assert len(session_wide) == SHARDS
    assert max(session_wide.values()) <= 3 * PLAYERS // SHARDS
    # Per-participant partitions hold only that participant's two items.
    assert max(n for pk, n in by_pk.items() if "#U#" in pk) == 2
    assert await store.for_session("BIGONE") == answers


async def test_only_unfinished_sessions_are_indexed_and_finished_ones_expire(
    tables: Tables,
) -> None:
    client, names = tables
    store = DynamoSessionStore(client, names.sessions, retention_days=30)
    states = [
        SessionState(
            session_id=f"LIVE{n:02d}",
            quiz_id="quiz",
            title="t",
            mode="live",
            host_id="host",
            question_seconds=10,
            question_count=2,
            created_at=n,
        )
        for n in range(6)
    ]
    for state in states:
        assert await store.create(state)
    finished = SessionState.from_dict({**states[0].to_dict(), "status": "finished", "version": 1})
    await store.save(finished, expected_version=0)

    items = await scan(client, names.sessions)
    index = [item for item in items if item["pk"]["S"].startswith("RUNNING#")]
    assert sorted(item["sk"]["S"] for item in index) == [s.session_id for s in states[1:]]
    assert len({item["pk"]["S"] for item in index}) > 1
    state_items = {item["pk"]["S"]: item for item in items if item["sk"]["S"] == "STATE"}
    expires = int(state_items["S#LIVE00"]["expires_at"]["N"])
    assert 29 * 86_400 < expires - time.time() <= 30 * 86_400
    assert "expires_at" not in state_items["S#LIVE01"]
    assert await store.running() == states[1:]
