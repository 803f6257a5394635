"""Concurrent writers against DynamoDB: exactly one answer counts, every join counts once.

moto is served one request at a time (see ``factories_dynamodb``), as
DynamoDB applies each request atomically; the clients stay concurrent.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.dynamodb import DynamoAnswerStore, DynamoScoreStore, DynamoSessionStore, DynamoTables
from quizcore.model import ParticipantScore, RecordedAnswer, RecordOutcome
from quizcore.session import Participant
from tests.integration.contract.factories_dynamodb import dynamo_tables

Tables = tuple[Any, DynamoTables]


@pytest.fixture
async def tables(request: pytest.FixtureRequest) -> AsyncIterator[Tables]:
    """Yield a client and fresh tables."""
    async with dynamo_tables(request) as pair:
        yield pair


async def scan(client: Any, table: str) -> list[dict[str, Any]]:
    """Return every raw item of the table."""
    return list((await client.scan(TableName=table))["Items"])


BASE = RecordedAnswer(
    session_id="RACE01",
    question_id="q1",
    question_index=0,
    user_id="racer",
    submission_id="sub-0",
    answer="maison",
    received_at=1_800_000_001_000,
    opened_at=1_800_000_000_000,
    limit_ms=20_000,
)


@pytest.mark.parametrize(
    ("kind", "loser_outcome"),
    [("same submission", RecordOutcome.DUPLICATE), ("rival answers", RecordOutcome.CONFLICT)],
)
async def test_fifty_concurrent_submissions_count_once_and_losers_leave_nothing(
    tables: Tables, kind: str, loser_outcome: RecordOutcome
) -> None:
    client, names = tables
    answers = DynamoAnswerStore(client, names.answers)
    scores = DynamoScoreStore(client, names.scores)
    if kind == "same submission":
        offers = [dataclasses.replace(BASE, received_at=BASE.received_at + n) for n in range(50)]
    else:
        offers = [
            dataclasses.replace(BASE, submission_id=f"sub-{n}", answer=f"guess {n}")
            for n in range(50)
        ]

    outcomes = await asyncio.gather(*(answers.record(offer) for offer in offers))

    kinds = Counter(outcome for outcome, _ in outcomes)
    assert kinds == {RecordOutcome.RECORDED: 1, loser_outcome: 49}
    winner = next(stored for outcome, stored in outcomes if outcome is RecordOutcome.RECORDED)
    assert all(stored == winner for _, stored in outcomes)
    # The transaction is all or nothing: only the winner's three items exist,
    # and the question's answer count was raised once.
    items = await scan(client, names.answers)
    assert sorted(item["sk"]["S"] for item in items) == sorted(
        ["Q#q1", f"SUB#{winner.submission_id}", "U#racer#Q#q1", "QC#q1"]
    )
    assert await answers.question_count("RACE01", "q1") == 1

    # Every handler that saw an outcome scores from the stored answer: one score.
    def score_for(stored: RecordedAnswer) -> ParticipantScore:
        return ParticipantScore(
            session_id=stored.session_id,
            user_id=stored.user_id,
            score=100,
            correct_count=1,
            answered_count=1,
            reached_at=stored.received_at,
        )

    changed = await asyncio.gather(*(scores.raise_score(score_for(s)) for _, s in outcomes))
    assert changed.count(True) == 1
    assert await scores.scores("RACE01") == [score_for(winner)]


async def test_two_hundred_concurrent_joins_and_rejoins_count_exactly_two_hundred(
    tables: Tables,
) -> None:
    client, names = tables
    store = DynamoSessionStore(client, names.sessions)
    players = [
        Participant(session_id="CROWD1", user_id=f"p{n}", display_name=f"P{n}", joined_at=n)
        for n in range(200)
    ]
    # The first 40 players press "join" twice at once.
    attempts = players + [dataclasses.replace(p, display_name="again") for p in players[:40]]

    results = await asyncio.gather(*(store.add_participant(p) for p in attempts))

    assert sum(created for _, created, _ in results) == 200
    assert max(count for _, created, count in results if created) == 200
    assert all(count <= 200 for _, _, count in results)
    assert await store.participant_count("CROWD1") == 200
    stored = await store.participants("CROWD1")
    assert sorted(p.user_id for p in stored) == sorted(p.user_id for p in players)
    # Either press of a doubled join may land first; the one that created the
    # participant is what is stored, and the other is told so.
    stored_name = {p.user_id: p.display_name for p in stored}
    for attempt, (returned, created, _) in zip(attempts, results, strict=True):
        if created:
            assert stored_name[attempt.user_id] == attempt.display_name
        assert returned.display_name == stored_name[attempt.user_id]
    assert sum(name == "again" for name in stored_name.values()) <= 40
    items = await scan(client, names.sessions)
    counters = [int(item["count"]["N"]) for item in items if item["sk"]["S"] == "COUNT"]
    assert sum(counters) == 200
