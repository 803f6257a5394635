"""The SQLite file holds the embedded profile's state across restarts."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from adapters.sqlite import (
    SqliteAnswerStore,
    SqliteDatabase,
    SqliteMasterStore,
    SqliteScoreStore,
    SqliteSessionStore,
)
from quizcore.errors import StoreUnavailable
from quizcore.model import (
    AnswerResult,
    ParticipantScore,
    RecordedAnswer,
    RecordOutcome,
    SessionResult,
    User,
)
from quizcore.quiz import build_quiz
from quizcore.session import Participant, SessionState

SESSIONS = ("LIVE22", "SELF33", "DONE44")
USERS = ("zoe", "adam", "mia")


def _answer(session_id: str, user_id: str, index: int) -> RecordedAnswer:
    return RecordedAnswer(
        session_id=session_id,
        question_id=f"q{index + 1}",
        question_index=index,
        user_id=user_id,
        submission_id=f"{session_id}-{user_id}-{index}",
        answer=f"réponse {index}",
        received_at=1_800_000_001_000 + index,
        opened_at=1_800_000_000_000,
        limit_ms=20_000,
    )


async def _populate(database: SqliteDatabase) -> None:
    answers = SqliteAnswerStore(database)
    scores = SqliteScoreStore(database)
    sessions = SqliteSessionStore(database)
    master = SqliteMasterStore(database)
    for number, quiz_id in enumerate(("quiz-z", "quiz-a")):
        await master.save_quiz(
            build_quiz(
                quiz_id,
                {
                    "title": f"Quiz {number}",
                    "questions": [
                        {"prompt": "Hello?", "answer": "Bonjour", "choices": ["Bonjour", "Merci"]},
                        {"prompt": "Cat?", "kind": "text", "answer": "chat", "accept": ["le chat"]},
                    ],
                },
                author_id="author",
            )
        )
    for user_id in USERS:
        await master.upsert_user(User(user_id=user_id, display_name=user_id.title()))
    await master.upsert_user(User(user_id="adam", display_name="Adam B.", status="blocked"))
    for number, session_id in enumerate(SESSIONS):
        state = SessionState(
            session_id=session_id,
            quiz_id="quiz-z",
            title="Quiz 0",
            mode="self_paced" if number == 1 else "live",
            host_id="host",
            question_seconds=20,
            question_count=2,
            created_at=1_800_000_000_000,
        )
        await sessions.create(state)
        running = dataclasses.replace(
            state, status="running", started_at=1, windows=((1, 20_001),), version=1
        )
        await sessions.save(running, expected_version=0)
        if session_id == "DONE44":
            finished = dataclasses.replace(running, status="finished", finished_at=9, version=2)
            await sessions.save(finished, expected_version=1)
        for user_id in USERS:
            await sessions.add_participant(
                Participant(
                    session_id=session_id, user_id=user_id, display_name=user_id, joined_at=5
                )
            )
            await sessions.serve(session_id, user_id, 0, 100)
            await sessions.serve(session_id, user_id, 0, 999)
            await sessions.serve(session_id, user_id, 1, 200)
    # The host removed one player; their answers stay recorded.
    assert await sessions.remove_participant("LIVE22", "mia") is not None
    recorded = [
        _answer(session_id, user_id, index)
        for session_id in SESSIONS
        for user_id in USERS
        for index in (1, 0)
    ]
    outcomes = await asyncio.gather(*(answers.record(answer) for answer in recorded))
    assert {outcome for outcome, _ in outcomes} == {RecordOutcome.RECORDED}
    for session_id in SESSIONS:
        for points, user_id in enumerate(USERS):
            for score in (points * 100, points * 300):
                await scores.raise_score(
                    ParticipantScore(
                        session_id=session_id,
                        user_id=user_id,
                        score=score,
                        correct_count=1,
                        answered_count=2,
                        reached_at=7,
                    )
                )
            for status in ("scored", "rejected"):
                await scores.save_result(
                    AnswerResult(
                        session_id=session_id,
                        user_id=user_id,
                        submission_id=f"{session_id}-{user_id}-0",
                        question_id="q1",
                        status=status,
                        points=points,
                    )
                )
            for final in (False, True):
                await master.save_result(
                    SessionResult(
                        session_id=session_id,
                        user_id=user_id,
                        display_name=user_id,
                        score=points * 300,
                        correct_count=1,
                        rank=3 - points,
                        final=final,
                        reached_at=7,
                    )
                )


async def _snapshot(database: SqliteDatabase) -> dict[str, Any]:
    """Return everything the four stores answer, read through their ports."""
    answers = SqliteAnswerStore(database)
    scores = SqliteScoreStore(database)
    sessions = SqliteSessionStore(database)
    master = SqliteMasterStore(database)
    view: dict[str, Any] = {
        "quizzes": await master.list_quizzes(),
        "users": [await master.get_user(user_id) for user_id in USERS],
        "all_totals": await master.all_totals(),
        "user_totals": [await master.user_totals(user_id) for user_id in USERS],
        "running": await sessions.running(),
    }
    for session_id in SESSIONS:
        view[session_id] = {
            "state": await sessions.get(session_id),
            "participants": await sessions.participants(session_id),
            "count": await sessions.participant_count(session_id),
            "removed": [await sessions.removed(session_id, user_id) for user_id in USERS],
            "answers": await answers.for_session(session_id),
            "scores": await scores.scores(session_id),
            "results": await master.session_results(session_id),
            "users": {
                user_id: (
                    await sessions.get_participant(session_id, user_id),
                    await sessions.served(session_id, user_id),
                    await answers.for_participant(session_id, user_id),
                    await answers.get(session_id, "q1", user_id),
                    await answers.by_submission(session_id, user_id, f"{session_id}-{user_id}-1"),
                    await scores.get_score(session_id, user_id),
                    await scores.get_result(session_id, user_id, f"{session_id}-{user_id}-0"),
                )
                for user_id in USERS
            },
        }
    return view


async def test_everything_written_is_back_exactly_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "var" / "quiz.sqlite3"
    async with SqliteDatabase(path) as database:
        await _populate(database)
        before = await _snapshot(database)

    async with SqliteDatabase(path) as reopened:
        after = await _snapshot(reopened)

    assert after == before
    assert [quiz.quiz_id for quiz in after["quizzes"]] == ["quiz-z", "quiz-a"]
    assert [state.session_id for state in after["running"]] == ["LIVE22", "SELF33"]
    assert after["LIVE22"]["users"]["zoe"][1] == {0: 100, 1: 200}
    assert after["LIVE22"]["users"]["mia"][6].status == "scored"
    assert after["LIVE22"]["removed"] == [False, False, True]
    assert after["LIVE22"]["count"] == 2
    assert after["LIVE22"]["users"]["mia"][0] is None
    assert after["SELF33"]["removed"] == [False, False, False]


async def test_reopening_again_and_again_keeps_the_schema_and_the_data(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    async with SqliteDatabase(path) as database:
        await _populate(database)
        before = await _snapshot(database)

    for _ in range(3):
        async with SqliteDatabase(path) as database:
            assert await _snapshot(database) == before
            again = await SqliteAnswerStore(database).record(_answer("LIVE22", "zoe", 0))
            assert again[0] is RecordOutcome.DUPLICATE


async def test_the_file_itself_refuses_a_second_answer_to_one_question(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    async with SqliteDatabase(path) as database:
        await SqliteAnswerStore(database).record(_answer("LIVE22", "zoe", 0))

    with sqlite3.connect(path) as raw, pytest.raises(sqlite3.IntegrityError):
        raw.execute(
            "INSERT INTO answers (session_id, question_id, user_id, submission_id, data)"
            " VALUES ('LIVE22', 'q1', 'zoe', 'another', '{}')"
        )


async def test_the_file_is_kept_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    async with SqliteDatabase(path) as database:
        await SqliteAnswerStore(database).record(_answer("LIVE22", "zoe", 0))

    # Bytes 18 and 19 of the header are the write and read format: 2 is WAL.
    assert path.read_bytes()[18:20] == b"\x02\x02"


async def test_a_second_opener_of_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    async with SqliteDatabase(path):
        with pytest.raises(StoreUnavailable):
            await SqliteDatabase(path, busy_timeout_ms=50).open()

    async with SqliteDatabase(path) as database:
        assert database.is_open


async def test_stores_of_a_closed_database_are_unavailable(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "quiz.sqlite3")
    answers = SqliteAnswerStore(database)
    with pytest.raises(StoreUnavailable):
        await answers.record(_answer("LIVE22", "zoe", 0))

    await database.open()
    await answers.record(_answer("LIVE22", "zoe", 0))
    await database.close()

    with pytest.raises(StoreUnavailable):
        await answers.get("LIVE22", "q1", "zoe")
    with pytest.raises(StoreUnavailable):
        await answers.record(_answer("LIVE22", "zoe", 1))


def _rows(path: Path, table: str, session_id: str) -> int:
    with contextlib.closing(sqlite3.connect(path)) as raw:
        query = f"SELECT count(*) FROM {table} WHERE session_id = ?"
        return int(raw.execute(query, (session_id,)).fetchone()[0])


async def _running(sessions: SqliteSessionStore, session_id: str) -> SessionState:
    """Create a live session and start it; return its running state."""
    state = SessionState(
        session_id=session_id,
        quiz_id="quiz-z",
        title="Quiz 0",
        mode="live",
        host_id="host",
        question_seconds=20,
        question_count=2,
        created_at=1_800_000_000_000,
    )
    await sessions.create(state)
    running = dataclasses.replace(state, status="running", started_at=1, version=1)
    await sessions.save(running, expected_version=0)
    return running


def _finished(running: SessionState) -> SessionState:
    return dataclasses.replace(running, status="finished", finished_at=9, version=2)


def _score(session_id: str, score: int) -> ParticipantScore:
    return ParticipantScore(
        session_id=session_id,
        user_id="zoe",
        score=score,
        correct_count=1,
        answered_count=1,
        reached_at=score,
    )


async def test_a_running_sessions_projections_reach_the_file_when_it_finishes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "quiz.sqlite3"
    async with SqliteDatabase(path) as database:
        sessions, scores = SqliteSessionStore(database), SqliteScoreStore(database)
        running = await _running(sessions, "PLAY55")
        for score in (100, 300):  # the second replaces the first, kept back
            await scores.raise_score(_score("PLAY55", score))
        # Kept back while the session runs: a restart re-derives it anyway.
        assert database.kept_count("PLAY55") == 1
        assert (await scores.get_score("PLAY55", "zoe")).score == 300  # type: ignore[union-attr]

        await sessions.save(_finished(running), expected_version=1)
        # The finish is acknowledged once committed, the kept rows with it.
        assert database.kept_count("PLAY55") == 0

    assert _rows(path, "scores", "PLAY55") == 1
    async with SqliteDatabase(path) as reopened:
        kept = await SqliteScoreStore(reopened).get_score("PLAY55", "zoe")
        assert kept is not None and kept.score == 300


async def test_a_large_sessions_kept_rows_go_out_a_slice_per_turn_before_its_finish(
    tmp_path: Path,
) -> None:
    path = tmp_path / "quiz.sqlite3"
    players = 2_500
    async with SqliteDatabase(path) as database:
        sessions, scores = SqliteSessionStore(database), SqliteScoreStore(database)
        running = await _running(sessions, "BIG001")
        for number in range(players):
            await scores.raise_score(
                dataclasses.replace(_score("BIG001", 100 + number), user_id=f"p{number}")
            )
        assert database.kept_count("BIG001") == players

        # Another session's work: what it sees kept back at each turn it gets.
        seen: list[int] = []
        stop = asyncio.Event()

        async def elsewhere() -> None:
            while not stop.is_set():
                seen.append(database.kept_count("BIG001"))
                await asyncio.sleep(0)

        other = asyncio.create_task(elsewhere())
        await asyncio.sleep(0)
        await sessions.save(_finished(running), expected_version=1)
        stop.set()
        await other

        # 2,500 rows in slices of 1,000: the loop turned between the slices.
        assert {1_500, 500} <= set(seen)
        assert database.kept_count("BIG001") == 0

    assert _rows(path, "scores", "BIG001") == players
    async with SqliteDatabase(path) as reopened:
        kept = await SqliteScoreStore(reopened).get_score("BIG001", f"p{players - 1}")
        assert kept is not None and kept.score == 100 + players - 1


async def test_a_kept_back_row_whose_commit_fails_is_kept_for_the_next_try(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "quiz.sqlite3"
    async with SqliteDatabase(path) as database:
        sessions, scores = SqliteSessionStore(database), SqliteScoreStore(database)
        await _running(sessions, "RETRY7")
        await scores.raise_score(_score("RETRY7", 400))
        commit, failures = database._commit, []

        def fail_once(batch: Any) -> None:
            if not failures:
                failures.append(len(batch))
                raise sqlite3.OperationalError("disk I/O error")
            commit(batch)

        monkeypatch.setattr(database, "_commit", fail_once)
        database.end_session("RETRY7")  # its rows go out, and fail
        for _ in range(200):
            if failures and database.kept_count("RETRY7") == 1:
                break
            await asyncio.sleep(0.01)
        assert failures == [1]
        assert database.kept_count("RETRY7") == 1, "kept back again, not dropped"

    # The close writes what is kept back, built from the same record.
    assert _rows(path, "scores", "RETRY7") == 1
    async with SqliteDatabase(path) as reopened:
        kept = await SqliteScoreStore(reopened).get_score("RETRY7", "zoe")
        assert kept is not None and kept.score == 400


async def test_a_projection_made_while_the_finish_commits_reaches_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "quiz.sqlite3"
    async with SqliteDatabase(path) as database:
        sessions, scores = SqliteSessionStore(database), SqliteScoreStore(database)
        running = await _running(sessions, "LATE66")
        finishing = asyncio.create_task(sessions.save(_finished(running), expected_version=1))
        await asyncio.sleep(0)  # the finish is queued, not yet committed
        await scores.raise_score(_score("LATE66", 700))
        await finishing
        assert database.kept_count("LATE66") == 0, "nothing left waiting for a finish"

    assert _rows(path, "scores", "LATE66") == 1
