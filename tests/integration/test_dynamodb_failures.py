"""When DynamoDB fails, the adapters raise StoreUnavailable and never a wrong result."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from adapters.dynamodb import (
    DynamoAnswerStore,
    DynamoScoreStore,
    DynamoSessionStore,
    DynamoTables,
    client_config,
    dynamodb_client,
)
from adapters.dynamodb._support import TRANSACT_ATTEMPTS
from quizcore.errors import StoreUnavailable
from quizcore.model import AnswerResult, ParticipantScore, RecordedAnswer, RecordOutcome
from quizcore.session import Participant, SessionState
from tests.integration.contract.factories_dynamodb import REGION, dynamo_tables

# One attempt, short timeouts: an unreachable store fails in well under a second.
FAST_FAIL = client_config(total_attempts=1, connect_timeout=0.5, read_timeout=1.0)

ANSWER = RecordedAnswer(
    session_id="DOWN01",
    question_id="q1",
    question_index=0,
    user_id="u1",
    submission_id="sub-1",
    answer="chien",
    received_at=1_800_000_001_000,
    opened_at=1_800_000_000_000,
    limit_ms=20_000,
)
SCORE = ParticipantScore(
    session_id="DOWN01", user_id="u1", score=10, correct_count=1, answered_count=1, reached_at=7
)
RESULT = AnswerResult(
    session_id="DOWN01", user_id="u1", submission_id="sub-1", question_id="q1", status="scored"
)
STATE = SessionState(
    session_id="DOWN01",
    quiz_id="quiz",
    title="t",
    mode="self_paced",
    host_id="host",
    question_seconds=10,
    question_count=2,
    created_at=1,
)
PLAYER = Participant(session_id="DOWN01", user_id="u1", display_name="U", joined_at=1)


class Stores:
    """One adapter of each port on one client."""

    def __init__(self, client: Any, tables: DynamoTables) -> None:
        self.answers = DynamoAnswerStore(client, tables.answers)
        self.scores = DynamoScoreStore(client, tables.scores)
        self.sessions = DynamoSessionStore(client, tables.sessions)


CALLS: dict[str, Callable[[Stores], Awaitable[Any]]] = {
    "record": lambda s: s.answers.record(ANSWER),
    "get answer": lambda s: s.answers.get("DOWN01", "q1", "u1"),
    "by_submission": lambda s: s.answers.by_submission("DOWN01", "u1", "sub-1"),
    "for_participant": lambda s: s.answers.for_participant("DOWN01", "u1"),
    "for_session": lambda s: s.answers.for_session("DOWN01"),
    "raise_score": lambda s: s.scores.raise_score(SCORE),
    "get_score": lambda s: s.scores.get_score("DOWN01", "u1"),
    "scores": lambda s: s.scores.scores("DOWN01"),
    "save_result": lambda s: s.scores.save_result(RESULT),
    "get_result": lambda s: s.scores.get_result("DOWN01", "u1", "sub-1"),
    "create": lambda s: s.sessions.create(STATE),
    "get session": lambda s: s.sessions.get("DOWN01"),
    "save": lambda s: s.sessions.save(dataclasses.replace(STATE, version=1), 0),
    "running": lambda s: s.sessions.running(),
    "add_participant": lambda s: s.sessions.add_participant(PLAYER),
    "get_participant": lambda s: s.sessions.get_participant("DOWN01", "u1"),
    "participants": lambda s: s.sessions.participants("DOWN01"),
    "participant_count": lambda s: s.sessions.participant_count("DOWN01"),
    "serve": lambda s: s.sessions.serve("DOWN01", "u1", 0, 5),
    "served": lambda s: s.sessions.served("DOWN01", "u1"),
}


async def outcomes(stores: Stores, names: list[str]) -> dict[str, str]:
    """Map each call that did not raise StoreUnavailable to its outcome."""
    wrong: dict[str, str] = {}
    for name in names:
        try:
            result = await CALLS[name](stores)
        except StoreUnavailable:
            continue
        except Exception as ex:  # any other outcome is the failure
            wrong[name] = f"raised {ex!r}"
        else:
            wrong[name] = f"returned {result!r}"
    return wrong


async def test_every_call_on_a_closed_port_raises_store_unavailable(aws_env: None) -> None:
    async with dynamodb_client(REGION, "http://127.0.0.1:1", config=FAST_FAIL) as client:
        stores = Stores(client, DynamoTables.prefixed("unreachable"))
        assert await outcomes(stores, sorted(CALLS)) == {}
        with pytest.raises(StoreUnavailable):
            await DynamoTables.create_tables(client, DynamoTables.prefixed("unreachable"))


async def test_a_missing_table_is_unavailable_not_empty(moto_endpoint: str, unique: str) -> None:
    async with dynamodb_client(REGION, moto_endpoint, config=FAST_FAIL) as client:
        stores = Stores(client, DynamoTables.prefixed(f"missing-{unique}"))
        assert await outcomes(stores, sorted(CALLS)) == {}


async def test_moto_going_down_raises_store_unavailable_and_changes_no_score(
    moto_endpoint: str, unique: str
) -> None:
    from moto.server import ThreadedMotoServer

    # A second server on the same in-process moto backends, stopped mid-test.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    tables = DynamoTables.prefixed(f"down-{unique}")
    async with dynamodb_client(REGION, f"http://{host}:{port}", config=FAST_FAIL) as client:
        await DynamoTables.create_tables(client, tables)
        stores = Stores(client, tables)
        assert await stores.scores.raise_score(SCORE)
        assert (await stores.answers.record(ANSWER))[0] is RecordOutcome.RECORDED

        server.stop()

        # Each of these would be a wrong answer if it returned at all.
        with pytest.raises(StoreUnavailable):
            await stores.scores.get_score("DOWN01", "u1")  # not None
        with pytest.raises(StoreUnavailable):
            await stores.scores.raise_score(dataclasses.replace(SCORE, score=50))  # not False
        with pytest.raises(StoreUnavailable):
            await stores.answers.record(dataclasses.replace(ANSWER, submission_id="sub-2"))
        with pytest.raises(StoreUnavailable):
            await stores.sessions.participant_count("DOWN01")  # not 0

    async with dynamodb_client(REGION, moto_endpoint) as client:
        stores = Stores(client, tables)
        try:
            assert await stores.scores.get_score("DOWN01", "u1") == SCORE
            assert await stores.answers.for_session("DOWN01") == [ANSWER]
            assert await stores.scores.raise_score(dataclasses.replace(SCORE, score=50))
        finally:
            await tables.delete_tables(client)


class LostReplies:
    """A client whose writes land, lose their reply and are retried."""

    RETRIED = {"put_item", "update_item", "transact_write_items"}

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if name not in self.RETRIED:
            return method

        async def applied_then_retried(**params: Any) -> Any:
            await method(**params)
            return await method(**params)

        return applied_then_retried


@pytest.fixture
async def tables(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Any, DynamoTables]]:
    """Yield a client and fresh tables."""
    async with dynamo_tables(request) as pair:
        yield pair


async def test_a_write_retried_after_a_lost_reply_still_reports_the_change(
    tables: tuple[Any, DynamoTables],
) -> None:
    client, names = tables
    stores = Stores(LostReplies(client), names)

    assert await stores.answers.record(ANSWER) == (RecordOutcome.RECORDED, ANSWER)
    assert await stores.scores.raise_score(SCORE)
    assert await stores.sessions.create(STATE)
    await stores.sessions.save(dataclasses.replace(STATE, version=1), expected_version=0)
    assert await stores.sessions.add_participant(PLAYER) == (PLAYER, True, 1)
    # ...while someone else's earlier write still wins.
    rival = dataclasses.replace(ANSWER, submission_id="sub-2")
    assert await stores.answers.record(rival) == (RecordOutcome.CONFLICT, ANSWER)
    assert not await stores.scores.raise_score(SCORE)


class ConflictingClient:
    """A fake client whose transactions collide with others a few times."""

    def __init__(self, conflicts: int) -> None:
        self.conflicts = conflicts
        self.calls = 0

    async def transact_write_items(self, **params: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.conflicts:
            reasons = [{"Code": "TransactionConflict"}] + [{"Code": "None"}] * (
                len(params["TransactItems"]) - 1
            )
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": reasons,
                },
                "TransactWriteItems",
            )
        return {}


async def test_a_transaction_conflict_is_retried_until_it_goes_through() -> None:
    client = ConflictingClient(conflicts=2)
    store = DynamoAnswerStore(client, "answers")

    assert await store.record(ANSWER) == (RecordOutcome.RECORDED, ANSWER)
    assert client.calls == 3


async def test_a_lasting_transaction_conflict_is_unavailable_not_a_duplicate() -> None:
    client = ConflictingClient(conflicts=1_000)
    store = DynamoAnswerStore(client, "answers")

    with pytest.raises(StoreUnavailable):
        await store.record(ANSWER)
    assert client.calls == TRANSACT_ATTEMPTS
