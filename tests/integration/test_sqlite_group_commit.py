"""Group commit: shared commits, durable acks, failed commits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.sqlite import SqliteAnswerStore, SqliteDatabase, SqliteScoreStore
from quizcore.errors import StoreUnavailable
from quizcore.model import ParticipantScore, RecordedAnswer, RecordOutcome


def _answer(
    user_id: str, index: int = 0, *, text: str = "bonjour", sub: str = ""
) -> RecordedAnswer:
    return RecordedAnswer(
        session_id="SESSA1",
        question_id=f"q{index + 1}",
        question_index=index,
        user_id=user_id,
        submission_id=sub or f"{user_id}-{index}",
        answer=text,
        received_at=1_800_000_001_000,
        opened_at=1_800_000_000_000,
        limit_ms=20_000,
    )


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    """Yield an open database on a fresh file."""
    async with SqliteDatabase(tmp_path / "quiz.sqlite3") as opened:
        yield opened


async def _on_connection(database: SqliteDatabase, sql: str) -> Any:
    # Runs on the writer's own thread and connection, between two commits:
    # the only way to reach the file while the database holds its lock.
    connection, executor = database._conn, database._executor
    assert connection is not None
    return await asyncio.get_running_loop().run_in_executor(
        executor, lambda: connection.execute(sql).fetchall()
    )


async def _fill_up(database: SqliteDatabase) -> None:
    """Make the file full: any write that needs a new page fails."""
    pages = (await _on_connection(database, "PRAGMA page_count"))[0][0]
    await _on_connection(database, f"PRAGMA max_page_count = {pages}")


async def _make_room(database: SqliteDatabase) -> None:
    await _on_connection(database, "PRAGMA max_page_count = 1073741823")


async def test_concurrent_writers_share_commits(database: SqliteDatabase) -> None:
    store = SqliteAnswerStore(database)

    outcomes = await asyncio.gather(*(store.record(_answer(f"user-{i}")) for i in range(500)))

    assert {outcome for outcome, _ in outcomes} == {RecordOutcome.RECORDED}
    assert database.committed_writes == 500
    assert database.commits <= 10


async def test_a_duplicate_of_an_answer_being_committed_returns_after_the_commit(
    database: SqliteDatabase,
) -> None:
    store = SqliteAnswerStore(database)
    first = _answer("ana")
    seen_by_duplicates: list[RecordedAnswer | None] = []

    async def duplicate() -> None:
        outcome, _ = await store.record(first)
        assert outcome is RecordOutcome.DUPLICATE
        # Acknowledged only once durable: the committed index must have it.
        seen_by_duplicates.append(await store.get("SESSA1", "q1", "ana"))

    recorded, *_ = await asyncio.gather(store.record(first), *(duplicate() for _ in range(10)))

    assert recorded == (RecordOutcome.RECORDED, first)
    assert seen_by_duplicates == [first] * 10


async def test_a_failed_commit_raises_and_leaves_no_trace(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    store = SqliteAnswerStore(database)
    kept = _answer("ana")
    await store.record(kept)
    await _fill_up(database)
    large = _answer("bob", text="x" * 50_000)

    results = await asyncio.gather(
        store.record(large),
        *(store.record(large) for _ in range(5)),
        store.record(_answer("cem", text="y" * 50_000)),
        return_exceptions=True,
    )

    assert all(isinstance(result, StoreUnavailable) for result in results)
    assert await store.get("SESSA1", "q1", "bob") is None
    assert await store.get("SESSA1", "q1", "cem") is None
    assert await store.for_session("SESSA1") == [kept]

    await _make_room(database)
    assert await store.record(large) == (RecordOutcome.RECORDED, large)
    await database.close()
    async with SqliteDatabase(tmp_path / "quiz.sqlite3") as reopened:
        assert await SqliteAnswerStore(reopened).for_session("SESSA1") == [kept, large]


async def test_answers_queued_behind_a_failed_commit_fail_with_it(
    database: SqliteDatabase,
) -> None:
    answers = SqliteAnswerStore(database)
    await answers.record(_answer("warm-up"))
    await _fill_up(database)

    # The large answer needs new pages and fails the batch; every answer
    # queued behind it fails with it, so none is acknowledged while lost.
    results = await asyncio.gather(
        answers.record(_answer("bob", text="x" * 50_000)),
        *(answers.record(_answer(user)) for user in ("ana", "cleo", "dan")),
        return_exceptions=True,
    )

    assert all(isinstance(result, StoreUnavailable) for result in results)
    assert await answers.get("SESSA1", "q1", "ana") is None
    await _make_room(database)
    outcome, _ = await answers.record(_answer("ana"))
    assert outcome is RecordOutcome.RECORDED


async def test_a_row_the_mirror_did_not_expect_fails_the_whole_run_of_inserts(
    database: SqliteDatabase,
) -> None:
    answers = SqliteAnswerStore(database)
    await answers.record(_answer("warm-up"))
    # A row written behind the mirror's back: the insert of bob's answer
    # changes nothing in the file although the mirror decided it would.
    await _on_connection(
        database,
        "INSERT INTO answers (session_id, question_id, user_id, submission_id, data)"
        " VALUES ('SESSA1', 'q1', 'bob', 'stray', '{}')",
    )

    # The three inserts commit as one run; it changes two rows, not three.
    results = await asyncio.gather(
        *(answers.record(_answer(user)) for user in ("ana", "bob", "cem")),
        return_exceptions=True,
    )

    assert all(isinstance(result, StoreUnavailable) for result in results)
    assert await answers.get("SESSA1", "q1", "ana") is None
    await _on_connection(database, "DELETE FROM answers WHERE submission_id = 'stray'")
    outcomes = [(await answers.record(_answer(user)))[0] for user in ("ana", "bob", "cem")]
    assert outcomes == [RecordOutcome.RECORDED] * 3


async def test_scores_are_written_behind_and_read_at_once(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    scores = SqliteScoreStore(database)
    score = ParticipantScore(
        session_id="SESSA1",
        user_id="ana",
        score=300,
        correct_count=1,
        answered_count=1,
        reached_at=300,
    )

    # A projection: readable as soon as it is raised, durable by the close.
    assert await scores.raise_score(score) is True
    assert await scores.get_score("SESSA1", "ana") == score
    await database.close()
    async with SqliteDatabase(database.path) as reopened:
        assert await SqliteScoreStore(reopened).get_score("SESSA1", "ana") == score


async def test_a_cancelled_caller_still_gets_its_answer_committed(
    database: SqliteDatabase, tmp_path: Path
) -> None:
    store = SqliteAnswerStore(database)
    await store.record(_answer("warm-up"))
    abandoned = _answer("ana")

    task = asyncio.create_task(store.record(abandoned))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # A later write commits after it (one writer, in order).
    await store.record(_answer("bob"))

    assert await store.get("SESSA1", "q1", "ana") == abandoned
    await database.close()
    async with SqliteDatabase(tmp_path / "quiz.sqlite3") as reopened:
        assert await SqliteAnswerStore(reopened).get("SESSA1", "q1", "ana") == abandoned


async def test_close_commits_what_is_still_queued(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    database = SqliteDatabase(path)
    await database.open()
    store = SqliteAnswerStore(database)
    pending = [asyncio.create_task(store.record(_answer(f"user-{i}"))) for i in range(100)]
    await asyncio.sleep(0)

    await database.close()

    assert {(await task)[0] for task in pending} == {RecordOutcome.RECORDED}
    async with SqliteDatabase(path) as reopened:
        assert len(await SqliteAnswerStore(reopened).for_session("SESSA1")) == 100
