"""DynamoDB stores keep the ports' promises, checked against moto's server."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.dynamodb import (
    DynamoAnswerStore,
    DynamoScoreStore,
    DynamoSessionStore,
    DynamoTables,
    dynamodb_client,
)
from entrypoints.settings import Settings
from quizcore.errors import Conflict
from quizcore.model import AnswerResult, ParticipantScore, RecordedAnswer, RecordOutcome
from quizcore.session import Participant, SessionState
from tests.integration.contract.factories_dynamodb import REGION, dynamo_tables

Tables = tuple[Any, DynamoTables]


@pytest.fixture
async def tables(request: pytest.FixtureRequest) -> AsyncIterator[Tables]:
    """Yield a client and fresh tables."""
    async with dynamo_tables(request) as pair:
        yield pair


def answer(**changes: Any) -> RecordedAnswer:
    """Return an answer of user u1 to question q1 of session ABCDEF."""
    base = RecordedAnswer(
        session_id="ABCDEF",
        question_id="q1",
        question_index=0,
        user_id="u1",
        submission_id="sub-1",
        answer="house",
        received_at=1_800_000_001_000,
        opened_at=1_800_000_000_000,
        limit_ms=10_000,
    )
    return dataclasses.replace(base, **changes)


def session(**changes: Any) -> SessionState:
    """Return a live session in the lobby."""
    base = SessionState(
        session_id="ABCDEF",
        quiz_id="quiz-1",
        title="Animals",
        mode="live",
        host_id="host",
        question_seconds=10,
        question_count=3,
        created_at=1_800_000_000_000,
    )
    return dataclasses.replace(base, **changes)


async def test_created_tables_have_pk_sk_keys_on_demand_billing_and_ttl(
    moto_endpoint: str, unique: str
) -> None:
    settings = Settings(
        dynamodb_answers_table=f"a-{unique}",
        dynamodb_scores_table=f"sc-{unique}",
        dynamodb_sessions_table=f"se-{unique}",
    )
    async with dynamodb_client(REGION, moto_endpoint) as client:
        tables = await DynamoTables.create_tables(client, settings)
        # A second bootstrap finds the tables and changes nothing.
        assert await DynamoTables.create_tables(client, settings) == tables
        try:
            assert tables.names == (f"a-{unique}", f"sc-{unique}", f"se-{unique}")
            for name in tables.names:
                table = (await client.describe_table(TableName=name))["Table"]
                assert {(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]} == {
                    ("pk", "HASH"),
                    ("sk", "RANGE"),
                }
                assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
                assert not table.get("GlobalSecondaryIndexes")
                ttl = await client.describe_time_to_live(TableName=name)
                assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
                assert ttl["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
        finally:
            await tables.delete_tables(client)


async def test_answer_is_recorded_once_and_later_offers_are_told_apart(tables: Tables) -> None:
    client, names = tables
    store = DynamoAnswerStore(client, names.answers)
    first = answer()
    assert await store.record(first) == (RecordOutcome.RECORDED, first)
    assert await store.record(first) == (RecordOutcome.DUPLICATE, first)
    other = answer(submission_id="sub-2", answer="mouse")
    assert await store.record(other) == (RecordOutcome.CONFLICT, first)
    assert await store.get("ABCDEF", "q1", "u1") == first
    assert await store.by_submission("ABCDEF", "u1", "sub-1") == first
    assert await store.by_submission("ABCDEF", "u1", "sub-2") is None
    assert await store.for_session("ABCDEF") == [first]


async def test_participant_answers_come_back_in_question_order(tables: Tables) -> None:
    client, names = tables
    store = DynamoAnswerStore(client, names.answers)
    answers = [
        answer(question_id=f"q{index}", question_index=index, submission_id=f"s{index}")
        for index in (2, 0, 11, 1)
    ]
    for item in answers:
        await store.record(item)
    await store.record(answer(user_id="u2", submission_id="other"))
    found = await store.for_participant("ABCDEF", "u1")
    assert [item.question_index for item in found] == [0, 1, 2, 11]
    assert len(await store.for_session("ABCDEF")) == 5
    assert await store.for_session("OTHER1") == []
    assert await store.get("ABCDEF", "q9", "u1") is None


async def test_ids_containing_key_separators_do_not_collide(tables: Tables) -> None:
    client, names = tables
    store = DynamoAnswerStore(client, names.answers)
    left = answer(user_id="a#Q#b", question_id="c", submission_id="x")
    right = answer(user_id="a", question_id="b#Q#c", submission_id="x")
    assert (await store.record(left))[0] is RecordOutcome.RECORDED
    assert (await store.record(right))[0] is RecordOutcome.RECORDED
    assert sorted(item.user_id for item in await store.for_session("ABCDEF")) == ["a", "a#Q#b"]


async def test_score_only_rises_and_results_are_never_downgraded(tables: Tables) -> None:
    client, names = tables
    store = DynamoScoreStore(client, names.scores)
    score = ParticipantScore(
        session_id="ABCDEF", user_id="u1", score=10, correct_count=1, answered_count=1, reached_at=5
    )
    assert await store.raise_score(score)
    assert not await store.raise_score(score)
    assert not await store.raise_score(dataclasses.replace(score, score=3, reached_at=9))
    higher = dataclasses.replace(score, score=25, correct_count=2, answered_count=2)
    assert await store.raise_score(higher)
    assert await store.get_score("ABCDEF", "u1") == higher
    assert await store.get_score("ABCDEF", "u2") is None
    assert await store.scores("ABCDEF") == [higher]

    scored = AnswerResult(
        session_id="ABCDEF",
        user_id="u1",
        submission_id="sub-1",
        question_id="q1",
        status="scored",
        correct=True,
        points=10,
        score=10,
    )
    rejected = AnswerResult(
        session_id="ABCDEF",
        user_id="u1",
        submission_id="sub-1",
        question_id="q1",
        status="rejected",
        code="question_closed",
        detail="late",
    )
    await store.save_result(rejected)
    assert await store.get_result("ABCDEF", "u1", "sub-1") == rejected
    await store.save_result(scored)
    await store.save_result(rejected)
    assert await store.get_result("ABCDEF", "u1", "sub-1") == scored
    assert await store.get_result("ABCDEF", "u1", "nope") is None


async def test_session_versions_and_running_index(tables: Tables) -> None:
    client, names = tables
    store = DynamoSessionStore(client, names.sessions)
    lobby = session()
    assert await store.create(lobby)
    assert not await store.create(session(title="taken"))
    assert await store.get("ABCDEF") == lobby
    assert await store.get("NOSUCH") is None
    assert await store.running() == [lobby]

    running = dataclasses.replace(
        lobby, status="running", version=1, question_index=0, windows=((1, 2),)
    )
    await store.save(running, expected_version=0)
    with pytest.raises(Conflict):
        await store.save(dataclasses.replace(running, version=2), expected_version=0)
    with pytest.raises(Conflict):
        await store.save(session(session_id="NOSUCH", version=1), expected_version=0)
    assert await store.running() == [running]

    finished = dataclasses.replace(running, status="finished", version=2, finished_at=9)
    await store.save(finished, expected_version=1)
    assert await store.get("ABCDEF") == finished
    assert await store.running() == []


async def test_participants_join_once_in_join_order(tables: Tables) -> None:
    client, names = tables
    store = DynamoSessionStore(client, names.sessions)
    people = [
        Participant(session_id="ABCDEF", user_id=user, display_name=user.title(), joined_at=at)
        for user, at in (("zoe", 1), ("adam", 2), ("mia", 2))
    ]
    for count, person in enumerate(people, start=1):
        assert await store.add_participant(person) == (person, True, count)
    again = dataclasses.replace(people[0], display_name="Someone else", joined_at=99)
    assert await store.add_participant(again) == (people[0], False, 3)
    assert await store.participants("ABCDEF") == people
    assert await store.participant_count("ABCDEF") == 3
    assert await store.get_participant("ABCDEF", "mia") == people[2]
    assert await store.get_participant("ABCDEF", "nobody") is None
    assert await store.participant_count("OTHER1") == 0


async def test_a_batch_of_participants_is_read_in_one_go(tables: Tables) -> None:
    client, names = tables
    store = DynamoSessionStore(client, names.sessions)
    people = [
        Participant(session_id="BATCH1", user_id=f"user-{n}", display_name=f"U{n}", joined_at=n)
        for n in range(130)
    ]
    for person in people:
        await store.add_participant(person)
    wanted = [person.user_id for person in people] + ["nobody", "user-3"]

    found = await store.get_participants("BATCH1", wanted)

    assert found == {**{p.user_id: p for p in people}, "nobody": None}
    assert await store.get_participants("OTHER1", ["user-1"]) == {"user-1": None}


async def test_first_serve_time_is_kept(tables: Tables) -> None:
    client, names = tables
    store = DynamoSessionStore(client, names.sessions)
    assert await store.serve("ABCDEF", "u1", 0, 1_000) == 1_000
    assert await store.serve("ABCDEF", "u1", 0, 2_000) == 1_000
    assert await store.serve("ABCDEF", "u1", 3, 5_000) == 5_000
    assert await store.serve("ABCDEF", "u2", 0, 7_000) == 7_000
    assert await store.served("ABCDEF", "u1") == {0: 1_000, 3: 5_000}
    assert await store.served("ABCDEF", "u3") == {}
